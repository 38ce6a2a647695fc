package bench

import (
	"context"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

func TestGenerateTree(t *testing.T) {
	tr, err := GenerateTree("t", 200)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(tr.Topology.Nodes); got != 200 {
		t.Errorf("nodes = %d, want 200", got)
	}
	if got := len(tr.Topology.Links); got != 199 {
		t.Errorf("links = %d, want 199", got)
	}
	if tr.Hops < 4 || tr.Hops > 20 {
		t.Errorf("longest host path = %d hops, want a tree path of 4..20", tr.Hops)
	}
	if tr.From == tr.To || !tr.ToAddr.IsValid() {
		t.Errorf("probe pair %s -> %s (%s) is not two distinct hosts", tr.From, tr.To, tr.ToAddr)
	}
	for _, n := range tr.Topology.Nodes {
		if n.Kind == "host" && len(n.Routes) != 1 {
			t.Errorf("host %s has %d routes, want only its default route", n.Name, len(n.Routes))
		}
	}
	if _, err := GenerateTree("t", 2); err == nil {
		t.Error("GenerateTree(2) succeeded, want an error")
	}
}

func TestDeployTreeRoot(t *testing.T) {
	roottest.Require(t)
	roottest.UseTempState(t)
	lab := roottest.LabName(t, "bt")
	t.Cleanup(func() { _ = emulator.Destroy(context.Background(), lab, nil); roottest.AssertGone(t, lab) })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := Deploy(ctx, lab, 40, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Ready.Median <= 0 || res.Destroy.Median <= 0 || len(res.Ready.Samples) != 2 {
		t.Errorf("result has no measurements: %+v", res)
	}
	roottest.AssertGone(t, lab)
}
