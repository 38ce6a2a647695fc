package gcp_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/controller/cloud"
)

// lineDesired is desired() with the transit network's end of private
// lines and site dc1's virtual interface on the project's interconnect
// dc1, as intent compiles a private-line site to a GCP transit.
func lineDesired() cloud.Desired {
	d := desired()
	d.VPCs[0].PrivateLines = true
	d.VirtualInterfaces = []cloud.VirtualInterface{{Key: "dc1-vif", Connection: "dc1", VPC: "transit-vpc", VLAN: 100, ASN: 65100,
		CloudAddress: pfx("169.254.0.1/29"), CustomerAddress: pfx("169.254.0.2/29"), CloudASN: 4200000000}}
	return d
}

// TestInterconnect: a virtual interface is a Cloud Router of the
// transit's network and region, a DEDICATED VLAN attachment on the
// interconnect with the interface's /29 as candidate subnet, and the
// router's interface and BGP peer on it; plan lists the three calls after
// the instances, apply makes them (read back through the library: the
// attachment's Cloud Router address, the peer's address and ASN), a
// second plan finds nothing, and without the interface apply removes the
// router's interface and peer, deletes the attachment, then the router.
func TestInterconnect(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.cloud.ProvisionDXConnectionAt(project, model.Place{Region: region}, "dc1", nil); err != nil {
		t.Fatal(err)
	}
	calls, err := e.p.Plan(ctx, lineDesired())
	if err != nil {
		t.Fatal(err)
	}
	got := callStrings(calls)
	want := []string{
		"compute routers.insert dc1-vif region=us-central1 name=cr-dc1-vif-cf0cc90f7b network=<transit-vpc> bgp.asn=4200000000",
		"compute interconnectAttachments.insert dc1-vif region=us-central1 name=ic-dc1-vif-7190f4e82b type=DEDICATED interconnect=global/interconnects/dc1 router=<dc1-vif> vlanTag8021q=100 candidateSubnets=169.254.0.0/29",
		"compute routers.patch dc1-vif interfaces=[ic0 linkedInterconnectAttachment=<dc1-vif>] bgpPeers=[site interfaceName=ic0 peerIpAddress=169.254.0.2 peerAsn=65100]",
	}
	if len(got) != len(wantPlan)+3 || !slices.Equal(got[len(wantPlan):], want) {
		t.Errorf("plan's last calls:\n%s\nwant:\n%s", strings.Join(got[min(len(got), len(wantPlan)):], "\n"), strings.Join(want, "\n"))
	}
	if _, _, err := e.p.Apply(ctx, lineDesired()); err != nil {
		t.Fatal(err)
	}
	svc := e.service(t)
	rs, err := svc.Routers.List(project, region).Do()
	if err != nil || len(rs.Items) != 1 {
		t.Fatalf("routers: %+v, %v", rs, err)
	}
	r := rs.Items[0]
	if r.Bgp == nil || r.Bgp.Asn != 4200000000 || len(r.BgpPeers) != 1 || r.BgpPeers[0].PeerIpAddress != "169.254.0.2" || r.BgpPeers[0].PeerAsn != 65100 ||
		len(r.Interfaces) != 1 || !strings.HasSuffix(r.Interfaces[0].LinkedInterconnectAttachment, "/interconnectAttachments/ic-dc1-vif-7190f4e82b") {
		t.Errorf("router %s: bgp %+v, peers %d, interfaces %d", r.Name, r.Bgp, len(r.BgpPeers), len(r.Interfaces))
		for _, x := range r.BgpPeers {
			t.Logf("peer %+v", *x)
		}
		for _, x := range r.Interfaces {
			t.Logf("interface %+v", *x)
		}
	}
	as, err := svc.InterconnectAttachments.List(project, region).Do()
	if err != nil || len(as.Items) != 1 || as.Items[0].Type != "DEDICATED" || as.Items[0].CloudRouterIpAddress != "169.254.0.1/29" || as.Items[0].CustomerRouterIpAddress != "169.254.0.2/29" {
		t.Fatalf("attachments: %+v, %v", as, err)
	}
	if calls, err := e.p.Plan(ctx, lineDesired()); err != nil || len(calls) != 0 {
		t.Errorf("second plan: %v, %v", callStrings(calls), err)
	}
	e.wire.writes()
	if _, _, err := e.p.Apply(ctx, desired()); err != nil {
		t.Fatal(err)
	}
	w := e.wire.writes()
	if len(w) != 3 || !strings.HasPrefix(w[0], "PATCH ") || !strings.Contains(w[1], "/interconnectAttachments/") || !strings.HasPrefix(w[2], "DELETE ") || !strings.Contains(w[2], "/routers/") {
		t.Errorf("apply without the interface wrote %v; want the router's interface and peer removed, the attachment deleted, then the router", w)
	}
}
