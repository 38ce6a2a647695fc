package policy

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/bits"
	"net"
	"net/netip"
	"slices"
	"strings"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"github.com/google/nftables/xt"
	"golang.org/x/sys/unix"
)

// tableState is one table as the kernel holds it (or the fake): what
// render prints.
type tableState struct {
	table  *nftables.Table
	sets   []setState
	objs   []nftables.Obj
	chains []chainState
}

type setState struct {
	set   *nftables.Set
	elems []nftables.SetElement
}

type chainState struct {
	chain *nftables.Chain
	rules []*nftables.Rule
}

var familyNames = map[nftables.TableFamily]string{
	nftables.TableFamilyINet: "inet", nftables.TableFamilyIPv4: "ip", nftables.TableFamilyIPv6: "ip6",
}

var hookNames = map[nftables.ChainHook]string{
	*nftables.ChainHookPrerouting: "prerouting", *nftables.ChainHookInput: "input",
	*nftables.ChainHookForward: "forward", *nftables.ChainHookOutput: "output",
	*nftables.ChainHookPostrouting: "postrouting",
}

// render prints ts in nft's style, in a stable order: sets, counters and
// chains sorted by name, rules in order, set elements as sorted prefixes.
// Counter values are left out (traffic changes them).
func (ts *tableState) render(b *strings.Builder) {
	fmt.Fprintf(b, "table %s %s {\n", familyNames[ts.table.Family], ts.table.Name)
	sets := slices.Clone(ts.sets)
	slices.SortFunc(sets, func(x, y setState) int { return strings.Compare(x.set.Name, y.set.Name) })
	for _, s := range sets {
		typ := "ipv4_addr"
		if s.set.KeyType.Name == nftables.TypeIP6Addr.Name {
			typ = "ipv6_addr"
		}
		var ps []string
		for _, p := range elemPrefixes(s.elems) {
			ps = append(ps, p.String())
		}
		if s.set.Dynamic {
			// A flow set (track.go): its elements are traffic, left out.
			fmt.Fprintf(b, "\tset %s { type ipv4_addr . ipv4_addr . inet_proto . inet_service . inet_service; flags dynamic,timeout; counter }\n", s.set.Name)
			continue
		}
		fmt.Fprintf(b, "\tset %s { type %s; flags interval; elements = { %s } }\n", s.set.Name, typ, strings.Join(ps, ", "))
	}
	var counters []string
	for _, o := range ts.objs {
		if co, ok := o.(*nftables.CounterObj); ok {
			counters = append(counters, co.Name)
		}
	}
	slices.Sort(counters)
	for _, name := range counters {
		fmt.Fprintf(b, "\tcounter %s\n", name)
	}
	chains := slices.Clone(ts.chains)
	slices.SortFunc(chains, func(x, y chainState) int { return strings.Compare(x.chain.Name, y.chain.Name) })
	for _, cs := range chains {
		fmt.Fprintf(b, "\tchain %s {", cs.chain.Name)
		if ch := cs.chain; ch.Hooknum != nil {
			pol := "accept"
			if ch.Policy != nil && *ch.Policy == nftables.ChainPolicyDrop {
				pol = "drop"
			}
			var prio int32
			if ch.Priority != nil {
				prio = int32(*ch.Priority)
			}
			fmt.Fprintf(b, " type %s hook %s priority %d; policy %s;", ch.Type, hookNames[*ch.Hooknum], prio, pol)
		}
		b.WriteString("\n")
		for _, r := range cs.rules {
			fmt.Fprintf(b, "\t\t%s\n", renderRule(r.Exprs))
		}
		b.WriteString("\t}\n")
	}
	b.WriteString("}\n")
}

// elemPrefixes turns an interval set's elements (starts, and ends flagged
// IntervalEnd that lie one past the interval) into sorted prefixes.
func elemPrefixes(elems []nftables.SetElement) []netip.Prefix {
	elems = slices.Clone(elems)
	slices.SortStableFunc(elems, func(x, y nftables.SetElement) int { return bytes.Compare(x.Key, y.Key) })
	var out []netip.Prefix
	for i, e := range elems {
		if e.IntervalEnd {
			continue
		}
		from, ok := netip.AddrFromSlice(e.Key)
		if !ok {
			continue
		}
		to := lastAddr(netip.PrefixFrom(from, 0)) // no end: up to the family's top
		if i+1 < len(elems) && elems[i+1].IntervalEnd {
			if end, ok := netip.AddrFromSlice(elems[i+1].Key); ok {
				to = end.Prev()
			}
		}
		out = append(out, rangePrefixes(from, to)...)
	}
	return out
}

