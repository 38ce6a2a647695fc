package realize

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strconv"

	"github.com/google/nftables"
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// match is one packet condition, written as nftables expressions that load
// into register 1 and compare; a rule is a list of matches and a verdict.
type match []expr.Any

// tableName is the one nftables table the realizer owns in each namespace.
const tableName = "mcn"

// ifname pads an interface name as the kernel compares it.
func ifname(n string) []byte {
	b := make([]byte, 16)
	copy(b, n+"\x00")
	return b
}

func iif(name string) match {
	return match{
		&expr.Meta{Key: expr.MetaKeyIIFNAME, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: ifname(name)},
	}
}

func oif(name string) match {
	return match{
		&expr.Meta{Key: expr.MetaKeyOIFNAME, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: ifname(name)},
	}
}

// addrOffset is where the source (12) or destination (16) address lies in
// the IPv4 header.
const (
	srcOffset = 12
	dstOffset = 16
)

// prefixMatch matches the IPv4 source or destination address against p; a
// /0 matches everything and yields no expression.
func prefixMatch(offset uint32, p netip.Prefix) match {
	if p.Bits() == 0 {
		return nil
	}
	load := &expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: offset, Len: 4}
	a := p.Masked().Addr().As4()
	if p.Bits() == 32 {
		return match{load, &expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: a[:]}}
	}
	mask := binary.BigEndian.AppendUint32(nil, ^uint32(0)<<(32-p.Bits()))
	return match{
		load,
		&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4, Mask: mask, Xor: make([]byte, 4)},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: a[:]},
	}
}

func addrMatch(offset uint32, a netip.Addr) match {
	return prefixMatch(offset, netip.PrefixFrom(a, 32))
}

// protoNumber maps the model's protocol ("-1", "tcp", "udp", "icmp" or a
// number) to an IP protocol number; -1 is all.
func protoNumber(p string) (int, error) {
	switch p {
	case "-1", "all", "":
		return -1, nil
	case "tcp":
		return unix.IPPROTO_TCP, nil
	case "udp":
		return unix.IPPROTO_UDP, nil
	case "icmp":
		return unix.IPPROTO_ICMP, nil
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 0 || n > 255 {
		return 0, fmt.Errorf("protocol %q is not a protocol number", p)
	}
	return n, nil
}

// l4Match matches the IP protocol and, for TCP and UDP, the destination port
// range; for ICMP the FromPort/ToPort pair is the type and code as in AWS
// security group rules (-1 for any).
func l4Match(proto string, from, to int) (match, error) {
	n, err := protoNumber(proto)
	if err != nil {
		return nil, err
	}
	if n < 0 {
		return nil, nil
	}
	m := match{
		&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{byte(n)}},
	}
	switch n {
	case unix.IPPROTO_TCP, unix.IPPROTO_UDP:
		if from < 0 || (from == 0 && to == 65535) {
			return m, nil
		}
		m = append(m,
			&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: 2, Len: 2},
			&expr.Range{Op: expr.CmpOpEq, Register: 1,
				FromData: binaryutil.BigEndian.PutUint16(uint16(from)), ToData: binaryutil.BigEndian.PutUint16(uint16(to))})
	case unix.IPPROTO_ICMP:
		m = append(m, icmpMatch(from, to)...)
	}
	return m, nil
}

func icmpMatch(typ, code int) match {
	var m match
	if typ >= 0 {
		m = append(m,
			&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: 0, Len: 1},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{byte(typ)}})
	}
	if code >= 0 {
		m = append(m,
			&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: 1, Len: 1},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{byte(code)}})
	}
	return m
}

// aclL4Match is l4Match for a network ACL entry, whose ICMP type and code are
// fields of their own.
func aclL4Match(e model.ACLEntry) (match, error) {
	n, err := protoNumber(e.Protocol)
	if err != nil {
		return nil, err
	}
	if n == unix.IPPROTO_ICMP {
		return append(match{
			&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{byte(n)}},
		}, icmpMatch(e.ICMPType, e.ICMPCode)...), nil
	}
	return l4Match(e.Protocol, e.FromPort, e.ToPort)
}

// ctEstablished matches packets of a connection already accepted, and
// related ones (ICMP errors about it).
func ctEstablished() match {
	return match{
		&expr.Ct{Register: 1, Key: expr.CtKeySTATE},
		&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4,
			Mask: binaryutil.NativeEndian.PutUint32(expr.CtStateBitESTABLISHED | expr.CtStateBitRELATED),
			Xor:  binaryutil.NativeEndian.PutUint32(0)},
		&expr.Cmp{Op: expr.CmpOpNeq, Register: 1, Data: binaryutil.NativeEndian.PutUint32(0)},
	}
}

var (
	accept = &expr.Verdict{Kind: expr.VerdictAccept}
	drop   = &expr.Verdict{Kind: expr.VerdictDrop}
	ret    = &expr.Verdict{Kind: expr.VerdictReturn}
)

func jump(chain string) *expr.Verdict { return &expr.Verdict{Kind: expr.VerdictJump, Chain: chain} }

// ruleset is the whole content of the realizer's table in one namespace,
// replaced atomically.
type ruleset struct {
	family nftables.TableFamily // IPv4 unless set
	chains []*chainSpec
}

type chainSpec struct {
	name   string
	hook   *nftables.ChainHook // nil for a regular chain
	prio   *nftables.ChainPriority
	typ    nftables.ChainType
	policy nftables.ChainPolicy
	rules  [][]expr.Any
}

func (c *chainSpec) add(verdict expr.Any, ms ...match) {
	var r []expr.Any
	for _, m := range ms {
		r = append(r, m...)
	}
	c.rules = append(c.rules, append(r, verdict))
}

// apply replaces the realizer's table in the namespace whose handle is fd
// with rs, in one transaction; an empty ruleset removes the table.
func (rs *ruleset) apply(fd int) error { return applyTables(fd, rs) }

// applyTables replaces the realizer's tables of each ruleset's family in
// the namespace whose handle is fd, all in one transaction.
func applyTables(fd int, rss ...*ruleset) error {
	c, err := nftables.New(nftables.WithNetNSFd(fd))
	if err != nil {
		return fmt.Errorf("nftables: %w", err)
	}
	for _, rs := range rss {
		fam := rs.family
		if fam == 0 {
			fam = nftables.TableFamilyIPv4
		}
		t := &nftables.Table{Name: tableName, Family: fam}
		// Add then delete: deleting a table that does not exist would fail
		// the whole batch.
		c.AddTable(t)
		c.DelTable(t)
		if len(rs.chains) == 0 {
			continue
		}
		c.AddTable(t)
		for _, cs := range rs.chains {
			ch := &nftables.Chain{Name: cs.name, Table: t}
			if cs.hook != nil {
				pol := cs.policy
				ch.Hooknum, ch.Priority, ch.Type, ch.Policy = cs.hook, cs.prio, cs.typ, &pol
			}
			c.AddChain(ch)
		}
		for _, cs := range rs.chains {
			ch := &nftables.Chain{Name: cs.name, Table: t}
			for _, r := range cs.rules {
				c.AddRule(&nftables.Rule{Table: t, Chain: ch, Exprs: r})
			}
		}
	}
	if err := c.Flush(); err != nil {
		return fmt.Errorf("nftables: replace table %s: %w", tableName, err)
	}
	return nil
}

func natTo(typ expr.NATType, a netip.Addr) []expr.Any {
	b := a.As4()
	return []expr.Any{
		&expr.Immediate{Register: 1, Data: b[:]},
		&expr.NAT{Type: typ, Family: unix.NFPROTO_IPV4, RegAddrMin: 1},
	}
}
