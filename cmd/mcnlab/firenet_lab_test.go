package main

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/mcnlab/mcnlab/dataplane/fwmgmt"
	"github.com/mcnlab/mcnlab/dataplane/l7proxy"
	"github.com/mcnlab/mcnlab/dataplane/mgmt"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/emulator/probe"
	"github.com/mcnlab/mcnlab/internal/roottest"
	mcnlab "github.com/mcnlab/mcnlab/lab"
)

const fireNetTopology = "../../topologies/testdata/good/firenet.yaml"

// TestFireNetLab (root): a transit with two firewalls inspects prod <->
// shared (2-tuple hash, a rule denying tcp/22). The matrix is as
// expected; pings cross exactly one firewall, whose counters (the
// gateway's and its own rule's) rise by what was sent; the far end sees
// the original source address; tcp/22 is denied while ICMP passes; the
// l7 engine (squid) refuses an HTTP path and a TLS name while another path
// and TLS to the same address pass, the server seeing the client's own
// address (l7Blocks); and
// stopping the firewall that carries the flow moves it to the other one
// within 2 s. inspect shows both firewalls.
func TestFireNetLab(t *testing.T) {
	roottest.Require(t)
	if err := l7proxy.CheckSquid(); err != nil {
		roottest.Missing(t, "the firewalls run the l7 engine: %v", err)
	}
	lab := deployCloudLab(t, fireNetTopology, "fn")
	prod := workloadNS(t, lab, "prod-app")
	shared := workloadNS(t, lab, "shared-web")
	src, dst := netip.MustParseAddr("10.1.1.10"), netip.MustParseAddr("10.3.1.10")
	checkMatrix(t, lab)

	before := steered(t, lab)
	if !reach(t, prod, dst, 5) {
		t.Fatal("prod-app does not reach shared-web")
	}
	after := steered(t, lab)
	var carrier string
	for fw, n := range after {
		if d := n - before[fw]; d > 0 {
			t.Logf("%s: %d packets steered to it for 5 pings", fw, d)
			if carrier != "" {
				t.Errorf("with the 2-tuple hash one pair's flows crossed both firewalls: %v -> %v", before, after)
			}
			carrier = fw
			if d < 10 {
				t.Errorf("%s: %d packets steered for 5 echo requests and their replies, want 10 or more", fw, d)
			}
		}
	}
	if carrier == "" {
		t.Fatalf("no firewall's counter rose: %v -> %v", before, after)
	}
	if got := acceptedFrom(t, prod, shared, dst); got != src {
		t.Errorf("shared-web saw the connection from %s, want prod-app's own %s", got, src)
	}
	sshBlocked(t, lab, prod, dst, carrier)
	l7Blocks(t, lab, "prod-app", shared, src, dst)

	out, _, err := run(t, "inspect", "--lab", lab)
	if err != nil || !strings.Contains(out, "FIRENET GATEWAY") || !strings.Contains(out, "fw1") || !strings.Contains(out, "fw2") {
		t.Errorf("inspect: %v\n%s", err, out)
	}
	if _, fn, ok := strings.Cut(out, "FIRENET GATEWAY"); ok {
		t.Logf("inspect:\nFIRENET GATEWAY%s", fn)
	}

	fwNS := workloadNS(t, lab, carrier)
	outage := outageDuring(t, prod, dst, func() { stopInstance(t, lab, carrier, fwNS) })
	t.Logf("stopping %s: longest gap between answers %s", carrier, outage.Round(time.Millisecond))
	if outage > 2*time.Second {
		t.Errorf("the flow took %s to move to the other firewall; want at most 2 s", outage)
	}
	if d := steered(t, lab); d[otherFirewall(carrier)] <= after[otherFirewall(carrier)] {
		t.Errorf("the other firewall's counter did not rise: %v", d)
	}
}

// otherFirewall is the firewall of the pair that is not fw.
func otherFirewall(fw string) string {
	if fw == "fw1" {
		return "fw2"
	}
	return "fw1"
}

// steered reads, from the transit gateway, the packets it steered to each
// firewall.
func steered(t *testing.T, lab string) map[string]uint64 {
	t.Helper()
	_, instances, err := mcnlab.PlanAndInstances(context.Background(), lab)
	if err != nil {
		t.Fatal(err)
	}
	c := mgmt.NewClient(emulator.GatewaySocket(lab, instances["transit-1"].ID))
	defer c.Close()
	st, err := c.Status(context.Background())
	if err != nil || st.FireNet == nil {
		t.Fatalf("transit-1's status: %v, firenet %+v", err, st.FireNet)
	}
	out := map[string]uint64{}
	for _, f := range st.FireNet.Firewalls {
		if !f.Healthy {
			t.Logf("%s is down: %s", f.Name, f.LastError)
		}
		out[f.Name] = f.Packets
	}
	return out
}

