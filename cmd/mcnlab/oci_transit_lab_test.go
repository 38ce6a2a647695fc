package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/core"
	"github.com/oracle/oci-go-sdk/v65/identity"

	ctlcloud "github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/cloud/oci"
	mcnlab "github.com/mcnlab/mcnlab/lab"
)

const ociTransit = "../../topologies/oci-transit.yaml"

// TestOCITransitLab deploys topologies/oci-transit.yaml through the
// commands every lab goes through (deploy; destroy, which leaves
// nothing): the controller builds the three VCNs and six gateway
// instances through the emulated Core Services API with signed requests,
// the gateways converge, and every pair of workloads is as simulate says,
// with its reason (dev-app does not reach prod-db, whose NSG admits prod
// only); read through the OCI Go SDK, each spoke's app subnet's route
// table sends the other spoke's VCN to its gateway's primary private IP,
// whose VNIC skips the source/destination check; plan then finds nothing
// to do; everything is in the topology's compartment mcnlab-transit, which
// the controller made under the root (the SDK lists the lab's VCNs
// there and none in the root); FlightPath, reading the ends through the OCI provider, gives
// every pair the ping's verdict; the cloud SIGKILLed, the supervisor
// restarts it on its state file and nothing changes (ociRestart).
func TestOCITransitLab(t *testing.T) {
	sim, _, err := run(t, "simulate", "-t", ociTransit)
	if err != nil || !strings.Contains(sim, "dev-app  prod-db  network security group: prod-db admits only 10.31.0.0/16") || !strings.Contains(sim, "6 pairs, 5 reach, 1 blocked") {
		t.Errorf("simulate: %v\n%s", err, sim)
	}
	lab := deployCloudLab(t, ociTransit, "oct")
	cm := checkMatrix(t, lab)
	seen := 0
	for _, c := range cm.Cells {
		if c.Seen {
			seen++
		}
		if c.From == "dev-app" && c.To == "prod-db" && (c.Seen || c.Expect.Reach || !strings.HasPrefix(c.Expect.Reason, "network security group: prod-db admits only 10.31.0.0/16")) {
			t.Errorf("dev-app -> prod-db: seen %v, expected %+v; want blocked by prod-db's network security group", c.Seen, c.Expect)
		}
	}
	if len(cm.Cells) != 6 || seen != 5 {
		t.Errorf("%d pairs, %d reached; want 6 and 5", len(cm.Cells), seen)
	}
	vn, tenancy := ociClient(t, lab)
	comp := ociCompartment(t, lab, tenancy, "mcnlab-transit")
	for c, want := range map[string]int{comp: 3, tenancy: 0} {
		if vcns, err := vn.ListVcns(context.Background(), core.ListVcnsRequest{CompartmentId: &c}); err != nil || len(vcns.Items) != want {
			t.Errorf("VCNs in compartment %s: %d, %v; want %d", c, len(vcns.Items), err, want)
		}
	}
	_, instances, err := mcnlab.PlanAndInstances(context.Background(), lab)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ subnet, dst, gw1, gw2 string }{
		{"prod-vcn/app", "10.32.0.0/16", "prod-1", "prod-2"},
		{"dev-vcn/app", "10.31.0.0/16", "dev-1", "dev-2"},
	} {
		target := ociRouteTarget(t, vn, comp, c.subnet, c.dst)
		pip, err := vn.GetPrivateIp(context.Background(), core.GetPrivateIpRequest{PrivateIpId: &target})
		if err != nil {
			t.Fatalf("%s: %s via %s: %v", c.subnet, c.dst, target, err)
		}
		vnic := *pip.VnicId
		if vnic != instances[c.gw1].Interface && vnic != instances[c.gw2].Interface {
			t.Errorf("%s: %s via private IP %s of VNIC %s, want %s's or %s's", c.subnet, c.dst, target, vnic, c.gw1, c.gw2)
		}
		v, err := vn.GetVnic(context.Background(), core.GetVnicRequest{VnicId: &vnic})
		if err != nil || v.SkipSourceDestCheck == nil || !*v.SkipSourceDestCheck {
			t.Errorf("gateway VNIC %s: %+v, %v; want skipSourceDestCheck", vnic, v.Vnic, err)
		}
	}
	if out, _, err := run(t, "plan", "-t", ociTransit, "--lab", lab); err != nil || strings.TrimSpace(out) != "no changes: the accounts match the intent" {
		t.Errorf("plan of the deployed topology: %v\n%s", err, out)
	}
	// FlightPath, reading the NSGs, security lists and route tables
	// through the OCI provider (ReadEnd), gives every pair the ping's
	// verdict and blocks dev-app -> prod-db at prod-db's filters.
	for _, c := range cm.Cells {
		fp := flightPath(t, lab, c.From, c.To)
		if fp.Reachable != c.Seen {
			t.Errorf("flightpath %s %s: reachable %v (%s), the ping %v", c.From, c.To, fp.Reachable, fp.Reason, c.Seen)
		}
		if c.From == "dev-app" && c.To == "prod-db" && (fp.Block == nil || fp.Block.Hop != "prod-db" || fp.Block.Kind != "filter") {
			t.Errorf("flightpath dev-app prod-db: block %+v, reason %q; want prod-db's filters", fp.Block, fp.Reason)
		}
	}
	ociRestart(t, lab)
}

