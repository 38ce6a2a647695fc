package gateway

import (
	"fmt"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// mssTable is the nftables table in which the gateway clamps TCP MSS.
const mssTable = "mcnlab-gateway"

// clampMSS installs, in the gateway's namespace, the rule
//
//	tcp flags & (syn|rst) == syn tcp option maxseg size set rt mtu
//
// on forwarded traffic: every TCP handshake through the gateway gets the MSS
// of the route it takes (a tunnel's MTU 1420 gives 1380), so TCP through a
// tunnel never sends segments the tunnel would have to fragment, and does
// not depend on ICMP "fragmentation needed" reaching the sender (what
// clouds do on their VPN gateways, e.g. AWS:
// https://docs.aws.amazon.com/vpn/latest/s2svpn/your-cgw.html — "adjust the
// maximum segment size of TCP packets entering the VPN tunnel").
// It replaces a table left by an earlier run.
func clampMSS() error {
	c, err := nftables.New()
	if err != nil {
		return fmt.Errorf("clamp mss: %w", err)
	}
	t := &nftables.Table{Family: nftables.TableFamilyINet, Name: mssTable}
	c.AddTable(t)
	c.DelTable(t) // start from empty, whatever an earlier run left
	c.AddTable(t)
	ch := c.AddChain(&nftables.Chain{
		Name: "forward", Table: t, Type: nftables.ChainTypeFilter,
		Hooknum: nftables.ChainHookForward, Priority: nftables.ChainPriorityMangle,
	})
	c.AddRule(&nftables.Rule{Table: t, Chain: ch, Exprs: []expr.Any{
		&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{unix.IPPROTO_TCP}},
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: 13, Len: 1},
		&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 1, Mask: []byte{0x06}, Xor: []byte{0}},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{0x02}},
		&expr.Rt{Register: 1, Key: expr.RtTCPMSS},
		// rt leaves the MSS in host byte order; the option is big-endian.
		&expr.Byteorder{SourceRegister: 1, DestRegister: 1, Op: expr.ByteorderHton, Len: 2, Size: 2},
		&expr.Exthdr{Op: expr.ExthdrOpTcpopt, Type: 2, Offset: 2, Len: 2, SourceRegister: 1},
	}})
	if err := c.Flush(); err != nil {
		return fmt.Errorf("clamp mss: %w", err)
	}
	return nil
}

// unclampMSS removes the table.
func unclampMSS() error {
	c, err := nftables.New()
	if err != nil {
		return fmt.Errorf("unclamp mss: %w", err)
	}
	c.DelTable(&nftables.Table{Family: nftables.TableFamilyINet, Name: mssTable})
	if err := c.Flush(); err != nil {
		return fmt.Errorf("unclamp mss: %w", err)
	}
	return nil
}