// rangePrefixes is the shortest list of prefixes covering from..to.
func rangePrefixes(from, to netip.Addr) []netip.Prefix {
	var out []netip.Prefix
	for from.IsValid() && from.Compare(to) <= 0 {
		bitsLen := from.BitLen()
		// the largest prefix starting at from that stays within to
		n := bitsLen
		for n > 0 {
			p := netip.PrefixFrom(from, n-1)
			if p.Masked().Addr() != from || lastAddr(p).Compare(to) > 0 {
				break
			}
			n--
		}
		p := netip.PrefixFrom(from, n)
		out = append(out, p)
		from = lastAddr(p).Next()
	}
	return out
}

// reg is what the renderer knows a register holds.
type reg struct {
	field string // "ip saddr", "meta l4proto"…; "" for an immediate
	size  uint32 // the bytes a load put there (for a hash's fields)
	mask  []byte
	xor   []byte // a bitwise's xor, after its mask
	data  []byte // an immediate's value
}

// renderRule prints a rule's expressions in nft's words, for the shapes
// this package compiles; anything else prints as its Go type, so that a
// test sees it.
func renderRule(exprs []expr.Any) string {
	r := &ruleRenderer{regs: map[uint32]reg{}}
	for _, e := range exprs {
		r.expr(e)
	}
	// nft leaves out the family check that an address match implies.
	var out []string
	for i, tok := range r.toks {
		if tok == "meta iiftype ether" && i+1 < len(r.toks) && strings.HasPrefix(r.toks[i+1], "ether ") {
			continue
		}
		if fam, ok := strings.CutPrefix(tok, "meta nfproto "); ok && i+1 < len(r.toks) {
			kw := map[string]string{"ipv4": "ip ", "ipv6": "ip6 "}[fam]
			if kw != "" && strings.HasPrefix(r.toks[i+1], kw) {
				continue
			}
		}
		out = append(out, tok)
	}
	return strings.Join(out, " ")
}

type ruleRenderer struct {
	regs  map[uint32]reg
	proto string // the last L4 protocol matched
	toks  []string
}

func (r *ruleRenderer) add(format string, args ...any) {
	r.toks = append(r.toks, fmt.Sprintf(format, args...))
}

var metaNames = map[expr.MetaKey]string{
	expr.MetaKeyNFPROTO: "meta nfproto", expr.MetaKeyL4PROTO: "meta l4proto",
	expr.MetaKeyIIFNAME: "iifname", expr.MetaKeyOIFNAME: "oifname", expr.MetaKeyMARK: "meta mark",
	expr.MetaKeyIIFTYPE: "meta iiftype",
}

