package ipfix

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

// writePcap writes each payload as a UDP datagram 127.0.0.1 -> 127.0.0.1
// to port 4739 (IPFIX's) in a pcap file.
func writePcap(t *testing.T, path string, payloads [][]byte) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	for _, p := range payloads {
		eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
		ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: net.IPv4(127, 0, 0, 1), DstIP: net.IPv4(127, 0, 0, 1)}
		udp := &layers.UDP{SrcPort: 40000, DstPort: 4739}
		_ = udp.SetNetworkLayerForChecksum(ip)
		buf := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, udp, gopacket.Payload(p)); err != nil {
			t.Fatal(err)
		}
		ci := gopacket.CaptureInfo{Timestamp: time.Now(), CaptureLength: len(buf.Bytes()), Length: len(buf.Bytes())}
		if err := w.WritePacket(ci, buf.Bytes()); err != nil {
			t.Fatal(err)
		}
	}
}

// TestTsharkDecodes: Wireshark's IPFIX dissector (CFLOW) reads what
// Stream.Encode makes: the 5-tuple, counts and forwarding status of each
// flow, without a malformed-packet mark.
func TestTsharkDecodes(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		roottest.Missing(t, "tshark not installed (.ci/run installs it)")
	}
	s := Stream{DomainID: 3}
	msgs, err := s.Encode(t0, sampleFlows()[:2], 1400)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ipfix.pcap")
	if p := os.Getenv("IPFIX_PCAP"); p != "" {
		path = p
	}
	writePcap(t, path, msgs)
	out, err := exec.Command("tshark", "-r", path, "-d", "udp.port==4739,cflow", "-T", "fields", "-E", "occurrence=a",
		"-e", "cflow.version", "-e", "cflow.srcaddr", "-e", "cflow.dstaddr", "-e", "cflow.protocol",
		"-e", "cflow.srcport", "-e", "cflow.dstport", "-e", "cflow.permanent_packets", "-e", "cflow.permanent_octets",
		"-e", "cflow.forwarding_status", "-e", "cflow.forwarding_status_drop_code", "-e", "_ws.malformed").CombinedOutput()
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, out)
	}
	got := strings.TrimSpace(string(bytes.ReplaceAll(out, []byte("\t"), []byte(" | "))))
	t.Logf("tshark: %s", got)
	for _, want := range []string{"10 | 10.1.1.10,10.2.1.10 | 10.2.1.10,10.3.1.10 | 6,1 | 40000,0 | 5432,0 | 10,3 | 1234,252 | 1,2 | 1"} {
		if !strings.Contains(got, want) {
			t.Errorf("tshark fields %q, want %q", got, want)
		}
	}
	if strings.Contains(got, "alformed") {
		t.Errorf("tshark marks the export malformed: %s", got)
	}
}
