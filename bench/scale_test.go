package bench

import (
	"context"
	"encoding/xml"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

// TestScale runs `mcnlab bench scale` on 3 HA spokes: it reports the
// validate and simulate figure of the 1,000-spoke topology (both commands
// succeeded on it), every phase of the deploy in order with its count,
// the gateways' memory, the controller's API calls, a reachability sample
// that all answers, and a destroy that leaves nothing; and its plot is
// SVG.
func TestScale(t *testing.T) {
	roottest.Require(t)
	if _, err := os.Stat("/dev/net/tun"); err != nil {
		roottest.Missing(t, "no TUN device: %v", err)
	}
	bin := roottest.MCNLab(t)
	roottest.UseTempState(t)
	lab := roottest.LabName(t, "sc")
	t.Cleanup(func() { _ = emulator.Destroy(context.Background(), lab, nil); roottest.AssertGone(t, lab) })
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	var log strings.Builder
	res, err := Scale(ctx, ScaleOptions{Lab: lab, Spokes: []int{3}, HA: true, Self: bin, PlanSpokes: 1000, Pairs: 6,
		Timeout: 2 * time.Minute, Log: &log})
	t.Log(log.String())
	if err != nil {
		t.Fatal(err)
	}
	if p := res.Plan; p == nil || p.Pairs != 999000 || p.ValidateS <= 0 || p.SimulateS <= 0 {
		t.Errorf("plan figure %+v; want 999000 pairs validated and simulated", res.Plan)
	}
	if len(res.Runs) != 1 {
		t.Fatalf("%d runs; want 1", len(res.Runs))
	}
	r := res.Runs[0]
	if r.Gateways != 8 || r.Tunnels != 12 {
		t.Errorf("%d gateways, %d tunnels; want 8 (4 pairs), 12 (each spoke gateway to each transit gateway)", r.Gateways, r.Tunnels)
	}
	if len(r.Phases) != len(scalePhases) {
		t.Fatalf("%d phases; want %d", len(r.Phases), len(scalePhases))
	}
	for i, ph := range r.Phases {
		if ph.Name != scalePhases[i] || ph.S <= 0 || ph.S > r.ConvergedS || ph.Count == 0 {
			t.Errorf("phase %d: %+v; want %q done after the start, by convergence (%.2fs), counting something", i, ph, scalePhases[i], r.ConvergedS)
		}
	}
	if want := 2 * r.Tunnels; r.Phases[3].Count != want || r.Phases[4].Count != want {
		t.Errorf("tunnel ends %d, session ends %d; want %d each", r.Phases[3].Count, r.Phases[4].Count, want)
	}
	if r.Phases[5].Count != 6 {
		t.Errorf("spoke route tables: %d; want 6 (gw and app subnets of 3 spokes)", r.Phases[5].Count)
	}
	if r.AnonGatewayMB.Min <= 0 || r.AnonGatewayMB.Max > r.RSSGatewayMB.Max {
		t.Errorf("anonymous memory per gateway %+v; want measured, within RSS %+v", r.AnonGatewayMB, r.RSSGatewayMB)
	}
	if r.RSSGatewayMB.Min <= 0 || r.RSSTotalMB < float64(r.Gateways)*r.RSSGatewayMB.Min || r.APICalls == 0 || r.ControllerCPUS <= 0 {
		t.Errorf("RSS %.1f MB (per gateway %+v), %d API calls, controller %.2f CPU s; want all measured", r.RSSTotalMB, r.RSSGatewayMB, r.APICalls, r.ControllerCPUS)
	}
	if r.Reach.Pairs != 6 || r.Reach.Passed != 6 {
		t.Errorf("reach sample %+v; want 6 of 6", r.Reach)
	}
	if len(r.Leftover) != 0 || r.DestroyS <= 0 {
		t.Errorf("destroy %.2fs left %v", r.DestroyS, r.Leftover)
	}
	if err := xml.Unmarshal(res.SVG(), new(struct{ XMLName xml.Name })); err != nil {
		t.Errorf("plot: %v", err)
	}
}
