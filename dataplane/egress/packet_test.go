package egress

import (
	"encoding/binary"
	"net/netip"
	"testing"
)

// tcp6 builds an IPv6 TCP packet, with a destination-options header
// first when ext is set.
func tcp6(src, dst netip.AddrPort, ext bool, payload []byte) []byte {
	var l4 []byte
	next := byte(6)
	if ext {
		l4 = append(l4, 6, 0, 1, 4, 0, 0, 0, 0) // next tcp, 8 bytes, PadN
		next = 60
	}
	th := make([]byte, 20)
	binary.BigEndian.PutUint16(th, src.Port())
	binary.BigEndian.PutUint16(th[2:], dst.Port())
	binary.BigEndian.PutUint32(th[4:], 7)
	th[12], th[13] = 5<<4, 0x18
	l4 = append(append(l4, th...), payload...)
	b := make([]byte, 40, 40+len(l4))
	b[0], b[6], b[7] = 0x60, next, 64
	binary.BigEndian.PutUint16(b[4:], uint16(len(l4)))
	copy(b[8:], src.Addr().AsSlice())
	copy(b[24:], dst.Addr().AsSlice())
	return append(b, l4...)
}

// TestParsePacket: IPv4 and IPv6 (with an extension header) TCP, UDP,
// fragments, and what is too short to read.
func TestParsePacket(t *testing.T) {
	c6, s6 := netip.MustParseAddrPort("[fd00:1::5]:40000"), netip.MustParseAddrPort("[2001:db8::20]:443")
	udp := tcp4(client, netip.MustParseAddrPort("198.51.100.53:53"), 0, 0, nil)[:28]
	udp[9] = 17
	binary.BigEndian.PutUint16(udp[2:], 28)
	frag := tcp4(client, server, 1, 0, []byte("x"))
	binary.BigEndian.PutUint16(frag[6:], 10) // offset 80 bytes
	for _, tc := range []struct {
		name    string
		in      []byte
		ok      bool
		want    flow
		payload string
		frag    bool
	}{
		{"ipv4 tcp", tcp4(client, server, 9, 0x18, []byte("hi")), true, flow{client, server, ProtoTCP}, "hi", false},
		{"ipv6 tcp", tcp6(c6, s6, false, []byte("hi")), true, flow{c6, s6, ProtoTCP}, "hi", false},
		{"ipv6 tcp after dest opts", tcp6(c6, s6, true, []byte("yo")), true, flow{c6, s6, ProtoTCP}, "yo", false},
		{"ipv4 udp", udp, true, flow{client, netip.MustParseAddrPort("198.51.100.53:53"), ProtoUDP}, "", false},
		{"ipv4 fragment", frag, true, flow{netip.AddrPortFrom(client.Addr(), 0), netip.AddrPortFrom(server.Addr(), 0), ProtoTCP}, "", true},
		{"truncated ipv4", tcp4(client, server, 9, 0x18, []byte("hi"))[:30], false, flow{}, "", false},
		{"truncated ipv6", tcp6(c6, s6, false, nil)[:50], false, flow{}, "", false},
		{"not ip", []byte{0x10, 0, 0}, false, flow{}, "", false},
	} {
		p, ok := parsePacket(tc.in)
		if ok != tc.ok || !ok {
			if ok != tc.ok {
				t.Errorf("%s: ok = %v, want %v", tc.name, ok, tc.ok)
			}
			continue
		}
		if p.flow != tc.want || string(p.payload) != tc.payload || p.fragment != tc.frag {
			t.Errorf("%s: %+v payload %q fragment %v; want %+v %q %v", tc.name, p.flow, p.payload, p.fragment, tc.want, tc.payload, tc.frag)
		}
	}
}

// FuzzParsePacket: the packet reader never panics and returns a payload
// that lies inside its input.
func FuzzParsePacket(f *testing.F) {
	f.Add(tcp4(client, server, 9, 0x18, []byte("GET / HTTP/1.1\r\n")))
	f.Add(tcp6(netip.MustParseAddrPort("[fd00:1::5]:1"), netip.MustParseAddrPort("[2001:db8::20]:443"), true, []byte("x")))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, ok := parsePacket(b)
		if ok && len(p.payload) > len(b) {
			t.Fatalf("payload of %d bytes from %d", len(p.payload), len(b))
		}
	})
}