// ociRestart SIGKILLs the lab's OCI cloud: the supervisor restarts it on
// its state file with the tenancy, key and address it had, it adopts the
// dataplane (prod-app still reaches dev-app), and plan, reading the
// tenancy through the SDK, finds nothing to do.
func ociRestart(t *testing.T, lab string) {
	t.Logf("cloud SIGKILLed: the supervisor's new cloud process runs after %s", killCloud(t, lab).Round(time.Millisecond))
	deadline := time.Now().Add(20 * time.Second)
	for {
		out, _, err := run(t, "plan", "-t", ociTransit, "--lab", lab)
		if err == nil && strings.TrimSpace(out) == "no changes: the accounts match the intent" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("plan after the restart: %v\n%s", err, out)
		}
		time.Sleep(100 * time.Millisecond) // the new process answers once it listens; bounded
	}
	cm := checkMatrix(t, lab)
	if cm.Mismatches() != 0 {
		t.Errorf("after the restart %d pairs are not as expected", cm.Mismatches())
	}
}

// ociLab is the SDK configuration of lab's emulated OCI, from the lab's
// record, and its endpoint.
func ociLab(t *testing.T, lab string) (common.ConfigurationProvider, ctlcloud.Endpoint) {
	t.Helper()
	ep, err := mcnlab.ReadEndpoint(lab, "oci")
	if err != nil {
		t.Fatal(err)
	}
	prov, err := oci.LabConfig(&ep)
	if err != nil {
		t.Fatal(err)
	}
	return prov, ep
}

// ociClient is the OCI Go SDK's virtual network client of lab's emulated
// OCI, configured from the lab's record, and the lab's tenancy.
func ociClient(t *testing.T, lab string) (core.VirtualNetworkClient, string) {
	t.Helper()
	prov, ep := ociLab(t, lab)
	vn, err := core.NewVirtualNetworkClientWithConfigurationProvider(prov)
	if err != nil {
		t.Fatal(err)
	}
	vn.Host = ep.URL
	return vn, ep.AccountID
}

// ociCompartment is the OCID of the ACTIVE compartment name under the
// root of lab's tenancy, read with the OCI Go SDK's identity client.
func ociCompartment(t *testing.T, lab, tenancy, name string) string {
	t.Helper()
	prov, ep := ociLab(t, lab)
	id, err := identity.NewIdentityClientWithConfigurationProvider(prov)
	if err != nil {
		t.Fatal(err)
	}
	id.Host = ep.URL
	r, err := id.ListCompartments(context.Background(), identity.ListCompartmentsRequest{CompartmentId: &tenancy, Name: &name,
		LifecycleState: identity.CompartmentLifecycleStateActive})
	if err != nil || len(r.Items) != 1 {
		t.Fatalf("compartments named %s: %+v, %v; want one", name, r.Items, err)
	}
	return *r.Items[0].Id
}

