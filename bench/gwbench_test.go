package bench

import (
	"context"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/internal/roottest"
	"github.com/mcnlab/mcnlab/topologies"
)

func transitHA(t *testing.T, onprem string) *topologies.Topology {
	t.Helper()
	src, err := os.ReadFile("../topologies/transit-ha.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(src), "  dc:\n    kind: frr", "  dc:\n    kind: "+onprem, 1)
	topo, err := topologies.Parse("transit-ha.yaml", []byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return topo
}

func needRouters(t *testing.T) {
	t.Helper()
	for _, p := range []string{emulator.FRRDir + "/bgpd", emulator.BIRDBin} {
		if _, err := os.Stat(p); err != nil {
			roottest.Missing(t, "%s not installed (Debian frr, bird2)", p)
		}
	}
}

func TestExtraPrefix(t *testing.T) {
	for i, want := range map[int]string{0: "198.18.0.0/29", 1: "198.18.0.8/29", 32: "198.18.1.0/29", 16383: "198.19.255.248/29"} {
		if got := ExtraPrefix(i).String(); got != want {
			t.Errorf("ExtraPrefix(%d) = %s, want %s", i, got, want)
		}
	}
	conf, err := withExtraRoutes([]byte("x\nprotocol static announced {\n  ipv4;\n  route 10.10.0.0/24 blackhole;\n}\n"), 2)
	if err != nil {
		t.Fatal(err)
	}
	if want := "x\nprotocol static announced {\n  ipv4;\n  route 198.18.0.0/29 blackhole;\n  route 198.18.0.8/29 blackhole;\n  route 10.10.0.0/24 blackhole;\n}\n"; string(conf) != want {
		t.Errorf("withExtraRoutes:\n%s\nwant\n%s", conf, want)
	}
	if _, err := withExtraRoutes([]byte("protocol static {}\n"), 1); err == nil {
		t.Error("withExtraRoutes without the announced block: no error")
	}
}

// TestFailover runs the failover benchmark with one kill: the killed
// gateway is restarted with the same command line and nothing else, so
// its rejoin (tunnels up, sessions established, every FIB as before the
// kill, traffic without loss) proves that it restored its saved
// configuration by itself.
func TestFailover(t *testing.T) {
	roottest.Require(t)
	needRouters(t)
	roottest.UseTempState(t)
	lab := roottest.LabName(t, "fo")
	t.Cleanup(func() { _ = emulator.Destroy(context.Background(), lab, nil); roottest.AssertGone(t, lab) })
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var log strings.Builder
	res, err := Failover(ctx, FailoverOptions{
		Lab: lab, Topology: transitHA(t, "frr"), GatewayCommand: []string{roottest.MCNLab(t)},
		Kill: []string{"sa1"}, Pairs: []string{"ha>hb", "ha>dch"},
		Interval: 20 * time.Millisecond, Settle: time.Second, Log: &log,
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if len(res.Kills) != 1 {
		t.Fatalf("%d kills reported, want 1", len(res.Kills))
	}
	k := res.Kills[0]
	t.Logf("sa1: loss window %.0f ms, lost %d, recovered %.2fs, sessions %.2fs, rejoined %.2fs", k.MaxLossMS, k.Lost, k.RecoveredS, k.SessionsS, k.RejoinS)
	for _, p := range res.Pairs {
		w := k.Outage[p]
		if w.Sent == 0 || !w.Answered || math.IsInf(w.LossMS, 0) || math.IsNaN(w.LossMS) {
			t.Errorf("%s over the outage: %+v; want probes sent and answered again", p, w)
		}
	}
	if k.RejoinS <= 0 || k.SessionsS <= 0 || k.SessionsS > k.RejoinS {
		t.Errorf("rejoin times: sessions %.3fs, rejoin %.3fs", k.SessionsS, k.RejoinS)
	}
	// The gateway was killed: probes through it were lost (ha>hb leaves
	// spoke A by sa1 or sa2; with ECMP some flows hash onto sa1).
	if k.Lost == 0 {
		t.Log("note: no probe lost (every pair hashed onto sa2)")
	}
	if _, err := os.Stat(emulator.GatewayConfigFile(lab, "sa1")); err == nil {
		t.Error("the lab's state, gateway.json included, is still there after the bench")
	}
}

// TestConvergence announces 100 extra prefixes from the on-prem BIRD
// router and withdraws them: every gateway must get all and lose all.
func TestConvergence(t *testing.T) {
	roottest.Require(t)
	needRouters(t)
	roottest.UseTempState(t)
	lab := roottest.LabName(t, "cv")
	t.Cleanup(func() { _ = emulator.Destroy(context.Background(), lab, nil); roottest.AssertGone(t, lab) })
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, err := Convergence(ctx, ConvergenceOptions{
		Lab: lab, Topology: transitHA(t, "bird"), OnPrem: "dc",
		GatewayCommand: []string{roottest.MCNLab(t)}, Prefixes: []int{100}, Timeout: time.Minute,
	})
	if err != nil {
		t.Fatal(err) // a gateway that did not get all 100, or kept some, fails here
	}
	if len(res.Runs) != 1 || len(res.Runs[0].PerGateway) != 6 {
		t.Fatalf("runs = %+v; want one run with all 6 gateways", res.Runs)
	}
	r := res.Runs[0]
	t.Logf("100 prefixes: announced %.2fs, withdrawn %.2fs; idle RSS %v MB", r.AnnounceS, r.WithdrawS, res.IdleRSS)
	for g, mb := range res.IdleRSS {
		if mb <= 0 {
			t.Errorf("gateway %s: idle RSS %.1f MB", g, mb)
		}
	}
}
