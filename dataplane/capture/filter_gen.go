package capture

import (
	"errors"
	"net/netip"

	"golang.org/x/net/bpf"
)

// node is a parsed filter expression; gen emits code that jumps to label
// t when the packet matches and to f when it does not. Every label lies
// ahead of the code that jumps to it, as classic BPF wants.
type node interface{ gen(g *gen, t, f int) }

type and struct{ a, b node }

func (n and) gen(g *gen, t, f int) {
	mid := g.label()
	n.a.gen(g, mid, f)
	g.place(mid)
	n.b.gen(g, t, f)
}

type or struct{ a, b node }

func (n or) gen(g *gen, t, f int) {
	mid := g.label()
	n.a.gen(g, t, mid)
	g.place(mid)
	n.b.gen(g, t, f)
}

type not struct{ a node }

func (n not) gen(g *gen, t, f int) { n.a.gen(g, f, t) }

// test loads with pre and matches when cond holds against val.
type test struct {
	pre  []bpf.Instruction
	cond bpf.JumpTest
	val  uint32
}

func (n test) gen(g *gen, t, f int) {
	for _, in := range n.pre {
		g.out = append(g.out, item{ins: in})
	}
	g.out = append(g.out, item{jump: true, cond: n.cond, val: n.val, t: t, f: f})
}

// never matches no packet.
var never = test{pre: []bpf.Instruction{bpf.LoadConstant{Dst: bpf.RegA, Val: 0}}, cond: bpf.JumpEqual, val: 1}

// loadAt loads size bytes at off past the link-layer header.
type loadAt struct {
	off  uint32
	size int
}

func (l loadAt) at(g *gen) bpf.Instruction {
	return bpf.LoadAbsolute{Off: g.l3() + l.off, Size: l.size}
}

type isIPv4 struct{}

func (isIPv4) gen(g *gen, t, f int) { g.version(4).gen(g, t, f) }

type isIPv6 struct{}

func (isIPv6) gen(g *gen, t, f int) { g.version(6).gen(g, t, f) }

// etherType matches an Ethernet frame's type; a raw IP packet has none.
type etherType uint32

func (n etherType) gen(g *gen, t, f int) {
	if g.lt != LinkTypeEthernet {
		never.gen(g, t, f)
		return
	}
	test{pre: []bpf.Instruction{bpf.LoadAbsolute{Off: 12, Size: 2}}, cond: bpf.JumpEqual, val: uint32(n)}.gen(g, t, f)
}

// proto4 matches an IPv4 header's protocol; proto6 an IPv6 header's next
// header. Each follows a version check.
type proto4 uint32

func (n proto4) gen(g *gen, t, f int) {
	test{pre: []bpf.Instruction{loadAt{9, 1}.at(g)}, cond: bpf.JumpEqual, val: uint32(n)}.gen(g, t, f)
}

type proto6 uint32

func (n proto6) gen(g *gen, t, f int) {
	test{pre: []bpf.Instruction{loadAt{6, 1}.at(g)}, cond: bpf.JumpEqual, val: uint32(n)}.gen(g, t, f)
}

func ipProto(p uint32) node { return or{and{isIPv4{}, proto4(p)}, and{isIPv6{}, proto6(p)}} }

// portIs matches a TCP or UDP port (proto) in either direction ("") or
// as the source or destination; an IPv4 fragment after the first has no
// ports.
type portIs struct {
	proto uint32
	dir   string
	port  uint32
}

func (n portIs) gen(g *gen, t, f int) {
	l3 := g.l3()
	v4 := func(off uint32) node {
		return test{pre: []bpf.Instruction{bpf.LoadMemShift{Off: l3}, bpf.LoadIndirect{Off: l3 + off, Size: 2}}, cond: bpf.JumpEqual, val: n.port}
	}
	v6 := func(off uint32) node {
		return test{pre: []bpf.Instruction{bpf.LoadAbsolute{Off: l3 + 40 + off, Size: 2}}, cond: bpf.JumpEqual, val: n.port}
	}
	fragment := test{pre: []bpf.Instruction{loadAt{6, 2}.at(g)}, cond: bpf.JumpBitsSet, val: 0x1fff}
	or{
		and{and{and{isIPv4{}, proto4(n.proto)}, not{fragment}}, direction(n.dir, v4(0), v4(2))},
		and{and{isIPv6{}, proto6(n.proto)}, direction(n.dir, v6(0), v6(2))},
	}.gen(g, t, f)
}

