package bench

import (
	"bytes"
	"context"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/probe"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

func TestNewSpread(t *testing.T) {
	s := NewSpread([]float64{3, 1, 2, 10})
	if s.Median != 2.5 || s.Min != 1 || s.Max != 10 || len(s.Samples) != 4 || s.Samples[0] != 3 {
		t.Errorf("spread = %+v", s)
	}
	if s := NewSpread(nil); s.Median != 0 {
		t.Errorf("empty spread = %+v", s)
	}
}

func TestNiceCeil(t *testing.T) {
	for in, want := range map[float64]float64{0: 1, 0.7: 1, 1: 1, 1.2: 2, 3: 5, 7: 10, 13.9: 20, 42: 50} {
		if got := niceCeil(in); got != want {
			t.Errorf("niceCeil(%g) = %g, want %g", in, got, want)
		}
	}
}

func TestHPEScore(t *testing.T) {
	r := &HPEResult{Tunnels: 2, Cases: hpeCases(2, 1.25e9)}
	set := func(name string, g float64) { r.Case(name).Gbps = NewSpread([]float64{g}) }
	set("plain", 10)
	set("esp-1", 1)
	set("wg-1", 2)
	set("hpe-esp-2", 1.8)
	set("hpe-wg-2", 1.5)
	set("esp-1-cap", 1)
	set("hpe-esp-2-cap", 1.7)
	set("hpe-wg-2-cap", 1.5)
	set("esp-1-jumbo", 4)
	set("hpe-esp-2-jumbo", 5)
	r.Case("strongswan-1").Skipped = "not installed"
	r.score()
	want := map[string]bool{
		"with the cap, HPE 2 ESP":       true,
		"with the cap, HPE 2 WireGuard": false,
		"without caps, HPE 2 ESP":       true,
		"without caps, HPE 2 WireGuard": false,
		"HPE 2 ESP tunnels >= 15%":      true,
		"HPE 2 WireGuard tunnels >= 15": true,
	}
	for _, tg := range r.Targets {
		for prefix, holds := range want {
			if strings.HasPrefix(tg.Claim, prefix) && tg.Holds != holds {
				t.Errorf("%s: holds = %v (got %.2f), want %v", tg.Claim, tg.Holds, tg.Got, holds)
			}
		}
		if strings.Contains(tg.Claim, "strongSwan") && (tg.Holds || tg.Note == "") {
			t.Errorf("strongSwan target without a measurement: %+v", tg)
		}
	}
	if c := r.Case("hpe-esp-2-cap"); c.Ratio != 1.7 {
		t.Errorf("capped ratio = %g, want 1.7 (against esp-1-cap)", c.Ratio)
	}
	if c := r.Case("hpe-esp-2-jumbo"); c.Ratio != 1.25 || c.UnderlayMTU != JumboMTU {
		t.Errorf("jumbo ratio = %g at MTU %d, want 1.25 (against esp-1-jumbo) at %d", c.Ratio, c.UnderlayMTU, JumboMTU)
	}
}

// TestHPEBenchShortRun runs the benchmark's own code path briefly (300 ms,
// one repeat) and checks that every case that ran produced throughput, and
// that the table, JSON and SVG come out.
func TestHPEBenchShortRun(t *testing.T) {
	roottest.Require(t)
	roottest.UseTempState(t)
	lab := roottest.LabName(t, "bh")
	t.Cleanup(func() { _ = emulator.Destroy(context.Background(), lab, nil); roottest.AssertGone(t, lab) })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := HPE(ctx, HPEOptions{Lab: lab, Tunnels: 2, Streams: 4, Duration: 300 * time.Millisecond, Repeats: 1, StrongSwan: true})
	if err != nil {
		t.Fatal(err)
	}
	roottest.AssertGone(t, lab)
	if len(res.Cases) != 13 {
		t.Fatalf("%d cases, want 13", len(res.Cases))
	}
	for _, c := range res.Cases {
		if c.Skipped != "" {
			if c.Kind != "strongswan" {
				t.Errorf("case %s skipped: %s", c.Name, c.Skipped)
			}
			t.Logf("case %s skipped: %s", c.Name, c.Skipped)
			continue
		}
		if c.Gbps.Median <= 0 || len(c.Gbps.Samples) != 1 || c.CPUPerGbit.Median <= 0 {
			t.Errorf("case %s: no throughput: %+v", c.Name, c)
		}
		if c.Kind == "esp" || c.Kind == "wireguard" {
			if len(c.TunnelPackets) != c.Tunnels {
				t.Errorf("case %s: %d tunnel counters, want %d", c.Name, len(c.TunnelPackets), c.Tunnels)
			}
			for i, p := range c.TunnelPackets {
				if p == 0 {
					t.Errorf("case %s: tunnel %d carried nothing", c.Name, i)
				}
			}
		}
	}
	var tbl bytes.Buffer
	res.WriteTable(&tbl)
	if !strings.Contains(tbl.String(), "| hpe-esp-2-cap |") || len(res.Targets) != 7 {
		t.Errorf("table:\n%s", tbl.String())
	}
	if err := xml.Unmarshal(res.SVG(), new(struct{})); err != nil {
		t.Errorf("SVG is not well-formed XML: %v", err)
	}
	dir := t.TempDir()
	if p, err := res.Save(dir); err != nil || !strings.HasSuffix(p, "core.json") {
		t.Errorf("save: %s, %v", p, err)
	}
	t.Logf("\n%s", tbl.String())
}

// TestStrongSwanBaseline brings strongSwan's tunnel up between the lab's
// gateways and pings through it; it skips when strongSwan is not installed.
func TestStrongSwanBaseline(t *testing.T) {
	roottest.Require(t)
	if why := strongSwanMissing(); why != "" {
		roottest.Missing(t, "%s", why)
	}
	roottest.UseTempState(t)
	lab := roottest.LabName(t, "bs")
	t.Cleanup(func() { _ = emulator.Destroy(context.Background(), lab, nil); roottest.AssertGone(t, lab) })
	plan, err := emulator.NewPlan(lab, HPETopology(lab))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := emulator.Deploy(ctx, plan, emulator.Options{}); err != nil {
		t.Fatal(err)
	}
	l := newHPELab(lab)
	sw, why, err := startStrongSwan(ctx, l)
	if err != nil || why != "" {
		t.Fatalf("start strongSwan: %v %s", err, why)
	}
	t.Cleanup(func() {
		if err := sw.Close(); err != nil {
			t.Error(err)
		}
	})
	rctx, rcancel := context.WithTimeout(ctx, 15*time.Second)
	defer rcancel()
	if _, err := probe.WaitReachable(rctx, l.hostA, hpeHostB.Addr(), 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if len(sw.PIDs()) != 2 {
		t.Errorf("charon pids %v, want 2", sw.PIDs())
	}
}
