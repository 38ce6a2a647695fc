package policy

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sync/atomic"

	"github.com/google/nftables"
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"github.com/google/nftables/xt"
	"golang.org/x/sys/unix"
)

// setIDs numbers the sets of a batch; nftables' own counter is not safe
// for concurrent use.
var setIDs atomic.Uint32

func (f Family) table() nftables.TableFamily {
	switch f {
	case FamilyIPv4:
		return nftables.TableFamilyIPv4
	case FamilyIPv6:
		return nftables.TableFamilyIPv6
	}
	return nftables.TableFamilyINet
}

func (f Family) nfproto() byte {
	if f == FamilyIPv6 {
		return unix.NFPROTO_IPV6
	}
	return unix.NFPROTO_IPV4
}

func familyOf(a netip.Addr) Family {
	if a.Is4() {
		return FamilyIPv4
	}
	return FamilyIPv6
}

var hooks = map[Hook]*nftables.ChainHook{
	HookPrerouting: nftables.ChainHookPrerouting, HookInput: nftables.ChainHookInput,
	HookForward: nftables.ChainHookForward, HookOutput: nftables.ChainHookOutput,
	HookPostrouting: nftables.ChainHookPostrouting,
}

var chainTypes = map[ChainType]nftables.ChainType{
	TypeFilter: nftables.ChainTypeFilter, TypeNAT: nftables.ChainTypeNAT, TypeRoute: nftables.ChainTypeRoute,
}

// compiled is a table as the nftables calls that make it.
type compiled struct {
	table    *nftables.Table
	sets     []*nftables.Set
	elems    [][]nftables.SetElement // per set
	counters []*nftables.CounterObj
	chains   []*nftables.Chain
	rules    []*nftables.Rule
}

// compile checks t and turns it into nftables objects; errors name the
// chain and rule.
func compile(t Table) (*compiled, error) {
	if t.Name == "" {
		return nil, errors.New("table has no name")
	}
	if t.Family > FamilyIPv6 {
		return nil, fmt.Errorf("table %s: unknown family %d", t.Name, t.Family)
	}
	c := &compiled{table: &nftables.Table{Family: t.Family.table(), Name: t.Name}}
	sets := map[string]*nftables.Set{}
	setFam := map[string]Family{}
	for _, s := range t.Sets {
		ns, elems, err := compileSet(c.table, t.Family, s)
		if err != nil {
			return nil, fmt.Errorf("table %s: %w", t.Name, err)
		}
		if sets[s.Name] != nil {
			return nil, fmt.Errorf("table %s: set %q defined twice", t.Name, s.Name)
		}
		sets[s.Name], setFam[s.Name] = ns, s.Family
		c.sets, c.elems = append(c.sets, ns), append(c.elems, elems)
	}
	for _, name := range t.Counters {
		if name == "" || slices.ContainsFunc(c.counters, func(o *nftables.CounterObj) bool { return o.Name == name }) {
			return nil, fmt.Errorf("table %s: counter %q empty or defined twice", t.Name, name)
		}
		c.counters = append(c.counters, &nftables.CounterObj{Table: c.table, Name: name})
	}
	chains := map[string]bool{}
	for _, ch := range t.Chains {
		if ch.Name == "" || chains[ch.Name] {
			return nil, fmt.Errorf("table %s: chain %q empty or defined twice", t.Name, ch.Name)
		}
		chains[ch.Name] = true
	}
	env := &env{table: t, sets: sets, setFam: setFam, chains: chains}
	for _, ch := range t.Chains {
		nc, err := compileChain(c.table, ch)
		if err != nil {
			return nil, fmt.Errorf("table %s: %w", t.Name, err)
		}
		c.chains = append(c.chains, nc)
		for i, r := range ch.Rules {
			exprs, err := env.rule(r)
			if err != nil {
				return nil, fmt.Errorf("table %s chain %s rule %d: %w", t.Name, ch.Name, i, err)
			}
			c.rules = append(c.rules, &nftables.Rule{Table: c.table, Chain: nc, Exprs: exprs})
		}
	}
	return c, nil
}

