package capture

import (
	"net"
	"strings"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"golang.org/x/net/bpf"
)

// pkt builds an IPv4 or IPv6 packet from src to dst carrying l4 (a
// gopacket layer), as a bare IP packet.
func pkt(t *testing.T, src, dst string, l4 gopacket.SerializableLayer, proto layers.IPProtocol) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	var ls []gopacket.SerializableLayer
	s, d := net.ParseIP(src), net.ParseIP(dst)
	if s.To4() != nil {
		ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: proto, SrcIP: s, DstIP: d}
		if c, ok := l4.(checksummed); ok {
			_ = c.SetNetworkLayerForChecksum(ip)
		}
		ls = append(ls, ip)
	} else {
		ip := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: proto, SrcIP: s, DstIP: d}
		if c, ok := l4.(checksummed); ok {
			_ = c.SetNetworkLayerForChecksum(ip)
		}
		ls = append(ls, ip)
	}
	ls = append(ls, l4, gopacket.Payload("hello"))
	if err := gopacket.SerializeLayers(buf, opts, ls...); err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

type checksummed interface {
	SetNetworkLayerForChecksum(gopacket.NetworkLayer) error
}

// ether puts an Ethernet header of the IP version's type before p.
func ether(p []byte) []byte {
	typ := []byte{0x08, 0x00}
	if p[0]>>4 == 6 {
		typ = []byte{0x86, 0xdd}
	}
	h := append([]byte{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1}, typ...)
	return append(h, p...)
}

// TestFilterMatches runs each compiled filter in x/net/bpf's VM over the
// same packets framed as Ethernet and as bare IP (a TUN device's), and
// checks which it keeps.
func TestFilterMatches(t *testing.T) {
	echo := &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeEchoRequest, 0), Id: 1, Seq: 1}
	echo6 := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(layers.ICMPv6TypeEchoRequest, 0)}
	packets := map[string][]byte{
		"icmp":  pkt(t, "10.1.1.10", "10.2.1.10", echo, layers.IPProtocolICMPv4),
		"wg":    pkt(t, "198.51.100.1", "198.51.100.2", &layers.UDP{SrcPort: 51820, DstPort: 51821}, layers.IPProtocolUDP),
		"bgp":   pkt(t, "169.254.0.1", "169.254.0.2", &layers.TCP{SrcPort: 40000, DstPort: 179, SYN: true}, layers.IPProtocolTCP),
		"esp":   pkt(t, "198.51.100.1", "198.51.100.2", gopacket.Payload{0, 0, 0, 1, 0, 0, 0, 1}, layers.IPProtocolESP),
		"icmp6": pkt(t, "2001:db8::1", "2001:db8::2", echo6, layers.IPProtocolICMPv6),
		"udp6":  pkt(t, "2001:db8::1", "2001:db8::2", &layers.UDP{SrcPort: 53, DstPort: 5353}, layers.IPProtocolUDP),
	}
	for _, tc := range []struct {
		expr string
		want string // the packets kept, in the order of names below
	}{
		{"", "bgp esp icmp icmp6 udp6 wg"},
		{"icmp", "icmp"},
		{"icmp6", "icmp6"},
		{"esp", "esp"},
		{"udp", "udp6 wg"},
		{"tcp port 179", "bgp"},
		{"udp port 51820", "wg"},
		{"udp src port 51820", "wg"},
		{"udp dst port 51820", ""},
		{"port 5353", "udp6"},
		{"host 10.2.1.10", "icmp"},
		{"src host 10.2.1.10", ""},
		{"host 2001:db8::2", "icmp6 udp6"},
		{"net 198.51.100.0/24", "esp wg"},
		{"dst net 169.254.0.0/16 and tcp", "bgp"},
		{"not tcp and not udp", "esp icmp icmp6"},
		{"icmp or esp and host 198.51.100.2", "esp icmp"},
		{"(icmp or esp) and host 198.51.100.2", "esp"},
		{"!(ip6) && (udp || tcp)", "bgp wg"},
		{"ip proto 50", "esp"},
		{"ip6 proto 17", "udp6"},
		{"arp", ""},
	} {
		f, err := ParseFilter(tc.expr)
		if err != nil {
			t.Fatalf("ParseFilter(%q): %v", tc.expr, err)
		}
		for _, lt := range []LinkType{LinkTypeEthernet, LinkTypeRaw} {
			prog, err := f.Compile(lt, 1500)
			if err != nil {
				t.Fatalf("%q: %v", tc.expr, err)
			}
			vm, err := bpf.NewVM(prog)
			if err != nil {
				t.Fatalf("%q: %v", tc.expr, err)
			}
			var kept []string
			for _, name := range []string{"bgp", "esp", "icmp", "icmp6", "udp6", "wg"} {
				p := packets[name]
				if lt == LinkTypeEthernet {
					p = ether(p)
				}
				n, err := vm.Run(p)
				if err != nil {
					t.Fatalf("%q on %s: %v", tc.expr, name, err)
				}
				if n > 0 {
					kept = append(kept, name)
				}
			}
			if got := strings.Join(kept, " "); got != tc.want {
				t.Errorf("%s filter %q kept %q, want %q", lt, tc.expr, got, tc.want)
			}
		}
	}
}

// TestFilterErrors: a malformed expression names the word and where it is.
func TestFilterErrors(t *testing.T) {
	for expr, want := range map[string]string{
		"icmp andd tcp":        `filter "icmp andd tcp": unexpected "andd" at offset 5`,
		"frobnicate":           `filter "frobnicate": unknown word "frobnicate" at offset 0`,
		"host":                 `filter "host": host needs an address at offset 4`,
		"host 10.1.1":          `filter "host 10.1.1": bad host address "10.1.1" at offset 5`,
		"port 70000":           `filter "port 70000": want a number from 0 to 65535, not "70000" at offset 5`,
		"(icmp":                `filter "(icmp": want ) at offset 5`,
		"icmp and":             `filter "icmp and": expression ends early at offset 8`,
		"tcp src host 1.2.3.4": `filter "tcp src host 1.2.3.4": "host" after tcp or udp at offset 8`,
		"net 2001:db8::/32":    `filter "net 2001:db8::/32": bad net "2001:db8::/32" (want an IPv4 CIDR) at offset 4`,
	} {
		_, err := ParseFilter(expr)
		if err == nil || err.Error() != want {
			t.Errorf("ParseFilter(%q) = %v, want %s", expr, err, want)
		}
	}
}