// acceptedFrom has a TCP listener in server's namespace accept one
// connection made from client's, and returns the source address it saw.
func acceptedFrom(t *testing.T, client, server string, dst netip.Addr) netip.Addr {
	t.Helper()
	var ln net.Listener
	if err := netns.Do(server, func() (err error) { ln, err = net.Listen("tcp", ":8080"); return err }); err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		var c net.Conn
		_ = netns.Do(client, func() (err error) {
			c, err = net.DialTimeout("tcp", netip.AddrPortFrom(dst, 8080).String(), 3*time.Second)
			return err
		})
		if c != nil {
			defer c.Close()
			time.Sleep(100 * time.Millisecond) // until the server has accepted
		}
	}()
	ln.(*net.TCPListener).SetDeadline(time.Now().Add(3 * time.Second))
	c, err := ln.Accept()
	if err != nil {
		t.Fatalf("shared-web accepted nothing: %v", err)
	}
	defer c.Close()
	return c.RemoteAddr().(*net.TCPAddr).AddrPort().Addr().Unmap()
}

// sshBlocked checks that a connection to tcp/22 is refused by the
// firewall's first rule (its counter rises) while pings still pass.
func sshBlocked(t *testing.T, lab, client string, dst netip.Addr, fw string) {
	t.Helper()
	dropped22(t, client, dst, fw, func() uint64 { return firewallRule(t, lab, fw) })
	if !reach(t, client, dst, 3) {
		t.Errorf("ICMP stopped passing")
	}
}

// firewallRule reads the packets firewall fw's first rule counted.
func firewallRule(t *testing.T, lab, fw string) uint64 {
	t.Helper()
	_, instances, err := mcnlab.PlanAndInstances(context.Background(), lab)
	if err != nil {
		t.Fatal(err)
	}
	c := fwmgmt.NewClient(emulator.GatewaySocket(lab, instances[fw].ID))
	defer c.Close()
	st, err := c.Status(context.Background())
	if err != nil || len(st.Rules) == 0 {
		t.Fatalf("%s's status: %v %+v", fw, err, st)
	}
	return st.Rules[0].Packets
}

// dropped22 checks that a connection from namespace client to dst:22
// times out (dropped by what names) and that rule's count rises.
func dropped22(t *testing.T, client string, dst netip.Addr, what string, rule func() uint64) {
	t.Helper()
	n := rule()
	err := netns.Do(client, func() error {
		c, err := net.DialTimeout("tcp4", netip.AddrPortFrom(dst, 22).String(), time.Second)
		if err == nil {
			c.Close()
		}
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "timeout") {
		t.Errorf("tcp/22 to %s through %s: %v, want a timeout (dropped)", dst, what, err)
	}
	if m := rule(); m <= n {
		t.Errorf("%s's deny rule counted %d, then %d", what, n, m)
	}
}

// stopInstance stops instance key through the lab's EC2 API and waits
// until its namespace ns is gone.
func stopInstance(t *testing.T, lab, key, ns string) {
	t.Helper()
	_, instances, err := mcnlab.PlanAndInstances(context.Background(), lab)
	if err != nil {
		t.Fatal(err)
	}
	lc, err := mcnlab.ReadEndpoint(lab, "aws")
	if err != nil {
		t.Fatal(err)
	}
	c := ec2.New(ec2.Options{Region: lc.Region, BaseEndpoint: sdkaws.String(lc.URL),
		Credentials: credentials.NewStaticCredentialsProvider(lc.Credentials.KeyID, lc.Credentials.Secret, "")})
	if _, err := c.StopInstances(context.Background(), &ec2.StopInstancesInput{InstanceIds: []string{instances[key].ID}}); err != nil {
		t.Fatalf("stop %s: %v", key, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for netns.Exists(ns) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond) // until the realizer has removed the instance's namespace
	}
	if netns.Exists(ns) {
		t.Fatalf("%s's namespace %s is still there 10 s after StopInstances", key, ns)
	}
}

// outageDuring pings dst from ns every 10 ms, each probe waiting 100 ms
// for its answer (probeDuring's 1 s would bound the measure's
// resolution), while f runs and for 2 s after, and returns the longest
// time between two answers (or since the last one, when none came at the
// end).
func outageDuring(t *testing.T, ns string, dst netip.Addr, f func()) time.Duration {
	t.Helper()
	p, err := probe.NewPinger(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	stop, done := make(chan struct{}), make(chan time.Duration)
	go func() {
		var gap time.Duration
		last, sent, lost := time.Now(), 0, 0
		for seq := 1; ; seq++ {
			select {
			case <-stop:
				t.Logf("%d probes sent, %d lost", sent, lost)
				done <- max(gap, time.Since(last)) // a stream that never came back
				return
			default:
			}
			sent++
			if _, err := p.Ping(dst, seq, 100*time.Millisecond); err != nil {
				lost++
			} else {
				gap = max(gap, time.Since(last))
				last = time.Now()
			}
			time.Sleep(10 * time.Millisecond) // pacing the probe stream
		}
	}()
	f()
	time.Sleep(2 * time.Second) // keep probing while the gateways move the flow
	close(stop)
	return <-done
}