func compileChain(t *nftables.Table, ch Chain) (*nftables.Chain, error) {
	nc := &nftables.Chain{Name: ch.Name, Table: t}
	if ch.Hook == HookNone {
		return nc, nil
	}
	hook, ok := hooks[ch.Hook]
	typ, tok := chainTypes[ch.Type]
	if !ok || !tok || ch.Policy > PolicyDrop {
		return nil, fmt.Errorf("chain %s: unknown hook, type or policy", ch.Name)
	}
	// The kernel's rules: nat chains see no forwarded packets, route
	// chains only locally sent ones.
	if (ch.Type == TypeNAT && ch.Hook == HookForward) || (ch.Type == TypeRoute && ch.Hook != HookOutput) {
		return nil, fmt.Errorf("chain %s: a %s chain cannot hook %s", ch.Name, typ, hookNames[*hook])
	}
	prio := nftables.ChainPriority(ch.Priority)
	pol := nftables.ChainPolicyAccept
	if ch.Policy == PolicyDrop {
		pol = nftables.ChainPolicyDrop
	}
	nc.Hooknum, nc.Type, nc.Priority, nc.Policy = hook, typ, &prio, &pol
	return nc, nil
}

// compileSet makes an interval set of s's prefixes, merged where they
// overlap or touch.
func compileSet(t *nftables.Table, tfam Family, s Set) (*nftables.Set, []nftables.SetElement, error) {
	if s.Name == "" {
		return nil, nil, errors.New("set has no name")
	}
	if s.Track {
		ns, err := trackSet(t, tfam, s)
		return ns, nil, err
	}
	if s.Family != FamilyIPv4 && s.Family != FamilyIPv6 {
		return nil, nil, fmt.Errorf("set %s: family must be ip or ip6", s.Name)
	}
	if tfam != FamilyINet && tfam != s.Family {
		return nil, nil, fmt.Errorf("set %s: %s set in an %s table", s.Name, s.Family, tfam)
	}
	ns := &nftables.Set{Table: t, Name: s.Name, ID: setIDs.Add(1), Interval: true, KeyType: nftables.TypeIPAddr}
	if s.Family == FamilyIPv6 {
		ns.KeyType = nftables.TypeIP6Addr
	}
	var elems []nftables.SetElement
	for _, r := range mergeRanges(s.Prefixes) {
		if familyOf(r.from) != s.Family {
			return nil, nil, fmt.Errorf("set %s: %s is not %s", s.Name, r.from, s.Family)
		}
		elems = append(elems, nftables.SetElement{Key: r.from.AsSlice()})
		if next := r.to.Next(); next.IsValid() {
			elems = append(elems, nftables.SetElement{Key: next.AsSlice(), IntervalEnd: true})
		}
	}
	return ns, elems, nil
}

type addrRange struct{ from, to netip.Addr }

// mergeRanges turns prefixes into sorted address ranges, merging those
// that overlap or touch (the kernel refuses overlapping intervals).
func mergeRanges(ps []netip.Prefix) []addrRange {
	var rs []addrRange
	for _, p := range ps {
		if !p.IsValid() {
			continue
		}
		p = p.Masked()
		rs = append(rs, addrRange{p.Addr(), lastAddr(p)})
	}
	slices.SortFunc(rs, func(a, b addrRange) int { return a.from.Compare(b.from) })
	var out []addrRange
	for _, r := range rs {
		if n := len(out); n > 0 && out[n-1].to.Is4() == r.from.Is4() {
			if last := out[n-1].to; !last.Next().IsValid() || r.from.Compare(last.Next()) <= 0 {
				if r.to.Compare(last) > 0 {
					out[n-1].to = r.to
				}
				continue
			}
		}
		out = append(out, r)
	}
	return out
}

func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// env is what a rule of a table may refer to.
type env struct {
	table  Table
	sets   map[string]*nftables.Set
	setFam map[string]Family
	chains map[string]bool
}

