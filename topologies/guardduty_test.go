package topologies

import (
	"net/netip"
	"slices"
	"testing"
	"time"
)

// The guardduty block decodes its settings and entries, and
// ResolveThreats names each internet host by its address.
func TestGuardDutyBlock(t *testing.T) {
	topo, err := Load("testdata/good/guardduty.yaml")
	if err != nil {
		t.Fatal(err)
	}
	g := topo.Cloud.Accounts[0].GuardDuty
	if g == nil || !g.Enforce || g.Poll != 500*time.Millisecond {
		t.Fatalf("guardduty = %+v", g)
	}
	got := topo.ResolveThreats(g.Threats)
	want := []netip.Prefix{netip.MustParsePrefix("192.0.2.66/32"), netip.MustParsePrefix("198.51.100.0/24"), netip.MustParsePrefix("203.0.113.99/32")}
	if !slices.Equal(got, want) {
		t.Errorf("threats = %v, want %v", got, want)
	}
	if got := topo.ResolveThreats(g.Exclude); len(got) != 1 || got[0] != netip.MustParsePrefix("192.0.2.77/32") {
		t.Errorf("exclude = %v", got)
	}
	if w := topo.Cloud.VPCs[0].Workloads[0]; !w.Public {
		t.Errorf("workload %s is not public", w.Name)
	}
}
