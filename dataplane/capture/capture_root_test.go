package capture

import (
	"bytes"
	"context"
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

	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

// sendUDP sends n datagrams from namespace ns to dst.
func sendUDP(t *testing.T, ns, dst string, n int) {
	t.Helper()
	err := netns.Do(ns, func() error {
		// Unconnected: the receiver's port unreachable must not fail
		// the next write.
		c, err := net.ListenPacket("udp4", ":0")
		if err != nil {
			return err
		}
		defer c.Close()
		to, err := net.ResolveUDPAddr("udp4", dst)
		if err != nil {
			return err
		}
		for i := range n {
			if _, err := c.WriteTo([]byte{byte(i)}, to); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestCaptureVeth captures on one end of a veth between two namespaces:
// with "udp port 9999" and a count of 3 it keeps exactly the three
// datagrams sent to that port (not those to 9998), tshark reads the file
// and names them; a Manager capture with a duration on the then quiet
// interface ends on time, and one stopped early is complete.
func TestCaptureVeth(t *testing.T) {
	roottest.Require(t)
	nss := roottest.NewNamespaces(t, "a", "b")
	roottest.VethPair(t, nss[0], nss[1], "eth0", "eth0", []string{"192.0.2.1/24"}, []string{"192.0.2.2/24"})
	f, err := ParseFilter("udp port 9999")
	if err != nil {
		t.Fatal(err)
	}
	var c *Capture
	if err := netns.Do(nss[1].Name, func() (err error) {
		c, err = Open(Options{Interface: "eth0", Filter: f, Count: 3})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var file bytes.Buffer
	done := make(chan error, 1)
	go func() {
		_, err := c.Run(context.Background(), &file)
		done <- err
	}()
	sendUDP(t, nss[0].Name, "192.0.2.2:9998", 2)
	sendUDP(t, nss[0].Name, "192.0.2.2:9999", 3)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the capture of 3 packets did not end")
	}
	r, err := pcapgo.NewReader(bytes.NewReader(file.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for {
		data, _, err := r.ReadPacketData()
		if err != nil {
			break
		}
		p := gopacket.NewPacket(data, r.LinkType(), gopacket.Default)
		if u, ok := p.Layer(layers.LayerTypeUDP).(*layers.UDP); ok {
			got = append(got, int(u.DstPort))
		}
	}
	if len(got) != 3 || got[0] != 9999 || got[2] != 9999 {
		t.Errorf("captured UDP to ports %v, want 9999 three times", got)
	}
	tshark(t, file.Bytes(), "udp.dstport", "9999\n9999\n9999")

	testManager(t, nss[0].Name, nss[1].Name)
}

// testManager: a Manager capture with a duration on a quiet interface ends
// on time; one stopped early is complete; a bad filter is refused.
func testManager(t *testing.T, from, at string) {
	var m Manager
	defer m.Close()
	var info Info
	if err := netns.Do(at, func() (err error) {
		info, err = m.Start(Request{Interface: "eth0", Duration: "300ms"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.File(info.ID); err == nil {
		t.Error("File of a running capture: no error")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	for info.State == StateRunning && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond) // polls the capture's state
		info, _ = m.Get(info.ID)
	}
	if info.State != StateDone || time.Since(start) > 3*time.Second {
		t.Errorf("a 300ms capture on a quiet interface: %+v after %s", info, time.Since(start))
	}
	if err := netns.Do(at, func() (err error) {
		info, err = m.Start(Request{Interface: "eth0", Filter: "udp"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	sendUDP(t, from, "192.0.2.2:7", 1)
	// Stopped at once: the datagram the kernel queued is still written.
	info, err := m.Stop(ctx, info.ID)
	if err != nil || info.Packets != 1 {
		t.Fatalf("stopped capture %+v: %v; want the 1 datagram sent before the stop", info, err)
	}
	b, err := m.File(info.ID)
	if err != nil || info.State != StateDone {
		t.Fatalf("stopped capture %+v: %v", info, err)
	}
	tshark(t, b, "udp.dstport", "7")
	if _, err := m.Start(Request{Interface: "eth0", Filter: "icmp andd tcp"}); err == nil || !strings.Contains(err.Error(), `unexpected "andd"`) {
		t.Errorf("Start with a bad filter: %v", err)
	}
}

// tshark has tshark read the pcap file b and print field of each packet.
func tshark(t *testing.T, b []byte, field, want string) {
	t.Helper()
	ts, err := exec.LookPath("tshark")
	if err != nil {
		roottest.Missing(t, "tshark not installed: %v", err)
	}
	path := filepath.Join(t.TempDir(), "c.pcap")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(ts, "-r", path, "-T", "fields", "-e", field)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark -r: %v\n%s", err, stderr.String())
	}
	if got := strings.TrimSpace(string(out)); got != want {
		t.Errorf("tshark -r -e %s:\n%s\nwant\n%s", field, got, want)
	}
}