// rule compiles one rule: matches, then actions.
func (e *env) rule(r Rule) ([]expr.Any, error) {
	m, err := e.match(r.Match)
	if err != nil {
		return nil, err
	}
	fam := ruleFamily(r.Match, e.setFam)
	if r.Hash != nil {
		h, err := e.hashMatch(*r.Hash, fam, r.Proto)
		if err != nil {
			return nil, err
		}
		m = append(m, h...)
	}
	if r.Counter {
		m = append(m, &expr.Counter{})
	}
	if r.CounterName != "" {
		if !slices.Contains(e.table.Counters, r.CounterName) {
			return nil, fmt.Errorf("no counter %q", r.CounterName)
		}
		m = append(m, &expr.Objref{Type: int(nftables.ObjTypeCounter), Name: r.CounterName})
	}
	if r.SetMark != 0 {
		m = append(m,
			&expr.Immediate{Register: 1, Data: binaryutil.NativeEndian.PutUint32(r.SetMark)},
			&expr.Meta{Key: expr.MetaKeyMARK, SourceRegister: true, Register: 1})
	}
	if r.SetCtMark != 0 {
		m = append(m,
			&expr.Immediate{Register: 1, Data: binaryutil.NativeEndian.PutUint32(r.SetCtMark)},
			&expr.Ct{Key: expr.CtKeyMARK, SourceRegister: true, Register: 1})
	}
	if r.ClampMSS {
		m = append(m, clampMSS()...)
	}
	if r.NAT != nil {
		n, err := e.nat(*r.NAT, fam)
		if err != nil {
			return nil, err
		}
		m = append(m, n...)
	}
	for _, w := range r.Rewrite {
		x, err := e.rewrite(w, fam)
		if err != nil {
			return nil, err
		}
		m = append(m, x...)
	}
	if r.TProxy != nil {
		tp, err := e.tproxy(*r.TProxy, r.Match, fam)
		if err != nil {
			return nil, err
		}
		m = append(m, tp...)
	}
	if r.Track != "" {
		if e.table.Family == FamilyINet && fam != FamilyIPv4 {
			return nil, fmt.Errorf("rule tracking into flow set %s in an inet table matches no IPv4 address or Family", r.Track)
		}
		tr, err := e.track(r.Track)
		if err != nil {
			return nil, err
		}
		m = append(m, tr...)
	}
	if r.Verdict.Kind == VerdictReset && r.Proto != ProtoTCP {
		return nil, errors.New("reset verdict in a rule that does not match tcp")
	}
	v, err := e.verdict(r.Verdict)
	if err != nil {
		return nil, err
	}
	if v != nil {
		m = append(m, v)
	}
	return m, nil
}

// ruleFamily is the family a rule's address conditions restrict it to (0
// when none does).
func ruleFamily(m Match, setFam map[string]Family) Family {
	switch {
	case m.Src.IsValid():
		return familyOf(m.Src.Addr())
	case m.Dst.IsValid():
		return familyOf(m.Dst.Addr())
	case m.SrcSet != "":
		return setFam[m.SrcSet]
	case m.DstSet != "":
		return setFam[m.DstSet]
	}
	return m.Family
}

func (e *env) verdict(v Verdict) (expr.Any, error) {
	switch v.Kind {
	case VerdictQueue:
		return queueTarget(v), nil
	case VerdictReset:
		return &expr.Reject{Type: unix.NFT_REJECT_TCP_RST}, nil
	case VerdictNone:
		return nil, nil
	case VerdictAccept:
		return &expr.Verdict{Kind: expr.VerdictAccept}, nil
	case VerdictDrop:
		return &expr.Verdict{Kind: expr.VerdictDrop}, nil
	case VerdictReturn:
		return &expr.Verdict{Kind: expr.VerdictReturn}, nil
	case VerdictJump, VerdictGoto:
		if !e.chains[v.Chain] {
			return nil, fmt.Errorf("%s to unknown chain %q", map[VerdictKind]string{VerdictJump: "jump", VerdictGoto: "goto"}[v.Kind], v.Chain)
		}
		k := expr.VerdictJump
		if v.Kind == VerdictGoto {
			k = expr.VerdictGoto
		}
		return &expr.Verdict{Kind: k, Chain: v.Chain}, nil
	}
	return nil, fmt.Errorf("unknown verdict %d", v.Kind)
}

