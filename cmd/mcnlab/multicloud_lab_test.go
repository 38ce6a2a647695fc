package main

import (
	"context"
	"encoding/json"
	"net"
	"net/netip"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/emulator/probe"
	mcnlab "github.com/mcnlab/mcnlab/lab"
)

const multiCloud = "../../topologies/multicloud.yaml"

// multiCloudOf is the cloud of each workload of multicloud.yaml.
var multiCloudOf = map[string]string{"aws-app": "aws", "az-app": "azure", "az-db": "azure", "az-dev-app": "azure", "gcp-app": "gcp", "oci-app": "oci",
	"dc1-app": "on-prem"}

// TestMultiCloudLab deploys topologies/multicloud.yaml: AWS, Azure, GCP and
// OCI in one lab (one cloud process serving the four APIs on one dataplane,
// the controller with a provider per account), a transit pair in each
// cloud, the transits peered in a full mesh over tunnels between their
// public addresses, spokes in each, and an on-prem data centre on a
// private line to the AWS transit. Every pair of workloads and site hosts,
// 36 of the 42 across clouds or to the data centre, is as `simulate --json` says, by ping (the matrix) and by
// a TCP connection, and each blocked pair has simulate's reason; then the
// Azure transit gateway that carries aws-app's traffic to az-app is
// killed under a probe stream, and the traffic moves to its pair within
// 1 s.
func TestMultiCloudLab(t *testing.T) {
	lab := deployCloudLab(t, multiCloud, "mcl")
	cm := checkMatrix(t, lab)
	out, _, err := run(t, "simulate", "-t", multiCloud, "--json")
	if err != nil {
		t.Fatalf("simulate: %v", err)
	}
	var sim []mcnlab.Pair
	if err := json.Unmarshal([]byte(out), &sim); err != nil {
		t.Fatal(err)
	}
	want := map[[2]string]mcnlab.Pair{}
	for _, p := range sim {
		want[[2]string{p.From, p.To}] = p
	}
	cross := 0
	for _, c := range cm.Cells {
		p, ok := want[[2]string{c.From, c.To}]
		switch {
		case !ok:
			t.Errorf("%s -> %s: not in simulate's answer", c.From, c.To)
		case c.Seen != p.Reach || (!p.Reach && p.Reason == ""):
			t.Errorf("%s -> %s: ping reached %v; simulate says reach %v, reason %q", c.From, c.To, c.Seen, p.Reach, p.Reason)
		}
		if multiCloudOf[c.From] != multiCloudOf[c.To] {
			cross++
		}
	}
	if len(cm.Cells) != 42 || len(sim) != 42 || cross != 36 {
		t.Errorf("%d pairs measured, %d simulated, %d across clouds or to the data centre; want 42, 42, 36", len(cm.Cells), len(sim), cross)
	}
	for pair, reason := range map[[2]string]string{
		{"gcp-app", "az-db"}:      "network security group: az-db admits only 10.1.0.0/16, 10.2.0.0/16",
		{"az-dev-app", "aws-app"}: "domain policy: dev and prod are not connected",
		{"oci-app", "aws-app"}:    "domain policy: dev and prod are not connected",
		{"gcp-app", "dc1-app"}:    "no route: 10.100.0.0/24 (dc1) is not approved at transit aws-tr",
	} {
		if p := want[pair]; p.Reach || !strings.HasPrefix(p.Reason, reason) {
			t.Errorf("simulate %s -> %s: reach %v, reason %q; want blocked, %q", pair[0], pair[1], p.Reach, p.Reason, reason)
		}
	}
	multiCloudTCP(t, lab, want)
	multiCloudRestart(t, lab)
	multiCloudFailover(t, lab)
}

// multiCloudRestart SIGKILLs the lab's one cloud process under a probe
// stream from aws-app to gcp-app: the supervisor restarts it on its state
// file with every provider's credentials and address, it adopts the
// dataplane (no probe stream gap over 1 s), and plan, which reads all
// three clouds through their SDKs once the new process answers, finds
// nothing to do.
func multiCloudRestart(t *testing.T, lab string) {
	var back time.Duration
	pr := probeDuring(t, workloadNS(t, lab, "aws-app"), netip.MustParseAddr("10.5.1.10"), func() { back = killCloud(t, lab) })
	t.Logf("cloud SIGKILLed: the supervisor's new cloud process runs after %s; %d of %d probes aws-app -> gcp-app lost, longest gap %s",
		back.Round(time.Millisecond), pr.Lost, pr.Sent, pr.Outage.Round(time.Millisecond))
	if pr.Outage > time.Second {
		t.Errorf("aws-app lost gcp-app for %s while the cloud restarted, want the dataplane adopted", pr.Outage)
	}
	if out, _, err := run(t, "plan", "-t", multiCloud, "--lab", lab); err != nil || strings.TrimSpace(out) != "no changes: the accounts match the intent" {
		t.Errorf("plan after the restart: %v\n%s", err, out)
	}
}

