package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/emulator/probe"
	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/internal/roottest"
	mcnlab "github.com/mcnlab/mcnlab/lab"
)

// TestOpsLab deploys the smallest transit with tunnels
// (testdata/aws-ops.yaml: spokes a and b, a workload in each, one transit
// gateway) once and runs the operations tools against it: a capture on
// the transit's tunnel interface during a ping holds the ICMP echoes and
// tshark reads them; one on its underlay holds WireGuard packets, as
// tshark decodes them; the controller's API has the gateway capture and
// hands the file over; traceroute names every hop by its lab node.
func TestOpsLab(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		roottest.Missing(t, "tshark not installed: %v", err)
	}
	lab := deployCloudLab(t, "testdata/aws-ops.yaml", "ops")
	r, err := state.Load(lab)
	if err != nil {
		t.Fatal(err)
	}
	nodes, err := labNodes(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	a1, err := findNode(nodes, lab, "a1")
	if err != nil {
		t.Fatal(err)
	}
	b1 := netip.MustParseAddr("10.2.1.10")
	t.Run("capture-tunnel", func(t *testing.T) {
		// Each tunnel of the transit carries a's echoes to b or b's
		// replies to a, or both: the capture takes the first 3 packets
		// from wg-t0 and wg-t1 together must show every echo.
		var got []string
		for _, ifname := range []string{"wg-t0", "wg-t1"} {
			file := captureDuring(t, lab, "transit-1:"+ifname, "icmp", 2, func() { pingN(t, a1.Namespace, b1, 2) })
			got = append(got, tsharkFields(t, file, "ip.src", "ip.dst", "icmp.type")...)
		}
		for _, want := range []string{"10.1.1.10 10.2.1.10 8", "10.2.1.10 10.1.1.10 0"} {
			if !slices.Contains(got, want) {
				t.Errorf("tunnel captures hold %q, want %q among them", got, want)
			}
		}
	})
	t.Run("capture-underlay", func(t *testing.T) {
		file := captureDuring(t, lab, "transit-1", "udp", 4, func() { pingN(t, a1.Namespace, b1, 2) })
		lines := tsharkFields(t, file, "frame.protocols", "wg.type")
		data := 0
		for _, l := range lines {
			if !strings.HasPrefix(l, "eth:ethertype:ip:udp:wg ") {
				t.Errorf("underlay packet %q: tshark does not decode it as WireGuard", l)
			}
			if strings.HasSuffix(l, " 4") { // transport data
				data++
			}
		}
		if len(lines) != 4 || data == 0 {
			t.Errorf("underlay capture: %q; want 4 WireGuard packets, transport data among them", lines)
		}
	})
	t.Run("capture-api", func(t *testing.T) { testCaptureAPI(t, lab, a1.Namespace, b1) })
	t.Run("traceroute", func(t *testing.T) { testTraceroute(t, lab) })
}

// pingN sends n echo requests from namespace ns to dst and wants every
// reply.
func pingN(t *testing.T, ns string, dst netip.Addr, n int) {
	t.Helper()
	p, err := probe.NewPinger(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for seq := 1; seq <= n; seq++ {
		if _, err := p.Ping(dst, seq, 2*time.Second); err != nil {
			t.Fatalf("ping %s: %v", dst, err)
		}
	}
}

// captureDuring runs `mcnlab capture TARGET --filter F --count N` (the
// built binary), waits until it says it captures, runs traffic, and
// returns the file once the capture ends.
func captureDuring(t *testing.T, lab, target, filter string, count int, traffic func()) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "c.pcap")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, roottest.MCNLab(t), "capture", target, "--lab", lab, "--filter", filter,
		"--count", strconv.Itoa(count), "-w", file)
	cmd.Env = append(os.Environ(), mcnlab.StateRootEnv+"="+state.Root)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	var said []string
	for sc.Scan() {
		said = append(said, sc.Text())
		if strings.HasPrefix(sc.Text(), "capturing on ") {
			break
		}
	}
	if len(said) == 0 || !strings.HasPrefix(said[len(said)-1], "capturing on ") {
		_ = cmd.Wait()
		t.Fatalf("mcnlab capture %s never started: %q", target, said)
	}
	traffic()
	go func() { _, _ = io.Copy(io.Discard, stderr) }() // the command must never block on it
	if err := cmd.Wait(); err != nil {
		t.Fatalf("mcnlab capture %s: %v", target, err)
	}
	return file
}

// tsharkFields has tshark read the file and print fields, one line of
// space-separated values per packet.
func tsharkFields(t *testing.T, file string, fields ...string) []string {
	t.Helper()
	args := []string{"-r", file, "-T", "fields", "-E", "separator=/s"}
	for _, f := range fields {
		args = append(args, "-e", f)
	}
	cmd := exec.Command("tshark", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark %v: %v\n%s", args, err, stderr.String())
	}
	s := strings.TrimSpace(string(out))
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// testTraceroute: mcnlab traceroute a1 b1 names a's VPC router, the
// spoke gateway a-1, the transit and b-1 through their tunnels, and b1.
func testTraceroute(t *testing.T, lab string) {
	out, _, err := run(t, "traceroute", "a1", "b1", "--lab", lab, "--json")
	if err != nil {
		t.Fatalf("traceroute: %v\n%s", err, out)
	}
	var hops []hop
	if err := json.Unmarshal([]byte(out), &hops); err != nil {
		t.Fatalf("decode %s: %v", out, err)
	}
	var got []string
	for _, h := range hops {
		switch {
		case h.Node == "":
			continue // a hop that did not answer
		case h.Tunnel:
			got = append(got, h.Node+" (tunnel)")
		default:
			got = append(got, h.Node)
		}
	}
	want := []string{"VPC router of a-vpc", "gateway a-1", "gateway transit-1 (tunnel)", "gateway b-1 (tunnel)", "instance b1"}
	if !slices.Equal(got, want) {
		t.Errorf("traceroute hops %q, want %q\n%s", got, want, out)
	}
}