// nat compiles n; fam is the family the rule's matches restrict it to
// (FamilyINet: none, so an inet table's SNAT or DNAT adds the check).
func (e *env) nat(n NAT, fam Family) ([]expr.Any, error) {
	var out []expr.Any
	if n.Kind == Masquerade {
		if n.Addr.IsValid() {
			return nil, errors.New("masquerade takes no address")
		}
		if n.Port != 0 {
			out = append(out, &expr.Immediate{Register: 2, Data: binaryutil.BigEndian.PutUint16(n.Port)})
			return append(out, &expr.Masq{ToPorts: true, RegProtoMin: 2}), nil
		}
		return append(out, &expr.Masq{}), nil
	}
	if n.Kind != SNAT && n.Kind != DNAT {
		return nil, fmt.Errorf("unknown NAT kind %d", n.Kind)
	}
	if !n.Addr.IsValid() {
		return nil, errors.New("SNAT and DNAT need an address")
	}
	af := familyOf(n.Addr)
	if fam != FamilyINet && fam != af {
		return nil, fmt.Errorf("NAT to %s in a rule matching %s", n.Addr, fam)
	}
	if e.table.Family != FamilyINet && e.table.Family != af {
		return nil, fmt.Errorf("NAT to %s in an %s table", n.Addr, e.table.Family)
	}
	if e.table.Family == FamilyINet && fam == FamilyINet {
		out = append(out, nfproto(af)...)
	}
	// Specified (NF_NAT_RANGE_PROTO_SPECIFIED) only with a port: without
	// one it maps every TCP and UDP port to 0, and only ICMP gets through.
	nat := &expr.NAT{Type: expr.NATTypeSourceNAT, Family: uint32(af.nfproto()), RegAddrMin: 1, RegAddrMax: 1}
	if n.Kind == DNAT {
		nat.Type = expr.NATTypeDestNAT
	}
	out = append(out, &expr.Immediate{Register: 1, Data: n.Addr.AsSlice()})
	if n.Port != 0 {
		out = append(out, &expr.Immediate{Register: 2, Data: binaryutil.BigEndian.PutUint16(n.Port)})
		nat.RegProtoMin, nat.RegProtoMax, nat.Specified = 2, 2, true
	}
	return append(out, nat), nil
}

// rewrite compiles a stateless address mapping: load the address, keep
// its host bits and set the prefix's (and-mask, then xor), write it back
// with the checksums updated.
func (e *env) rewrite(w Rewrite, fam Family) ([]expr.Any, error) {
	p := w.Prefix
	switch {
	case !p.IsValid() || !p.Addr().Is4():
		return nil, fmt.Errorf("rewrite to %v: want an IPv4 prefix", p)
	case p.Masked() != p:
		return nil, fmt.Errorf("rewrite to %s: host bits set", p)
	case fam == FamilyIPv6 || e.table.Family == FamilyIPv6:
		return nil, fmt.Errorf("rewrite to %s in an IPv6 rule or table", p)
	}
	var out []expr.Any
	if e.table.Family == FamilyINet && fam == FamilyINet {
		out = append(out, nfproto(FamilyIPv4)...)
	}
	off := uint32(16)
	if w.Src {
		off = 12
	}
	host := net.CIDRMask(p.Bits(), 32)
	for i := range host {
		host[i] = ^host[i]
	}
	return append(out,
		&expr.Payload{OperationType: expr.PayloadLoad, DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: off, Len: 4},
		&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4, Mask: host, Xor: p.Addr().AsSlice()},
		&expr.Payload{OperationType: expr.PayloadWrite, SourceRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: off, Len: 4,
			CsumType: expr.CsumTypeInet, CsumOffset: 10, CsumFlags: unix.NFT_PAYLOAD_L4CSUM_PSEUDOHDR}), nil
}

// tproxy compiles a diversion to a transparent socket; fam is the family
// the rule's matches restrict it to.
func (e *env) tproxy(t TProxy, m Match, fam Family) ([]expr.Any, error) {
	if t.Family != FamilyIPv4 && t.Family != FamilyIPv6 {
		return nil, errors.New("tproxy needs family ip or ip6")
	}
	if t.Port == 0 {
		return nil, errors.New("tproxy needs a port")
	}
	if m.Proto != ProtoTCP && m.Proto != ProtoUDP {
		return nil, errors.New("tproxy in a rule that matches neither tcp nor udp")
	}
	if fam != FamilyINet && fam != t.Family {
		return nil, fmt.Errorf("tproxy %s in a rule matching %s", t.Family, fam)
	}
	var out []expr.Any
	if e.table.Family == FamilyINet && fam == FamilyINet {
		out = append(out, nfproto(t.Family)...)
	}
	return append(out,
		&expr.Immediate{Register: 1, Data: binaryutil.BigEndian.PutUint16(t.Port)},
		&expr.TProxy{Family: t.Family.nfproto(), RegPort: 1}), nil
}

func nfproto(f Family) []expr.Any {
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyNFPROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{f.nfproto()}},
	}
}