func (r *ruleRenderer) expr(e expr.Any) {
	switch e := e.(type) {
	case *expr.Meta:
		if e.SourceRegister {
			r.add("%s set 0x%x", metaNames[e.Key], binary.NativeEndian.Uint32(pad4(r.regs[e.Register].data)))
			return
		}
		name := metaNames[e.Key]
		if name == "" {
			name = fmt.Sprintf("meta key %d", e.Key)
		}
		r.regs[e.Register] = reg{field: name, size: map[expr.MetaKey]uint32{expr.MetaKeyL4PROTO: 1, expr.MetaKeyNFPROTO: 1, expr.MetaKeyIIFTYPE: 2}[e.Key]}
	case *expr.Payload:
		if e.OperationType == expr.PayloadWrite {
			x := r.regs[e.SourceRegister]
			r.add("%s set %s & %s | %s", r.payloadField(e), x.field, addrValue(x.mask), addrValue(x.xor))
			return
		}
		r.regs[e.DestRegister] = reg{field: r.payloadField(e), size: e.Len}
	case *expr.Hash:
		r.hash(e)
	case *expr.Ct:
		name := map[expr.CtKey]string{expr.CtKeySTATE: "ct state", expr.CtKeyMARK: "ct mark"}[e.Key]
		if name == "" {
			name = fmt.Sprintf("ct key %d", e.Key)
		}
		// google/nftables reads a ct set back without its NFTA_CT_SREG, as
		// a load into register 0 (the verdict register, never a load's
		// destination); this package always sets from register 1.
		if e.SourceRegister || e.Register == 0 {
			src := e.Register
			if !e.SourceRegister {
				src = 1
			}
			r.add("%s set 0x%x", name, binary.NativeEndian.Uint32(pad4(r.regs[src].data)))
			return
		}
		r.regs[e.Register] = reg{field: name}
	case *expr.Bitwise:
		x := r.regs[e.SourceRegister]
		x.mask, x.xor = e.Mask, e.Xor
		r.regs[e.DestRegister] = x
	case *expr.Immediate:
		r.regs[e.Register] = reg{data: e.Data}
	case *expr.Rt:
		r.regs[e.Register] = reg{field: fmt.Sprintf("rt key %d", e.Key)}
		if e.Key == expr.RtTCPMSS {
			r.regs[e.Register] = reg{field: "rt mtu"}
		}
	case *expr.Byteorder:
		r.regs[e.DestRegister] = r.regs[e.SourceRegister]
	case *expr.Exthdr:
		r.exthdr(e)
	case *expr.Cmp:
		r.cmp(e)
	case *expr.Range:
		x := r.regs[e.Register]
		r.add("%s %s-%s", x.field, r.value(x.field, e.FromData), r.value(x.field, e.ToData))
	case *expr.Lookup:
		op := ""
		if e.Invert {
			op = "!= "
		}
		r.add("%s %s@%s", r.regs[e.SourceRegister].field, op, e.SetName)
	case *expr.Counter:
		r.add("counter")
	case *expr.Objref:
		r.add("counter name %q", e.Name)
	case *expr.Masq:
		if e.ToPorts {
			r.add("masquerade to :%d", binary.BigEndian.Uint16(pad2(r.regs[e.RegProtoMin].data)))
		} else {
			r.add("masquerade")
		}
	case *expr.NAT:
		r.nat(e)
	case *expr.Verdict:
		r.verdict(e)
	case *expr.Target:
		r.target(e)
	case *expr.Socket:
		r.regs[e.Register] = reg{field: map[expr.SocketKey]string{expr.SocketKeyTransparent: "socket transparent"}[e.Key]}
		if r.regs[e.Register].field == "" {
			r.regs[e.Register] = reg{field: fmt.Sprintf("socket key %d", e.Key)}
		}
	case *expr.TProxy:
		fam := map[byte]string{unix.NFPROTO_IPV4: "ip", unix.NFPROTO_IPV6: "ip6"}[e.Family]
		r.add("tproxy %s to :%d", fam, binary.BigEndian.Uint16(pad2(r.regs[e.RegPort].data)))
	case *expr.Dynset:
		r.add("update @%s { ip saddr . ip daddr . meta l4proto . th sport . th dport counter }", e.SetName)
	case *expr.Reject:
		if e.Type == unix.NFT_REJECT_TCP_RST {
			r.add("reject with tcp reset")
		} else {
			r.add("reject type %d code %d", e.Type, e.Code)
		}
	default:
		r.add("%T", e)
	}
}

