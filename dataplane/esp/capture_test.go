package esp

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/internal/roottest"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// interopSA is the SA of the capture: outer endpoints on documentation
// addresses (the packets only go to a file).
func interopSA(t *testing.T) SA {
	return SA{
		SPI:    0x12345678,
		Key:    unhex(t, "000102030405060708090a0b0c0d0e0f"),
		Salt:   [4]byte{0xde, 0xca, 0xf8, 0x88},
		Local:  netip.MustParseAddrPort("192.0.2.1:4500"),
		Remote: netip.MustParseAddrPort("192.0.2.2:4500"),
	}
}

// serialize builds a packet from gopacket layers with lengths and checksums.
func serialize(t *testing.T, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

// echoRequest is an inner ICMP echo request carrying payload.
func echoRequest(t *testing.T, src, dst string, seq uint16, payload []byte) []byte {
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolICMPv4,
		SrcIP: net.ParseIP(src), DstIP: net.ParseIP(dst)}
	icmp := &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeEchoRequest, 0), Id: 0x4d43, Seq: seq}
	return serialize(t, ip, icmp, gopacket.Payload(payload))
}

// udpEncap wraps an ESP packet in Ethernet/IPv4/UDP as it leaves Local.
func udpEncap(t *testing.T, sa SA, esp []byte) []byte {
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP,
		SrcIP: sa.Local.Addr().AsSlice(), DstIP: sa.Remote.Addr().AsSlice()}
	udp := &layers.UDP{SrcPort: layers.UDPPort(sa.Local.Port()), DstPort: layers.UDPPort(sa.Remote.Port())}
	if err := udp.SetNetworkLayerForChecksum(ip); err != nil {
		t.Fatal(err)
	}
	return serialize(t, eth, ip, udp, gopacket.Payload(esp))
}

// TestTsharkDecryptsCapture proves that what Seal writes is standard ESP:
// Wireshark's own ESP dissector, given only the SA, decrypts the capture and
// finds the inner ICMP echoes with their payloads.
func TestTsharkDecryptsCapture(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		roottest.Missing(t, "tshark not installed (Debian: apt-get install tshark); no third-party decryption check")
	}
	sa := interopSA(t)
	out, err := NewOutbound(sa)
	if err != nil {
		t.Fatal(err)
	}
	const n = 3
	payloads := make([][]byte, n)
	frames := make([][]byte, n)
	for i := range n {
		payloads[i] = fmt.Appendf(nil, "mcnlab-esp-interop-%d-%s", i, strings.Repeat("x", i*5))
		inner := echoRequest(t, "10.9.0.1", "10.9.0.2", uint16(i+1), payloads[i])
		pkt, err := out.Seal(nil, inner, NextHeaderIPv4)
		if err != nil {
			t.Fatal(err)
		}
		frames[i] = udpEncap(t, sa, pkt)
	}
	stdout := runTshark(t, tshark, sa, writePcap(t, frames),
		"esp.spi", "esp.sequence", "ip.src", "ip.dst", "icmp.type", "icmp.seq", "data.data")
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != n {
		t.Fatalf("tshark printed %d lines, want %d:\n%s", len(lines), n, stdout)
	}
	for i, line := range lines {
		want := fmt.Sprintf("0x%08x|%d|192.0.2.1,10.9.0.1|192.0.2.2,10.9.0.2|8|%d|%s",
			sa.SPI, i+1, i+1, hex.EncodeToString(payloads[i]))
		if line != want {
			t.Errorf("packet %d: tshark decoded\n %s\nwant\n %s", i+1, line, want)
		}
	}
}

// writePcap writes Ethernet frames to a new pcap file and returns its path.
func writePcap(t *testing.T, frames [][]byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "esp-in-udp.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	for i, frame := range frames {
		ci := gopacket.CaptureInfo{Timestamp: time.Unix(1700000000+int64(i), 0), CaptureLength: len(frame), Length: len(frame)}
		if err := w.WritePacket(ci, frame); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// runTshark decodes the pcap with Wireshark's ESP dissector given the SA
// and returns one line per packet of the fields, separated by '|'.
func runTshark(t *testing.T, tshark string, sa SA, path string, fields ...string) string {
	t.Helper()
	// Wireshark's ESP SA table (uat:esp_sa): protocol, source, destination,
	// SPI, encryption algorithm, key (for RFC 4106: key||salt),
	// authentication algorithm (NULL: GCM authenticates), auth key.
	keymat := hex.EncodeToString(append(append([]byte(nil), sa.Key...), sa.Salt[:]...))
	uat := fmt.Sprintf(`uat:esp_sa:"IPv4","%s","%s","0x%08x","AES-GCM with 16 octet ICV [RFC4106]","0x%s","NULL",""`,
		sa.Local.Addr(), sa.Remote.Addr(), sa.SPI, keymat)
	args := []string{"-n", "-r", path,
		"-d", fmt.Sprintf("udp.port==%d,udpencap", sa.Remote.Port()),
		"-o", "esp.enable_encryption_decode:TRUE",
		"-o", uat,
		"-T", "fields", "-E", "separator=|"}
	for _, f := range fields {
		args = append(args, "-e", f)
	}
	cmd := exec.Command(tshark, args...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir()) // no user profile
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\nstderr: %s", cmd, err, stderr.String())
	}
	return stdout.String()
}