// direction picks src, dst or either.
func direction(dir string, src, dst node) node {
	switch dir {
	case "src":
		return src
	case "dst":
		return dst
	}
	return or{src, dst}
}

// hostIs matches an address as source, destination or either.
func hostIs(dir string, a netip.Addr) node {
	words := func(off uint32) node {
		b := a.AsSlice()
		var n node
		for i := 0; i < len(b); i += 4 {
			w := uint32(b[i])<<24 | uint32(b[i+1])<<16 | uint32(b[i+2])<<8 | uint32(b[i+3])
			n = andMaybe(n, word{off: off + uint32(i), val: w})
		}
		return n
	}
	if a.Is4() {
		return and{isIPv4{}, direction(dir, words(12), words(16))}
	}
	return and{isIPv6{}, direction(dir, words(8), words(24))}
}

// netIs matches an IPv4 prefix as source, destination or either.
func netIs(dir string, p netip.Prefix) node {
	b := p.Addr().As4()
	val := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	mask := ^uint32(0) << (32 - p.Bits())
	if p.Bits() == 0 {
		mask = 0
	}
	return and{isIPv4{}, direction(dir, word{off: 12, val: val, mask: mask}, word{off: 16, val: val, mask: mask})}
}

// word matches the 32 bits at off past the link-layer header, under mask
// when mask is not 0.
type word struct{ off, val, mask uint32 }

func (n word) gen(g *gen, t, f int) {
	pre := []bpf.Instruction{loadAt{n.off, 4}.at(g)}
	if n.mask != 0 {
		pre = append(pre, bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: n.mask})
	}
	test{pre: pre, cond: bpf.JumpEqual, val: n.val}.gen(g, t, f)
}

func andMaybe(a, b node) node {
	if a == nil {
		return b
	}
	return and{a, b}
}

// gen is the code generator: instructions and jumps to labels.
type gen struct {
	lt     LinkType
	out    []item
	labels []int // label -> index of the instruction it marks; -1 until placed
}

type item struct {
	ins  bpf.Instruction
	jump bool
	cond bpf.JumpTest
	val  uint32
	t, f int
}

func (g *gen) label() int { g.labels = append(g.labels, -1); return len(g.labels) - 1 }

func (g *gen) place(l int) { g.labels[l] = len(g.out) }

// l3 is where the IP header starts.
func (g *gen) l3() uint32 {
	if g.lt == LinkTypeEthernet {
		return 14
	}
	return 0
}

// version tests for IPv4 or IPv6: the Ethernet type, or the version
// nibble of a raw IP packet.
func (g *gen) version(v uint32) node {
	if g.lt == LinkTypeEthernet {
		typ := etherType(0x0800)
		if v == 6 {
			typ = 0x86dd
		}
		return typ
	}
	return test{pre: []bpf.Instruction{bpf.LoadAbsolute{Off: 0, Size: 1}, bpf.ALUOpConstant{Op: bpf.ALUOpShiftRight, Val: 4}},
		cond: bpf.JumpEqual, val: v}
}

// errTooLong says that a jump is past classic BPF's reach of 255.
var errTooLong = errors.New("filter too long for classic BPF (a jump over more than 255 instructions)")

// resolve turns jumps to labels into relative skips.
func (g *gen) resolve() ([]bpf.Instruction, error) {
	out := make([]bpf.Instruction, len(g.out))
	for i, it := range g.out {
		if !it.jump {
			out[i] = it.ins
			continue
		}
		st, sf := g.labels[it.t]-i-1, g.labels[it.f]-i-1
		if st < 0 || sf < 0 || st > 255 || sf > 255 {
			return nil, errTooLong
		}
		out[i] = bpf.JumpIf{Cond: it.cond, Val: it.val, SkipTrue: uint8(st), SkipFalse: uint8(sf)}
	}
	return out, nil
}
