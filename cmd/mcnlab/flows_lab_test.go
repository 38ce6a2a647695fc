package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/controller/api"
	"github.com/mcnlab/mcnlab/dataplane/capture"
	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

// TestFlowsLab: on a transit with three spokes, a TCP connection from
// prod-app to shared-db and a ping from prod-app to dev-app (segmentation
// drops it at the transit) show in `mcnlab flows` as the transit
// gateway exported them: the connection's 5-tuple both ways with its
// packets and bytes, prod>shared, permit (the spoke gateways' records too,
// named by the transit's domains); the ping prod>dev, deny; and
// the export captured on the transit's lo decodes in tshark as CFLOW
// (IPFIX) with the connection's 5-tuple.
func TestFlowsLab(t *testing.T) {
	lab := deployCloudLab(t, "testdata/aws-flows.yaml", "afl")
	prodNS, sharedNS := workloadNS(t, lab, "prod-app"), workloadNS(t, lab, "shared-db")
	transitNS := workloadNS(t, lab, "transit-1")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pcap := filepath.Join(t.TempDir(), "ipfix.pcap")
	captured := captureExport(t, ctx, transitNS, pcap)

	shared := netip.MustParseAddrPort("10.3.1.20:5432")
	client := tcpExchange(t, prodNS, sharedNS, shared, 1000)
	if reach(t, prodNS, netip.MustParseAddr("10.2.1.10"), 2) {
		t.Error("prod-app reaches dev-app: segmentation should drop it")
	}

	fwd := flowOf{"transit-1", client, shared, "tcp", "permit", "prod", "shared"}
	rev := flowOf{"transit-1", shared, client, "tcp", "permit", "shared", "prod"}
	deny := flowOf{"transit-1", netip.AddrPortFrom(client.Addr(), 0), netip.MustParseAddrPort("10.2.1.10:0"), "icmp", "deny", "prod", "dev"}
	// The spoke holds no segmentation; its records name the domains too.
	spoke := flowOf{"prod-1", client, shared, "tcp", "permit", "prod", "shared"}
	spokePing := flowOf{"prod-1", deny.src, deny.dst, "icmp", "permit", "prod", "dev"} // the transit drops it
	var fs api.Flows
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, _, err := run(t, "flows", "--lab", lab, "--json", "--top", "0")
		if err != nil {
			t.Fatal(err)
		}
		fs = api.Flows{}
		if err := json.Unmarshal([]byte(out), &fs); err != nil {
			t.Fatalf("flows --json: %v\n%s", err, out)
		}
		// The connection's last records: the 1000 bytes and the FINs.
		f, r, d := fwd.find(fs), rev.find(fs), deny.find(fs)
		if f != nil && r != nil && d != nil && spoke.find(fs) != nil && spokePing.find(fs) != nil && f.Bytes >= 1000+6*52 && f.Packets >= 6 && r.Packets >= 4 && d.Packets >= 2 {
			t.Logf("transit-1 exported %s: %d packets %d bytes; back %d packets %d bytes; ping to dev denied: %d packets",
				fwd, f.Packets, f.Bytes, r.Packets, r.Bytes, d.Packets)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no complete flow records within 10 s: want %s (>= 6 packets, 1312 bytes), %s, %s (>= 2 packets), %s, %s; have %+v", fwd, rev, deny, spoke, spokePing, fs.Flows)
		}
		time.Sleep(200 * time.Millisecond)
	}
	out, _, err := run(t, "flows", "--lab", lab, "--by", "domain")
	if err != nil || !regexpLine(out, `^prod>shared\s+\d+\s+\d+\s+\d+\s+0$`) || !regexpLine(out, `^prod>dev\s+2\s+\d+\s+\d+\s+1$`) {
		t.Errorf("flows --by domain (%v):\n%s\nwant a line of prod>shared with no denied flow and one of prod>dev with 2 flows (prod-1 forwards, transit-1 denies)", err, out)
	}
	t.Logf("mcnlab flows --by domain:\n%s", out)
	all, _, _ := run(t, "flows", "--lab", lab, "--top", "0")
	t.Logf("mcnlab flows:\n%s", all)
	// The flow export in a configuration is stable: the controller does
	// not push it again and again (each push would restart the export).
	logb, err := os.ReadFile(controllerLog(lab))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(logb), "configured gateway transit-1 "); n == 0 || n > 3 {
		t.Errorf("the controller configured transit-1 %d times; want its first configuration and the flow export's, at most 3", n)
	}
	cancel()
	if n := <-captured; n == 0 {
		t.Fatal("the capture on the transit's lo holds no export")
	}
	tsharkHasFlow(t, pcap, fwd)
}

// flowOf is a flow direction the test expects.
type flowOf struct {
	gateway           string
	src, dst          netip.AddrPort
	proto, action     string
	srcDomain, dstDom string
}

