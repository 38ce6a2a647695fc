package policy

import (
	"errors"
	"fmt"
	"strings"

	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
)

// Hash matches a flow hash: nft's jhash of Fields (concatenated in that
// order) with Seed, modulo Mod, equal to Value:
//
//	jhash ip saddr . ip daddr mod 2 seed 0x6d636e == 1
//
// It spreads flows over Mod choices, one rule per choice. The hash is
// deterministic for a seed (0 asks the kernel for a random one, which two
// gateways would not share), and it is not symmetric: a caller that needs
// both directions of a flow to choose alike orders the fields itself (the
// same side's address first whichever way the packet goes) or keeps the
// first packet's choice in the conntrack mark.
type Hash struct {
	Fields     []HashField
	Seed       uint32
	Mod, Value uint32
}

// HashField is one field a Hash covers.
type HashField uint8

// Hash fields. Address fields need a rule restricted to one family (an
// address match, Match.Family, or an ip or ip6 table); port fields need
// Match.Proto TCP, UDP or SCTP.
const (
	HashSrcAddr HashField = iota + 1
	HashDstAddr
	HashSrcPort
	HashDstPort
	HashL4Proto
)

// reg32 is the first 32-bit register (NFT_REG32_00); a hash's fields are
// loaded from there on, each into whole 32-bit registers, as nft loads a
// concatenation. It overlaps register 1, which the hash overwrites only
// after reading.
const reg32 = 8

// hashMatch compiles h for a rule of family fam (FamilyINet: none).
func (e *env) hashMatch(h Hash, fam Family, proto Proto) ([]expr.Any, error) {
	if len(h.Fields) == 0 || h.Mod == 0 || h.Value >= h.Mod {
		return nil, fmt.Errorf("hash needs fields and a value below its modulus (value %d mod %d)", h.Value, h.Mod)
	}
	if fam == FamilyINet {
		fam = e.table.Family
	}
	var out []expr.Any
	reg, size := uint32(reg32), uint32(0)
	for _, f := range h.Fields {
		var load expr.Any
		var n uint32
		switch f {
		case HashSrcAddr, HashDstAddr:
			if fam == FamilyINet {
				return nil, errors.New("hash over addresses in a rule of no one family")
			}
			p := addrLoad(fam, f == HashDstAddr)
			p.DestRegister, n, load = reg, p.Len, p
		case HashSrcPort, HashDstPort:
			if proto != ProtoTCP && proto != ProtoUDP && proto != ProtoSCTP {
				return nil, fmt.Errorf("hash over ports on protocol %d", proto)
			}
			off := uint32(0)
			if f == HashDstPort {
				off = 2
			}
			n, load = 2, &expr.Payload{DestRegister: reg, Base: expr.PayloadBaseTransportHeader, Offset: off, Len: 2}
		case HashL4Proto:
			n, load = 1, &expr.Meta{Key: expr.MetaKeyL4PROTO, Register: reg}
		default:
			return nil, fmt.Errorf("unknown hash field %d", f)
		}
		words := (n + 3) / 4
		if size += 4 * words; size > 64 {
			return nil, errors.New("hash fields longer than 64 bytes")
		}
		out = append(out, load)
		reg += words
	}
	return append(out,
		&expr.Hash{SourceRegister: reg32, DestRegister: 1, Length: size, Modulus: h.Mod, Seed: h.Seed, Type: expr.HashTypeJenkins},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: binaryutil.NativeEndian.PutUint32(h.Value)}), nil
}

// reg32Index is the index of register r in 32-bit words, the kernel's
// numbering of both kinds: 128-bit register n (1-4) starts at word 4n,
// 32-bit register 8+k is word 4+k. The kernel dumps a register that
// starts a 128-bit one under that one's number.
func reg32Index(r uint32) uint32 {
	if r <= 4 {
		return 4 * r
	}
	return r - reg32 + 4
}

// hash renders a hash as nft prints it, its fields read from the
// registers it covers.
func (r *ruleRenderer) hash(e *expr.Hash) {
	var fields []string
	for i, done := reg32Index(e.SourceRegister), uint32(0); done < e.Length; {
		x, ok := r.regs[i+reg32-4] // as loaded: a 32-bit register
		if i%4 == 0 && !ok {
			x = r.regs[i/4] // as the kernel dumps one that starts a 128-bit register
		}
		words := (x.size + 3) / 4
		if words == 0 {
			fields = append(fields, fmt.Sprintf("reg32 %d", i))
			words = 1
		} else {
			fields = append(fields, x.field)
		}
		i, done = i+words, done+4*words
	}
	kind := "jhash"
	if e.Type == expr.HashTypeSym {
		kind = "symhash"
	}
	f := fmt.Sprintf("%s %s mod %d", kind, strings.Join(fields, " . "), e.Modulus)
	if e.Seed != 0 {
		f += fmt.Sprintf(" seed 0x%x", e.Seed)
	}
	if e.Offset != 0 {
		f += fmt.Sprintf(" offset %d", e.Offset)
	}
	r.regs[e.DestRegister] = reg{field: f}
}