// match compiles m: interfaces, family and addresses, L4, conntrack
// state, mark, conntrack mark, socket, Ethernet source.
func (e *env) match(m Match) ([]expr.Any, error) {
	var out []expr.Any
	if m.IIF != "" {
		out = append(out, ifMatch(expr.MetaKeyIIFNAME, m.IIF, m.NotIIF)...)
	}
	if m.OIF != "" {
		out = append(out, ifMatch(expr.MetaKeyOIFNAME, m.OIF, m.NotOIF)...)
	}
	addrs, err := e.addrMatches(m)
	if err != nil {
		return nil, err
	}
	out = append(out, addrs...)
	l4, err := l4Match(m)
	if err != nil {
		return nil, err
	}
	out = append(out, l4...)
	if m.CtState != 0 {
		out = append(out,
			&expr.Ct{Register: 1, Key: expr.CtKeySTATE},
			&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4,
				Mask: binaryutil.NativeEndian.PutUint32(uint32(m.CtState)), Xor: binaryutil.NativeEndian.PutUint32(0)},
			&expr.Cmp{Op: expr.CmpOpNeq, Register: 1, Data: binaryutil.NativeEndian.PutUint32(0)})
	}
	if m.Mark != 0 {
		out = append(out,
			&expr.Meta{Key: expr.MetaKeyMARK, Register: 1},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: binaryutil.NativeEndian.PutUint32(m.Mark)})
	}
	if m.CtMark != 0 {
		out = append(out,
			&expr.Ct{Key: expr.CtKeyMARK, Register: 1},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: binaryutil.NativeEndian.PutUint32(m.CtMark)})
	}
	if m.SocketTransparent {
		out = append(out,
			&expr.Socket{Key: expr.SocketKeyTransparent, Register: 1},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{1}})
	}
	if m.EtherSrc != nil {
		if len(m.EtherSrc) != 6 {
			return nil, fmt.Errorf("ether saddr %s is not a 6-byte address", m.EtherSrc)
		}
		// As nft compiles "ether saddr": the input interface's type
		// first (ARPHRD_ETHER), then the link-layer header's bytes 6-11.
		out = append(out,
			&expr.Meta{Key: expr.MetaKeyIIFTYPE, Register: 1},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: binaryutil.NativeEndian.PutUint16(unix.ARPHRD_ETHER)},
			&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseLLHeader, Offset: 6, Len: 6},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: slices.Clone([]byte(m.EtherSrc))})
	}
	return out, nil
}

func ifMatch(key expr.MetaKey, name string, not bool) []expr.Any {
	b := make([]byte, 16)
	copy(b, name+"\x00")
	op := expr.CmpOpEq
	if not {
		op = expr.CmpOpNeq
	}
	return []expr.Any{&expr.Meta{Key: key, Register: 1}, &expr.Cmp{Op: op, Register: 1, Data: b}}
}

// addrMatches compiles the family and the address conditions: in an inet
// table a meta nfproto check first, then each address against its prefix
// or set.
func (e *env) addrMatches(m Match) ([]expr.Any, error) {
	fam := m.Family
	type cond struct {
		p   netip.Prefix
		set string
		dst bool
		not bool
	}
	conds := []cond{{m.Src, m.SrcSet, false, m.NotSrc}, {m.Dst, m.DstSet, true, m.NotDst}}
	for _, c := range conds {
		if c.p.IsValid() && c.set != "" {
			return nil, errors.New("match has both a prefix and a set for one address")
		}
		var f Family
		switch {
		case c.p.IsValid():
			f = familyOf(c.p.Addr())
		case c.set != "":
			if e.sets[c.set] == nil {
				return nil, fmt.Errorf("no set %q", c.set)
			}
			f = e.setFam[c.set]
		default:
			continue
		}
		if fam != FamilyINet && fam != f {
			return nil, fmt.Errorf("match mixes %s and %s", fam, f)
		}
		fam = f
	}
	if fam != FamilyINet && e.table.Family != FamilyINet && e.table.Family != fam {
		return nil, fmt.Errorf("%s match in an %s table", fam, e.table.Family)
	}
	var out []expr.Any
	if fam != FamilyINet && e.table.Family == FamilyINet {
		out = append(out, nfproto(fam)...)
	}
	for _, c := range conds {
		switch {
		case c.p.IsValid():
			out = append(out, prefixMatch(c.p, c.dst, c.not)...)
		case c.set != "":
			out = append(out, addrLoad(fam, c.dst), &expr.Lookup{SourceRegister: 1, SetName: c.set, SetID: e.sets[c.set].ID, Invert: c.not})
		}
	}
	return out, nil
}

// addrLoad loads the source or destination address of family f into
// register 1.
func addrLoad(f Family, dst bool) *expr.Payload {
	off, size := uint32(12), uint32(4) // ip saddr
	if f == FamilyIPv6 {
		off, size = 8, 16 // ip6 saddr
	}
	if dst {
		off += size // daddr follows saddr in both headers
	}
	return &expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: off, Len: size}
}