func (w flowOf) String() string {
	return fmt.Sprintf("%s %s %s>%s %s>%s %s", w.gateway, w.proto, w.src, w.dst, w.srcDomain, w.dstDom, w.action)
}

// find returns w's record among fs, or nil.
func (w flowOf) find(fs api.Flows) *api.Flow {
	i := slices.IndexFunc(fs.Flows, func(f api.Flow) bool {
		return f.Gateway == w.gateway && f.Src == w.src.Addr() && f.Dst == w.dst.Addr() && f.SrcPort == w.src.Port() &&
			f.DstPort == w.dst.Port() && f.Proto == w.proto && f.Action == w.action && f.SrcDomain == w.srcDomain && f.DstDomain == w.dstDom
	})
	if i < 0 {
		return nil
	}
	return &fs.Flows[i]
}

// captureExport captures the IPFIX datagrams on ns's lo into file until
// ctx ends, and then sends how many it holds.
func captureExport(t *testing.T, ctx context.Context, ns, file string) <-chan int {
	t.Helper()
	filter, err := capture.ParseFilter("udp port 4739")
	if err != nil {
		t.Fatal(err)
	}
	var c *capture.Capture
	if err := netns.Do(ns, func() error {
		c, err = capture.Open(capture.Options{Interface: "lo", Filter: filter})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan int, 1)
	go func() {
		defer c.Close()
		defer f.Close()
		res, err := c.Run(ctx, f)
		if err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("capture: %v", err)
		}
		done <- res.Packets
	}()
	return done
}

// tcpExchange listens on srv in srvNS, connects from clientNS, sends n
// bytes and reads the answer, closes both ends cleanly, and returns the
// client's address and port.
func tcpExchange(t *testing.T, clientNS, srvNS string, srv netip.AddrPort, n int) netip.AddrPort {
	t.Helper()
	var ln net.Listener
	if err := netns.Do(srvNS, func() (err error) { ln, err = net.Listen("tcp4", srv.String()); return err }); err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	served := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			served <- err
			return
		}
		defer c.Close()
		b, err := io.ReadAll(c)
		if err == nil {
			_, err = c.Write([]byte(fmt.Sprintf("got %d", len(b))))
		}
		served <- err
	}()
	var conn net.Conn
	if err := netns.Do(clientNS, func() (err error) {
		conn, err = net.DialTimeout("tcp4", srv.String(), 5*time.Second)
		return err
	}); err != nil {
		t.Fatalf("connect to %s: %v", srv, err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Write(bytes.Repeat([]byte("x"), n)); err != nil {
		t.Fatal(err)
	}
	_ = conn.(*net.TCPConn).CloseWrite()
	if got, err := io.ReadAll(conn); err != nil || string(got) != fmt.Sprintf("got %d", n) {
		t.Fatalf("answer %q, %v", got, err)
	}
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	return conn.LocalAddr().(*net.TCPAddr).AddrPort()
}

// tsharkHasFlow decodes file with tshark as CFLOW on UDP 4739 and fails
// unless a record has w's 5-tuple and nothing is malformed.
func tsharkHasFlow(t *testing.T, file string, w flowOf) {
	t.Helper()
	if _, err := exec.LookPath("tshark"); err != nil {
		roottest.Missing(t, "tshark not installed (.ci/run installs it)")
	}
	out, err := exec.Command("tshark", "-r", file, "-d", "udp.port==4739,cflow", "-T", "fields", "-E", "occurrence=a",
		"-e", "cflow.srcaddr", "-e", "cflow.dstaddr", "-e", "cflow.protocol", "-e", "cflow.srcport", "-e", "cflow.dstport",
		"-e", "_ws.malformed").Output()
	if err != nil {
		t.Fatalf("tshark -r %s: %v", file, err)
	}
	want := []string{w.src.Addr().String(), w.dst.Addr().String(), "6", fmt.Sprint(w.src.Port()), fmt.Sprint(w.dst.Port())}
	found := false
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		cols := strings.Split(line, "\t")
		if len(cols) > 5 && cols[5] != "" {
			t.Errorf("tshark marks a message malformed: %s", line)
		}
		if len(cols) < 5 {
			continue
		}
		lists := make([][]string, 5)
		for i := range lists {
			lists[i] = strings.Split(cols[i], ",")
		}
		for r := range lists[0] {
			rec := make([]string, 5)
			for i := range rec {
				if r < len(lists[i]) {
					rec[i] = lists[i][r]
				}
			}
			found = found || slices.Equal(rec, want)
		}
	}
	if !found {
		t.Errorf("tshark decodes no record of %v in the capture:\n%s", want, out)
	}
	t.Logf("tshark decodes the export as CFLOW with the record %v", want)
}

// regexpLine reports whether a line of s matches expr.
func regexpLine(s, expr string) bool {
	return regexp.MustCompile(`(?m)` + expr).MatchString(s)
}
