package capture

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/net/bpf"
)

// Filter is a parsed capture filter in tcpdump's syntax (pcap-filter(7)),
// the subset that troubleshooting a lab needs:
//
//	ip, ip6, arp, icmp, icmp6, tcp, udp, esp
//	[ip|ip6] proto N
//	[tcp|udp] [src|dst] port N
//	[src|dst] host ADDR          (IPv4 or IPv6)
//	[src|dst] net CIDR           (IPv4)
//	not X, X and Y, X or Y, ( X ); also !, &&, ||
//
// As in tcpdump, "and" binds tighter than "or" and "not" tighter than both;
// port matches TCP and UDP, and IPv6's next header is read from the fixed
// header only (no extension headers). The zero Filter matches everything.
type Filter struct {
	expr string
	root node
}

// ParseFilter parses expr; an empty expr matches every packet. An error
// names the word and its byte offset in expr.
func ParseFilter(expr string) (Filter, error) {
	if strings.TrimSpace(expr) == "" {
		return Filter{}, nil
	}
	p := &parser{expr: expr, toks: lex(expr)}
	n, err := p.or()
	if err == nil && p.i < len(p.toks) {
		err = p.errorf("unexpected %q", p.toks[p.i].s)
	}
	if err != nil {
		return Filter{}, fmt.Errorf("filter %q: %w", expr, err)
	}
	return Filter{expr: expr, root: n}, nil
}

// String returns the expression as given.
func (f Filter) String() string { return f.expr }

// Compile returns the filter as classic BPF for packets that start with the
// link-layer header of lt: LinkTypeEthernet (14 bytes) or LinkTypeRaw (the
// IP header first, as on a TUN device). It accepts with snaplen.
func (f Filter) Compile(lt LinkType, snaplen uint32) ([]bpf.Instruction, error) {
	if f.root == nil {
		return []bpf.Instruction{bpf.RetConstant{Val: snaplen}}, nil
	}
	g := &gen{lt: lt}
	accept, reject := g.label(), g.label()
	f.root.gen(g, accept, reject)
	g.place(accept)
	g.out = append(g.out, item{ins: bpf.RetConstant{Val: snaplen}})
	g.place(reject)
	g.out = append(g.out, item{ins: bpf.RetConstant{Val: 0}})
	return g.resolve()
}

type token struct {
	s   string
	off int
}

// lex splits expr into words and the operators ( ) ! && ||.
func lex(expr string) []token {
	var toks []token
	for i := 0; i < len(expr); {
		c := rune(expr[i])
		switch {
		case unicode.IsSpace(c):
			i++
		case c == '(' || c == ')' || c == '!':
			toks = append(toks, token{string(c), i})
			i++
		case strings.HasPrefix(expr[i:], "&&") || strings.HasPrefix(expr[i:], "||"):
			toks = append(toks, token{expr[i : i+2], i})
			i += 2
		default:
			j := i
			for j < len(expr) && !unicode.IsSpace(rune(expr[j])) && !strings.ContainsRune("()!&|", rune(expr[j])) {
				j++
			}
			if j == i { // a lone & or |
				j++
			}
			toks = append(toks, token{expr[i:j], i})
			i = j
		}
	}
	return toks
}

type parser struct {
	expr string
	toks []token
	i    int
}

func (p *parser) peek() string {
	if p.i < len(p.toks) {
		return p.toks[p.i].s
	}
	return ""
}

func (p *parser) next() string { s := p.peek(); p.i++; return s }

func (p *parser) errorf(format string, a ...any) error {
	off := len(p.expr)
	if p.i < len(p.toks) {
		off = p.toks[p.i].off
	}
	return fmt.Errorf("%s at offset %d", fmt.Sprintf(format, a...), off)
}

func (p *parser) or() (node, error) {
	n, err := p.and()
	for err == nil && (p.peek() == "or" || p.peek() == "||") {
		p.next()
		var m node
		if m, err = p.and(); err == nil {
			n = or{n, m}
		}
	}
	return n, err
}

func (p *parser) and() (node, error) {
	n, err := p.not()
	for err == nil && (p.peek() == "and" || p.peek() == "&&") {
		p.next()
		var m node
		if m, err = p.not(); err == nil {
			n = and{n, m}
		}
	}
	return n, err
}

func (p *parser) not() (node, error) {
	switch p.peek() {
	case "not", "!":
		p.next()
		n, err := p.not()
		return not{n}, err
	case "(":
		p.next()
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.peek() != ")" {
			return nil, p.errorf("want )")
		}
		p.next()
		return n, nil
	case "":
		return nil, p.errorf("expression ends early")
	}
	return p.primitive()
}

// primitive parses one primitive (see Filter).
func (p *parser) primitive() (node, error) {
	w := p.peek()
	switch w {
	case "ip", "ip6":
		p.next()
		if p.peek() != "proto" {
			if w == "ip" {
				return isIPv4{}, nil
			}
			return isIPv6{}, nil
		}
		p.next()
		n, err := p.number(255)
		if w == "ip" {
			return and{isIPv4{}, proto4(n)}, err
		}
		return and{isIPv6{}, proto6(n)}, err
	case "proto":
		p.next()
		n, err := p.number(255)
		return ipProto(n), err
	case "arp":
		p.next()
		return etherType(0x0806), nil
	case "icmp":
		p.next()
		return and{isIPv4{}, proto4(1)}, nil
	case "icmp6":
		p.next()
		return and{isIPv6{}, proto6(58)}, nil
	case "esp":
		p.next()
		return ipProto(50), nil
	case "tcp", "udp":
		p.next()
		proto := uint32(6)
		if w == "udp" {
			proto = 17
		}
		if d := p.peek(); d == "port" || d == "src" || d == "dst" {
			return p.port([]uint32{proto})
		}
		return ipProto(proto), nil
	}
	return p.port([]uint32{6, 17})
}

// port parses [src|dst] port N, [src|dst] host ADDR and [src|dst] net
// CIDR; protos are the transports a port matches.
func (p *parser) port(protos []uint32) (node, error) {
	dir := ""
	if d := p.peek(); d == "src" || d == "dst" {
		dir = p.next()
	}
	switch kind := p.peek(); kind {
	case "port":
		p.next()
		n, err := p.number(65535)
		var alt node
		for _, proto := range protos {
			alt = orMaybe(alt, portIs{proto: proto, dir: dir, port: n})
		}
		return alt, err
	case "host", "net":
		if len(protos) == 1 {
			return nil, p.errorf("%q after tcp or udp", kind)
		}
		p.next()
		s := p.peek()
		if s == "" {
			return nil, p.errorf("%s needs an address", kind)
		}
		if kind == "host" {
			a, err := netip.ParseAddr(s)
			if err != nil {
				return nil, p.errorf("bad host address %q", s)
			}
			p.next()
			return hostIs(dir, a.Unmap()), nil
		}
		pfx, err := netip.ParsePrefix(s)
		if err != nil || !pfx.Addr().Is4() {
			return nil, p.errorf("bad net %q (want an IPv4 CIDR)", s)
		}
		p.next()
		return netIs(dir, pfx.Masked()), nil
	case "":
		return nil, p.errorf("expression ends early")
	default:
		return nil, p.errorf("unknown word %q", kind)
	}
}

func (p *parser) number(max uint32) (uint32, error) {
	s := p.peek()
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil || uint32(n) > max {
		return 0, p.errorf("want a number from 0 to %d, not %q", max, s)
	}
	p.next()
	return uint32(n), nil
}

func orMaybe(a, b node) node {
	if a == nil {
		return b
	}
	return or{a, b}
}