// prefixMatch matches the source or destination address against p; a /0
// yields nothing (the family check does it all) unless inverted.
func prefixMatch(p netip.Prefix, dst, not bool) []expr.Any {
	op := expr.CmpOpEq
	if not {
		op = expr.CmpOpNeq
	}
	if p.Bits() == 0 && !not {
		return nil
	}
	load := addrLoad(familyOf(p.Addr()), dst)
	out := []expr.Any{load}
	if p.Bits() < p.Addr().BitLen() {
		out = append(out, &expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: load.Len,
			Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen()), Xor: make([]byte, load.Len)})
	}
	return append(out, &expr.Cmp{Op: op, Register: 1, Data: p.Masked().Addr().AsSlice()})
}

// l4Match compiles the protocol, ports and ICMP conditions.
func l4Match(m Match) ([]expr.Any, error) {
	hasPorts := m.SrcPort != (PortRange{}) || m.DstPort != (PortRange{})
	if m.Proto == ProtoAny {
		if hasPorts || m.ICMP != nil {
			return nil, errors.New("ports or ICMP type without a protocol")
		}
		return nil, nil
	}
	out := []expr.Any{
		&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{byte(m.Proto)}},
	}
	if hasPorts && m.Proto != ProtoTCP && m.Proto != ProtoUDP && m.Proto != ProtoSCTP {
		return nil, fmt.Errorf("ports on protocol %d", m.Proto)
	}
	for i, r := range []PortRange{m.SrcPort, m.DstPort} {
		if r == (PortRange{}) {
			continue
		}
		if r.To == 0 {
			r.To = r.From
		}
		if r.To < r.From {
			return nil, fmt.Errorf("port range %d-%d is empty", r.From, r.To)
		}
		out = append(out, &expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: uint32(2 * i), Len: 2})
		from, to := binaryutil.BigEndian.PutUint16(r.From), binaryutil.BigEndian.PutUint16(r.To)
		if r.From == r.To {
			out = append(out, &expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: from})
		} else {
			out = append(out, &expr.Range{Op: expr.CmpOpEq, Register: 1, FromData: from, ToData: to})
		}
	}
	if m.ICMP != nil {
		if m.Proto != ProtoICMP && m.Proto != ProtoICMPv6 {
			return nil, fmt.Errorf("ICMP type on protocol %d", m.Proto)
		}
		for off, v := range []int{m.ICMP.Type, m.ICMP.Code} {
			if v < 0 {
				continue
			}
			if v > 255 {
				return nil, fmt.Errorf("ICMP type or code %d", v)
			}
			out = append(out,
				&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: uint32(off), Len: 1},
				&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{byte(v)}})
		}
	}
	return out, nil
}

// clampMSS matches TCP SYNs and sets their MSS option to the route's.
func clampMSS() []expr.Any {
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{unix.IPPROTO_TCP}},
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: 13, Len: 1},
		&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 1, Mask: []byte{0x06}, Xor: []byte{0}},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{0x02}},
		&expr.Rt{Register: 1, Key: expr.RtTCPMSS},
		// rt leaves the MSS in host byte order; the option is big-endian.
		&expr.Byteorder{SourceRegister: 1, DestRegister: 1, Op: expr.ByteorderHton, Len: 2, Size: 2},
		&expr.Exthdr{Op: expr.ExthdrOpTcpopt, Type: 2, Offset: 2, Len: 2, SourceRegister: 1},
	}
}

// NFQUEUE target flags (xt_NFQUEUE.h).
const nfqFlagBypass = 0x01

// queueTarget is the xtables NFQUEUE target (revision 3) run through
// nft_compat, as iptables-nft does: kernels built without nft_queue (this
// lab's) still have it. Its info is struct xt_NFQ_info_v3 in host byte
// order (queuenum, queues_total, flags), padded to 8 bytes.
func queueTarget(v Verdict) *expr.Target {
	info := make([]byte, 8)
	binary.NativeEndian.PutUint16(info[0:], v.Queue)
	binary.NativeEndian.PutUint16(info[2:], 1)
	if v.Bypass {
		binary.NativeEndian.PutUint16(info[4:], nfqFlagBypass)
	}
	x := xt.Unknown(info)
	return &expr.Target{Name: "NFQUEUE", Rev: 3, Info: &x}
}
