package egress

import (
	"encoding/binary"
	"net/netip"
)

// flow is a connection's 5-tuple as its client sends it.
type flow struct {
	src, dst netip.AddrPort
	proto    Proto
}

// packet is what the filter reads of a queued IP packet.
type packet struct {
	flow
	seq      uint32 // TCP
	flags    byte   // TCP
	payload  []byte
	fragment bool // a non-first fragment or an unreadable header chain
}

// TCP flags.
const (
	tcpFIN = 0x01
	tcpSYN = 0x02
	tcpRST = 0x04
)

// IPv6 extension headers that parsePacket walks past.
var ip6ExtHeaders = map[byte]bool{0: true, 43: true, 60: true}

// parsePacket reads an IPv4 or IPv6 packet's addresses, protocol, ports
// and (TCP) sequence, flags and payload; false when b is no such packet.
func parsePacket(b []byte) (packet, bool) {
	var p packet
	var l4 []byte
	var proto byte
	switch {
	case len(b) >= 20 && b[0]>>4 == 4:
		ihl := int(b[0]&0x0f) * 4
		total := int(binary.BigEndian.Uint16(b[2:]))
		if ihl < 20 || total < ihl || total > len(b) {
			return p, false
		}
		if binary.BigEndian.Uint16(b[6:])&0x1fff != 0 { // fragment offset
			p.fragment = true
		}
		src, _ := netip.AddrFromSlice(b[12:16])
		dst, _ := netip.AddrFromSlice(b[16:20])
		proto, l4 = b[9], b[ihl:total]
		p.src, p.dst = netip.AddrPortFrom(src, 0), netip.AddrPortFrom(dst, 0)
	case len(b) >= 40 && b[0]>>4 == 6:
		plen := int(binary.BigEndian.Uint16(b[4:]))
		if 40+plen > len(b) {
			return p, false
		}
		src, _ := netip.AddrFromSlice(b[8:24])
		dst, _ := netip.AddrFromSlice(b[24:40])
		p.src, p.dst = netip.AddrPortFrom(src, 0), netip.AddrPortFrom(dst, 0)
		proto, l4 = b[6], b[40:40+plen]
		for ip6ExtHeaders[proto] {
			if len(l4) < 8 {
				return p, false
			}
			n := (int(l4[1]) + 1) * 8
			if n > len(l4) {
				return p, false
			}
			proto, l4 = l4[0], l4[n:]
		}
		if proto == 44 { // fragment header: not followed here
			p.fragment = true
		}
	default:
		return p, false
	}
	p.proto = Proto(proto)
	if p.fragment {
		return p, true
	}
	switch p.proto {
	case ProtoTCP:
		if len(l4) < 20 {
			return p, false
		}
		off := int(l4[12]>>4) * 4
		if off < 20 || off > len(l4) {
			return p, false
		}
		p.seq, p.flags, p.payload = binary.BigEndian.Uint32(l4[4:]), l4[13], l4[off:]
	case ProtoUDP:
		if len(l4) < 8 {
			return p, false
		}
	default:
		return p, true
	}
	p.src = netip.AddrPortFrom(p.src.Addr(), binary.BigEndian.Uint16(l4))
	p.dst = netip.AddrPortFrom(p.dst.Addr(), binary.BigEndian.Uint16(l4[2:]))
	return p, true
}
