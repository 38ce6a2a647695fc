package azure_test

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"
)

// effective returns the next hop of dst in a NIC's effective routes, as
// Azure computes them ("" when no route is for dst).
func (e *env) effective(t *testing.T, nic string, dst string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	poller, err := e.nicsClient(t).BeginGetEffectiveRouteTable(ctx, "rg-spoke", nic, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := poller.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Value {
		for _, a := range r.AddressPrefix {
			if *a == dst && (r.State == nil || *r.State == armnetwork.EffectiveRouteStateActive) {
				hop := string(*r.NextHopType)
				for _, ip := range r.NextHopIPAddress {
					hop += " " + *ip
				}
				return hop
			}
		}
	}
	return ""
}

// TestSyncRoutes: learned routes go into a spoke subnet's route table as
// user-defined routes to the spoke gateway's NIC (VirtualAppliance), which
// the workload's NIC then has as effective routes; syncing again makes
// no call; a route no longer wanted is removed, the static ones stay; a
// wanted destination that a static route holds is refused by name.
func TestSyncRoutes(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, _, err := e.p.Apply(ctx, desired()); err != nil {
		t.Fatal(err)
	}
	onprem, transit := pfx("10.100.0.0/24"), pfx("10.10.0.0/16")
	want := map[netip.Prefix]string{onprem: "spoke-1", transit: "spoke-1"}
	calls, err := e.p.SyncRoutes(ctx, "spoke-vnet/app", want)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(callStrings(calls), "\n"); strings.Count(got, "routeTables/routes/write") != 2 ||
		!strings.Contains(got, "name=learned-10.100.0.0_24 route=10.100.0.0/24->VirtualAppliance:10.1.0.10 (spoke-1)") {
		t.Errorf("sync calls:\n%s", got)
	}
	if hop := e.effective(t, "app1-nic", "10.100.0.0/24"); hop != "VirtualAppliance 10.1.0.10" {
		t.Errorf("app1's effective route to 10.100.0.0/24: %q, want VirtualAppliance 10.1.0.10", hop)
	}
	e.wire.writes()
	if calls, err := e.p.SyncRoutes(ctx, "spoke-vnet/app", want); err != nil || len(calls) != 0 {
		t.Errorf("sync again: %v, %v; want no call", callStrings(calls), err)
	}
	if w := e.wire.writes(); len(w) != 0 {
		t.Errorf("sync again wrote %v", w)
	}
	calls, err = e.p.SyncRoutes(ctx, "spoke-vnet/app", map[netip.Prefix]string{transit: "spoke-1"})
	if err != nil || len(calls) != 1 || calls[0].Action != "routeTables/routes/delete" {
		t.Errorf("sync without on-prem: %v, %v; want one delete", callStrings(calls), err)
	}
	if hop := e.effective(t, "app1-nic", "10.100.0.0/24"); hop != "" {
		t.Errorf("app1's effective route to 10.100.0.0/24 after its withdrawal: %q", hop)
	}
	// The gateway subnet's 0.0.0.0/0 is Apply's (to the internet).
	_, err = e.p.SyncRoutes(ctx, "spoke-vnet/gw", map[netip.Prefix]string{pfx("0.0.0.0/0"): "spoke-1", onprem: "spoke-1"})
	if err == nil || !strings.Contains(err.Error(), "route 0.0.0.0/0: the destination is routed by static-0.0.0.0_0 (0.0.0.0/0->Internet), which SyncRoutes leaves alone") {
		t.Errorf("sync over a static route: %v", err)
	}
	if _, made, err := e.p.Apply(ctx, desired()); err != nil || len(made) != 0 {
		t.Errorf("apply after sync: %v, %v; want no call (learned routes are SyncRoutes')", callStrings(made), err)
	}
	if _, err := e.p.SyncRoutes(ctx, "nowhere/app", want); err == nil || !strings.Contains(err.Error(), "no route table of owner lab1") {
		t.Errorf("sync of an unknown subnet: %v", err)
	}
}