func (r *ruleRenderer) payloadField(e *expr.Payload) string {
	switch {
	case e.Base == expr.PayloadBaseLLHeader && e.Len == 6 && (e.Offset == 0 || e.Offset == 6):
		return "ether " + map[uint32]string{0: "daddr", 6: "saddr"}[e.Offset]
	case e.Base == expr.PayloadBaseNetworkHeader && e.Len == 4 && (e.Offset == 12 || e.Offset == 16):
		return "ip " + map[uint32]string{12: "saddr", 16: "daddr"}[e.Offset]
	case e.Base == expr.PayloadBaseNetworkHeader && e.Len == 16 && (e.Offset == 8 || e.Offset == 24):
		return "ip6 " + map[uint32]string{8: "saddr", 24: "daddr"}[e.Offset]
	case e.Base == expr.PayloadBaseTransportHeader && e.Len == 1 && e.Offset == 13 && r.proto == "tcp":
		return "tcp flags"
	case e.Base == expr.PayloadBaseTransportHeader && e.Len == 2 && e.Offset <= 2:
		return r.proto + " " + map[uint32]string{0: "sport", 2: "dport"}[e.Offset]
	case e.Base == expr.PayloadBaseTransportHeader && e.Len == 1 && e.Offset <= 1 && strings.HasPrefix(r.proto, "icmp"):
		return r.proto + " " + map[uint32]string{0: "type", 1: "code"}[e.Offset]
	}
	return fmt.Sprintf("payload base %d offset %d len %d", e.Base, e.Offset, e.Len)
}

var protoNames = map[byte]string{
	unix.IPPROTO_ICMP: "icmp", unix.IPPROTO_TCP: "tcp", unix.IPPROTO_UDP: "udp",
	unix.IPPROTO_ICMPV6: "icmpv6", unix.IPPROTO_SCTP: "sctp",
}

var ctStateNames = []string{"invalid", "established", "related", "new"}

func (r *ruleRenderer) cmp(e *expr.Cmp) {
	x := r.regs[e.Register]
	op := map[expr.CmpOp]string{expr.CmpOpEq: "", expr.CmpOpNeq: "!= ", expr.CmpOpLt: "< ",
		expr.CmpOpLte: "<= ", expr.CmpOpGt: "> ", expr.CmpOpGte: ">= "}[e.Op]
	switch {
	case x.field == "tcp flags" && len(e.Data) == 1 && len(x.mask) == 1:
		r.add("tcp flags & (%s) %s== %s", tcpFlags(x.mask[0]), op, tcpFlags(e.Data[0]))
	case x.field == "ct state" && e.Op == expr.CmpOpNeq && isZero(e.Data) && x.mask != nil:
		mask := binary.NativeEndian.Uint32(pad4(x.mask))
		var states []string
		for i, name := range ctStateNames {
			if mask&(1<<i) != 0 {
				states = append(states, name)
			}
		}
		r.add("ct state %s", strings.Join(states, ","))
	case x.field == "meta l4proto" && len(e.Data) == 1:
		r.proto = protoNames[e.Data[0]]
		if r.proto == "" {
			r.proto = fmt.Sprint(e.Data[0])
		}
		r.add("meta l4proto %s%s", op, r.proto)
		if r.proto[0] >= '0' && r.proto[0] <= '9' {
			r.proto = "th"
		}
	case strings.HasPrefix(x.field, "ip ") || strings.HasPrefix(x.field, "ip6 "):
		a, _ := netip.AddrFromSlice(e.Data)
		s := a.String()
		if x.mask != nil {
			s = netip.PrefixFrom(a, onesOf(x.mask)).String()
		}
		r.add("%s %s%s", x.field, op, s)
	case strings.HasPrefix(x.field, "jhash ") && op == "":
		r.add("%s == %s", x.field, r.value(x.field, e.Data))
	default:
		r.add("%s %s%s", x.field, op, r.value(x.field, e.Data))
	}
}

// value prints data as a value of field.
func (r *ruleRenderer) value(field string, data []byte) string {
	switch {
	case field == "meta nfproto" && len(data) == 1:
		if s := map[byte]string{unix.NFPROTO_IPV4: "ipv4", unix.NFPROTO_IPV6: "ipv6"}[data[0]]; s != "" {
			return s
		}
	case field == "iifname" || field == "oifname":
		return fmt.Sprintf("%q", string(bytes.TrimRight(data, "\x00")))
	case strings.HasSuffix(field, "port") && len(data) == 2:
		return fmt.Sprint(binary.BigEndian.Uint16(data))
	case (strings.HasSuffix(field, " type") || strings.HasSuffix(field, " code")) && len(data) == 1:
		return fmt.Sprint(data[0])
	case (strings.HasPrefix(field, "jhash ") || strings.HasPrefix(field, "symhash ")) && len(data) == 4:
		return fmt.Sprint(binary.NativeEndian.Uint32(data))
	case field == "socket transparent" && len(data) == 1:
		return fmt.Sprint(data[0])
	case field == "meta iiftype" && len(data) == 2 && binary.NativeEndian.Uint16(data) == unix.ARPHRD_ETHER:
		return "ether"
	case strings.HasPrefix(field, "ether ") && len(data) == 6:
		return net.HardwareAddr(data).String()
	case (field == "meta mark" || field == "ct mark") && len(data) == 4:
		return fmt.Sprintf("0x%x", binary.NativeEndian.Uint32(data))
	}
	return fmt.Sprintf("0x%x", data)
}

