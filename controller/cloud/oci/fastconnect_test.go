package oci_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/oracle/oci-go-sdk/v65/core"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// lineDesired is desired() with site dc1's private line on the transit
// VCN, as intent compiles it for an OCI transit: the line's route and
// virtual interface.
func lineDesired() cloud.Desired {
	d := desired()
	d.VPCs[0].PrivateLines = true
	d.Routes = append(d.Routes, cloud.Route{Subnet: "transit-vpc/gw", Destination: pfx("169.254.250.0/30"), Target: cloud.TargetPrivateLine})
	d.VirtualInterfaces = []cloud.VirtualInterface{{Key: "dc1-vif", Connection: "dc1", VPC: "transit-vpc", VLAN: 100, ASN: 65100,
		CloudAddress: pfx("169.254.0.1/30"), CustomerAddress: pfx("169.254.0.2/30"), CloudASN: 31898}}
	return d
}

// TestFastConnect: a VCN with a private line gets a DRG attached to it,
// the line a PRIVATE virtual circuit on that DRG with the interface's
// BGP addresses, VLAN and customer ASN and the line's name as its
// cross-connect, and the transit subnet's route table a rule for the
// line to the DRG, as the Go SDK reads them; plan lists them, a second
// apply makes no calls, and without the line they are deleted circuit
// first, DRG last, the route rule gone before the DRG.
func TestFastConnect(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	calls, err := e.p.Plan(ctx, lineDesired())
	if err != nil {
		t.Fatal(err)
	}
	var fc []string
	for _, c := range callStrings(calls) {
		if strings.Contains(c, "Drg") || strings.Contains(c, "VirtualCircuit") {
			fc = append(fc, c)
		}
	}
	want := []string{"core CreateDrg transit-vpc/drg", "core CreateDrgAttachment transit-vpc/drg", "core CreateVirtualCircuit dc1-vif"}
	if len(fc) != len(want) {
		t.Fatalf("plan's DRG and circuit calls %q, want %q", fc, want)
	}
	for i := range want {
		if !strings.HasPrefix(fc[i], want[i]) {
			t.Errorf("call %d %q, want %q", i, fc[i], want[i])
		}
	}
	if _, _, err := e.p.Apply(ctx, lineDesired()); err != nil {
		t.Fatal(err)
	}
	vn := e.vn(t)
	comp := tenancy
	drgs, err := vn.ListDrgs(ctx, core.ListDrgsRequest{CompartmentId: &comp})
	if err != nil || len(drgs.Items) != 1 {
		t.Fatalf("drgs: %+v, %v; want 1", drgs.Items, err)
	}
	drg := *drgs.Items[0].Id
	vcns, err := vn.ListVcns(ctx, core.ListVcnsRequest{CompartmentId: &comp, DisplayName: strp("transit-vpc")})
	if err != nil || len(vcns.Items) != 1 {
		t.Fatalf("vcns: %v", err)
	}
	// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/DrgAttachment/ListDrgAttachments — attachmentType, VCN by default
	byType := map[string]int{}
	for _, typ := range []core.ListDrgAttachmentsAttachmentTypeEnum{core.ListDrgAttachmentsAttachmentTypeVcn, core.ListDrgAttachmentsAttachmentTypeVirtualCircuit} {
		atts, err := vn.ListDrgAttachments(ctx, core.ListDrgAttachmentsRequest{CompartmentId: &comp, DrgId: &drg, AttachmentType: typ})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range atts.Items {
			if typ == core.ListDrgAttachmentsAttachmentTypeVirtualCircuit || get(a.VcnId) == *vcns.Items[0].Id {
				byType[string(typ)]++
			}
		}
	}
	vcs, err := vn.ListVirtualCircuits(ctx, core.ListVirtualCircuitsRequest{CompartmentId: &comp})
	if err != nil || len(vcs.Items) != 1 {
		t.Fatalf("virtual circuits: %+v, %v; want 1", vcs.Items, err)
	}
	vc := vcs.Items[0]
	m := vc.CrossConnectMappings
	if vc.Type != core.VirtualCircuitTypePrivate || get(vc.GatewayId) != drg || vc.CustomerAsn == nil || *vc.CustomerAsn != 65100 || len(m) != 1 ||
		get(m[0].CrossConnectOrCrossConnectGroupId) != "dc1" || get(m[0].OracleBgpPeeringIp) != "169.254.0.1/30" ||
		get(m[0].CustomerBgpPeeringIp) != "169.254.0.2/30" || m[0].Vlan == nil || *m[0].Vlan != 100 || vc.LifecycleState != core.VirtualCircuitLifecycleStateProvisioned {
		t.Errorf("circuit %+v; want PRIVATE PROVISIONED on drg %s, customerAsn 65100, mapping dc1 169.254.0.1/30 169.254.0.2/30 vlan 100", vc, drg)
	}
	if got := ruleTargets(t, vn, "transit-vpc/gw"); got["169.254.250.0/30"] != drg {
		t.Errorf("transit-vpc/gw rules %v; want 169.254.250.0/30 -> %s", got, drg)
	}
	if _, made, err := e.p.Apply(ctx, lineDesired()); err != nil || len(made) != 0 {
		t.Errorf("second apply made %q, %v; want nothing", callStrings(made), err)
	}
	e.wire.writes()
	if _, _, err := e.p.Apply(ctx, desired()); err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, w := range e.wire.writes() {
		for _, k := range []string{"virtualCircuits", "drgAttachments", "routeTables", "drgs/"} {
			if strings.Contains(w, "/"+k) && !slices.Contains(order, k) {
				order = append(order, k)
			}
		}
	}
	if !slices.Equal(order, []string{"virtualCircuits", "routeTables", "drgAttachments", "drgs/"}) {
		t.Errorf("deletion order %v; want circuit, route rule, attachment, drg", order)
	}
	drgs, err = vn.ListDrgs(ctx, core.ListDrgsRequest{CompartmentId: &comp})
	vcs, err2 := vn.ListVirtualCircuits(ctx, core.ListVirtualCircuitsRequest{CompartmentId: &comp})
	if err != nil || err2 != nil || len(drgs.Items)+len(vcs.Items) != 0 {
		t.Errorf("after the line went: %d drgs, %d circuits (%v, %v); want none", len(drgs.Items), len(vcs.Items), err, err2)
	}
}

func strp(s string) *string { return &s }

// ruleTargets reads the rules of the route table named subnet.
func ruleTargets(t *testing.T, vn core.VirtualNetworkClient, subnet string) map[string]string {
	t.Helper()
	comp := tenancy
	rts, err := vn.ListRouteTables(context.Background(), core.ListRouteTablesRequest{CompartmentId: &comp, DisplayName: &subnet})
	if err != nil || len(rts.Items) != 1 {
		t.Fatalf("route table %s: %d, %v", subnet, len(rts.Items), err)
	}
	out := map[string]string{}
	for _, r := range rts.Items[0].RouteRules {
		out[get(r.Destination)] = get(r.NetworkEntityId)
	}
	return out
}