// multiCloudTCP connects from every workload and site host to every
// other on a port each listens on, concurrently: a pair connects exactly
// when simulate says it reaches (the one that should is given three tries
// of 1.5 s).
func multiCloudTCP(t *testing.T, lab string, want map[[2]string]mcnlab.Pair) {
	targets, err := mcnlab.Targets(context.Background(), lab)
	if err != nil {
		t.Fatal(err)
	}
	for name := range multiCloudOf {
		in := targets[name]
		dst := netip.AddrPortFrom(in.Address, 7070)
		var ln net.Listener
		if err := netns.Do(in.Namespace, func() (err error) { ln, err = net.Listen("tcp4", dst.String()); return err }); err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				c.Close()
			}
		}()
	}
	var wg sync.WaitGroup
	for pair, p := range want {
		wg.Add(1)
		go func() {
			defer wg.Done()
			from, to := targets[pair[0]], targets[pair[1]]
			dst := netip.AddrPortFrom(to.Address, 7070).String()
			ok := false
			for try := 0; try < 3 && !ok && (try == 0 || p.Reach); try++ {
				_ = netns.Do(from.Namespace, func() error {
					c, err := net.DialTimeout("tcp4", dst, 1500*time.Millisecond)
					if err == nil {
						ok = true
						c.Close()
					}
					return nil
				})
			}
			if ok != p.Reach {
				t.Errorf("tcp %s -> %s (%s): connected %v; simulate says reach %v (%s)", pair[0], pair[1], dst, ok, p.Reach, p.Reason)
			}
		}()
	}
	wg.Wait()
}

// multiCloudFailover finds which of az-tr's two gateways carries
// aws-app's pings to az-app (the one whose eth0 counts a burst of them),
// SIGKILLs its gateway daemon under a probe stream (a ping every 5 ms,
// each waited for 100 ms), and checks the longest time between two
// answers: the spokes' and the other transits' BGP sessions over the
// tunnels to it go down, and the traffic moves to its HA pair.
func multiCloudFailover(t *testing.T, lab string) {
	_, instances, err := mcnlab.PlanAndInstances(context.Background(), lab)
	if err != nil {
		t.Fatal(err)
	}
	src, dst := workloadNS(t, lab, "aws-app"), netip.MustParseAddr("10.2.1.10")
	p, err := probe.NewPinger(src)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	gws := []string{"az-tr-1", "az-tr-2"}
	before := []uint64{eth0Packets(t, emulator.InstanceNamespace(lab, instances[gws[0]].ID)), eth0Packets(t, emulator.InstanceNamespace(lab, instances[gws[1]].ID))}
	for seq := 1; seq <= 300; seq++ {
		_, _ = p.Ping(dst, seq, 100*time.Millisecond)
	}
	d1 := eth0Packets(t, emulator.InstanceNamespace(lab, instances[gws[0]].ID)) - before[0]
	d2 := eth0Packets(t, emulator.InstanceNamespace(lab, instances[gws[1]].ID)) - before[1]
	victim := gws[0]
	if d2 > d1 {
		victim = gws[1]
	}
	t.Logf("a burst of 300 pings aws-app -> az-app: %d packets in at az-tr-1's eth0, %d at az-tr-2's; killing %s", d1, d2, victim)
	node := strings.TrimPrefix(emulator.InstanceNamespace(lab, instances[victim].ID), emulator.NamespaceName(lab, ""))
	pids, err := emulator.NodePIDs(lab, node)
	if err != nil || len(pids) != 1 {
		t.Fatalf("%s's gateway: pids %v, %v", victim, pids, err)
	}
	var answered []time.Time
	lost, sent := 0, 0
	start := time.Now()
	var killed time.Time
	for seq := 1000; time.Since(start) < 4*time.Second; seq++ {
		if killed.IsZero() && time.Since(start) > 500*time.Millisecond {
			if err := syscall.Kill(pids[0], syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			killed = time.Now()
		}
		sent++
		if _, err := p.Ping(dst, seq, 100*time.Millisecond); err != nil {
			lost++
		} else {
			answered = append(answered, time.Now())
		}
		time.Sleep(5 * time.Millisecond) // pacing the probe stream
	}
	var gap time.Duration
	for i := 1; i < len(answered); i++ {
		gap = max(gap, answered[i].Sub(answered[i-1]))
	}
	t.Logf("%s killed: %d of %d probes lost, longest gap between answers %s", victim, lost, sent, gap.Round(time.Millisecond))
	if len(answered) == 0 || answered[len(answered)-1].Before(killed) {
		t.Fatalf("aws-app lost az-app for good when %s died", victim)
	}
	if gap > time.Second {
		t.Errorf("aws-app lost az-app for %s when %s died; want traffic on its pair within 1 s", gap, victim)
	}
}

// eth0Packets is what eth0 of namespace ns has received.
func eth0Packets(t *testing.T, ns string) uint64 {
	t.Helper()
	h, err := netns.Netlink(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	l, err := h.LinkByName("eth0")
	if err != nil {
		t.Fatalf("%s: %v", ns, err)
	}
	return l.Attrs().Statistics.RxPackets
}

// killCloud SIGKILLs lab's cloud process, which keeps its model in the
// lab's state file, and waits until the supervisor runs a new one; it
// returns how long that took.
func killCloud(t *testing.T, lab string) time.Duration {
	t.Helper()
	old, ok := mcnlab.DaemonOf(lab, mcnlab.CloudDaemon)
	if !ok || !mcnlab.HasCloudState(lab) {
		t.Fatalf("lab %s: cloud %v, state file %v", lab, ok, mcnlab.HasCloudState(lab))
	}
	if err := syscall.Kill(old.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for {
		if p, ok := mcnlab.DaemonOf(lab, mcnlab.CloudDaemon); ok && p.PID != old.PID && p.Alive() {
			return time.Since(start)
		}
		if time.Since(start) > 30*time.Second {
			t.Fatalf("the cloud is not back 30 s after SIGKILL; its log ends:\n%s", mcnlab.Tail(mcnlab.LogFile(lab, mcnlab.CloudDaemon), 20))
		}
		time.Sleep(20 * time.Millisecond) // polling the supervisor's restart, bounded
	}
}