// addrValue prints 4 or 16 bytes as an address, anything else in hex.
func addrValue(data []byte) string {
	if a, ok := netip.AddrFromSlice(data); ok {
		return a.String()
	}
	return fmt.Sprintf("0x%x", data)
}

func (r *ruleRenderer) nat(e *expr.NAT) {
	kind := map[expr.NATType]string{expr.NATTypeSourceNAT: "snat", expr.NATTypeDestNAT: "dnat"}[e.Type]
	fam := map[uint32]string{unix.NFPROTO_IPV4: "ip", unix.NFPROTO_IPV6: "ip6"}[e.Family]
	to := ""
	if e.RegAddrMin != 0 {
		a, _ := netip.AddrFromSlice(r.regs[e.RegAddrMin].data)
		to = a.String()
		if a.Is6() && e.RegProtoMin != 0 {
			to = "[" + to + "]"
		}
	}
	if e.RegProtoMin != 0 {
		to += fmt.Sprintf(":%d", binary.BigEndian.Uint16(pad2(r.regs[e.RegProtoMin].data)))
	}
	r.add("%s %s to %s", kind, fam, to)
}

func (r *ruleRenderer) verdict(e *expr.Verdict) {
	switch e.Kind {
	case expr.VerdictAccept:
		r.add("accept")
	case expr.VerdictDrop:
		r.add("drop")
	case expr.VerdictReturn:
		r.add("return")
	case expr.VerdictJump:
		r.add("jump %s", e.Chain)
	case expr.VerdictGoto:
		r.add("goto %s", e.Chain)
	default:
		r.add("verdict %d", e.Kind)
	}
}

func onesOf(mask []byte) int {
	n := 0
	for _, b := range mask {
		n += bits.OnesCount8(b)
	}
	return n
}

func isZero(b []byte) bool { return !slices.ContainsFunc(b, func(x byte) bool { return x != 0 }) }

func pad4(b []byte) []byte { return append(slices.Clone(b), make([]byte, 4)...)[:4] }

func pad2(b []byte) []byte { return append(slices.Clone(b), make([]byte, 2)...)[:2] }

func (r *ruleRenderer) exthdr(e *expr.Exthdr) {
	if e.Op == expr.ExthdrOpTcpopt && e.Type == 2 && e.Offset == 2 && e.Len == 2 && e.SourceRegister != 0 {
		r.add("tcp option maxseg size set %s", r.regs[e.SourceRegister].field)
		return
	}
	r.add("exthdr op %d type %d offset %d len %d", e.Op, e.Type, e.Offset, e.Len)
}

func tcpFlags(b byte) string {
	var out []string
	for i, name := range []string{"fin", "syn", "rst", "psh", "ack", "urg", "ecn", "cwr"} {
		if b&(1<<i) != 0 {
			out = append(out, name)
		}
	}
	return strings.Join(out, "|")
}

// target prints the NFQUEUE target as nft prints a queue; other xtables
// targets by name.
func (r *ruleRenderer) target(e *expr.Target) {
	info, ok := e.Info.(*xt.Unknown)
	if e.Name != "NFQUEUE" || e.Rev != 3 || !ok || len(*info) < 6 {
		r.add("xt target %s rev %d", e.Name, e.Rev)
		return
	}
	b := []byte(*info)
	bypass := ""
	if binary.NativeEndian.Uint16(b[4:])&nfqFlagBypass != 0 {
		bypass = " bypass"
	}
	r.add("queue num %d%s", binary.NativeEndian.Uint16(b), bypass)
}