// ociRouteTarget is the networkEntityId of the rule for dst in the route
// table the controller made for subnet (by its freeform tag mcnlab:key).
func ociRouteTarget(t *testing.T, vn core.VirtualNetworkClient, compartment, subnet, dst string) string {
	t.Helper()
	r, err := vn.ListRouteTables(context.Background(), core.ListRouteTablesRequest{CompartmentId: common.String(compartment)})
	if err != nil {
		t.Fatal(err)
	}
	for _, rt := range r.Items {
		if rt.FreeformTags[ctlcloud.TagKey] != subnet {
			continue
		}
		for _, rule := range rt.RouteRules {
			if rule.Destination != nil && *rule.Destination == dst && rule.NetworkEntityId != nil {
				return *rule.NetworkEntityId
			}
		}
		t.Fatalf("route table of %s has no rule for %s: %+v", subnet, dst, rt.RouteRules)
	}
	t.Fatalf("no route table of %s", subnet)
	return ""
}

// TestOCILineSiteLab: an on-prem site (router frr) on a private line to
// an OCI transit: the controller makes a DRG attached to the transit VCN,
// a private virtual circuit on it over the lab's line and the transit
// subnet's route rule for the line to the DRG; the site's router peers
// with Oracle's edge (AS 31898) over the circuit and announces its end of
// the line, so that its VXLAN overlays reach the transit gateways, and the
// site's host and the spoke's workload reach each other both ways, as
// simulate says; the circuit's bgpSessionState, read through the Go SDK,
// is UP; plan then finds nothing to do.
func TestOCILineSiteLab(t *testing.T) {
	const file = "testdata/oci-line.yaml"
	lab := deployLineSite(t, file, "ols")
	// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/VirtualCircuit/ — bgpSessionState UP or DOWN
	vn, tenancy := ociClient(t, lab)
	vcs, err := vn.ListVirtualCircuits(context.Background(), core.ListVirtualCircuitsRequest{CompartmentId: &tenancy})
	if err != nil || len(vcs.Items) != 1 {
		t.Fatalf("virtual circuits: %+v, %v; want 1", vcs.Items, err)
	}
	vc := vcs.Items[0]
	if vc.BgpSessionState != core.VirtualCircuitBgpSessionStateUp || vc.OracleBgpAsn == nil || *vc.OracleBgpAsn != 31898 {
		t.Errorf("circuit %s: bgpSessionState %s, oracleBgpAsn %v; want UP with 31898", *vc.Id, vc.BgpSessionState, vc.OracleBgpAsn)
	} else {
		t.Logf("virtual circuit %s: %s, bgpSessionState %s", *vc.DisplayName, vc.LifecycleState, vc.BgpSessionState)
	}
	// The transit subnet routes the site's end of the line to the
	// circuit's DRG.
	name := "transit-vcn/gw"
	rts, err := vn.ListRouteTables(context.Background(), core.ListRouteTablesRequest{CompartmentId: &tenancy, DisplayName: &name})
	if err != nil || len(rts.Items) != 1 {
		t.Fatalf("route table %s: %+v, %v", name, rts.Items, err)
	}
	toDRG := false
	for _, r := range rts.Items[0].RouteRules {
		toDRG = toDRG || (r.Destination != nil && *r.Destination == "169.254.250.0/30" && r.NetworkEntityId != nil && vc.GatewayId != nil && *r.NetworkEntityId == *vc.GatewayId)
	}
	if !toDRG {
		t.Errorf("route table %s: %d rules, none 169.254.250.0/30 -> the circuit's DRG %v", name, len(rts.Items[0].RouteRules), vc.GatewayId)
	}
	if out, _, err := run(t, "plan", "-t", file, "--lab", lab); err != nil || strings.TrimSpace(out) != "no changes: the accounts match the intent" {
		t.Errorf("plan of the deployed topology: %v\n%s", err, out)
	}
}
