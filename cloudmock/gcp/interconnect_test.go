package gcp_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	compute "google.golang.org/api/compute/v1"
	"google.golang.org/api/option"

	"github.com/mcnlab/mcnlab/cloudmock/gcp"
	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// partnerDelay is how long the test's partner takes to provision.
const partnerDelay = 400 * time.Millisecond

// TestInterconnectAttachmentsLibrary: the lab's line is the project's
// Dedicated Interconnect; a DEDICATED VLAN attachment on it is ACTIVE at
// once with the lowest free VLAN and a link-local /29 (router .1,
// customer .2), a taken or out-of-range VLAN and an unknown interconnect
// are refused. A PARTNER attachment needs a router with ASN 16550 and an
// edge availability domain (partnerFlow takes one through its states).
// A Cloud Router interface takes the
// attachment's address and a BGP peer the customer's; the attachment
// cannot go while the interface links it.
func TestInterconnectAttachmentsLibrary(t *testing.T) {
	c := model.New()
	c.AddAccount(model.Account{ID: project, Provider: model.ProviderGCP})
	if _, err := c.ProvisionDXConnectionAt(project, model.Place{}, "line1", nil); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gcp.New(c, gcp.Config{Tokens: map[string]string{"tok-1": project}, PartnerDelay: partnerDelay}))
	t.Cleanup(srv.Close)
	svc, err := compute.NewService(context.Background(), option.WithEndpoint(srv.URL+"/compute/v1/"), option.WithHTTPClient(authClient(srv, "tok-1")))
	if err != nil {
		t.Fatal(err)
	}
	if l := must[*compute.InterconnectList](t)(svc.Interconnects.List(project).Do()); len(l.Items) != 1 || l.Items[0].Name != "line1" || l.Items[0].State != "ACTIVE" {
		t.Fatalf("interconnects %+v", l.Items)
	}
	netWithSubnet(t, svc)
	must[*compute.Operation](t)(svc.Routers.Insert(project, region, &compute.Router{Name: "rd", Network: "global/networks/net1", Bgp: &compute.RouterBgp{Asn: 64515}}).Do())
	must[*compute.Operation](t)(svc.Routers.Insert(project, region, &compute.Router{Name: "rp", Network: "global/networks/net1", Bgp: &compute.RouterBgp{Asn: 16550}}).Do())

	must[*compute.Operation](t)(svc.InterconnectAttachments.Insert(project, region, &compute.InterconnectAttachment{Name: "a1", Type: "DEDICATED",
		Interconnect: "global/interconnects/line1", Router: "rd"}).Do())
	a1 := must[*compute.InterconnectAttachment](t)(svc.InterconnectAttachments.Get(project, region, "a1").Do())
	if a1.State != "ACTIVE" || a1.OperationalStatus != "OS_ACTIVE" || a1.VlanTag8021q != 2 || a1.CloudRouterIpAddress != "169.254.64.1/29" ||
		a1.CustomerRouterIpAddress != "169.254.64.2/29" || a1.Mtu != 1440 || !strings.HasSuffix(a1.Interconnect, "/global/interconnects/line1") {
		t.Fatalf("dedicated attachment %+v", a1)
	}
	bad := func(code int, reason string, a *compute.InterconnectAttachment) {
		t.Helper()
		_, err := svc.InterconnectAttachments.Insert(project, region, a).Do()
		wantReason(t, err, code, reason)
	}
	bad(400, "invalid", &compute.InterconnectAttachment{Name: "a2", Type: "DEDICATED", Interconnect: "global/interconnects/line1", Router: "rd", VlanTag8021q: 2})
	bad(400, "invalid", &compute.InterconnectAttachment{Name: "a2", Type: "DEDICATED", Interconnect: "global/interconnects/line1", Router: "rd", VlanTag8021q: 4094})
	bad(404, "notFound", &compute.InterconnectAttachment{Name: "a2", Type: "DEDICATED", Interconnect: "global/interconnects/nope", Router: "rd"})
	bad(400, "required", &compute.InterconnectAttachment{Name: "a2", Type: "DEDICATED", Router: "rd"})
	bad(400, "invalid", &compute.InterconnectAttachment{Name: "p1", Type: "PARTNER", Router: "rd", EdgeAvailabilityDomain: "AVAILABILITY_DOMAIN_1"})
	bad(400, "required", &compute.InterconnectAttachment{Name: "p1", Type: "PARTNER", Router: "rp"})
	bad(400, "invalid", &compute.InterconnectAttachment{Name: "p1", Type: "PARTNER", Router: "rp", EdgeAvailabilityDomain: "AVAILABILITY_DOMAIN_1", Mtu: 9000})
	bad(409, "alreadyExists", &compute.InterconnectAttachment{Name: "a1", Type: "DEDICATED", Interconnect: "global/interconnects/line1", Router: "rd"})

	partnerFlow(t, c, svc)
	must[*compute.Operation](t)(svc.Routers.Patch(project, region, "rd", &compute.Router{
		Interfaces: []*compute.RouterInterface{{Name: "ic0", LinkedInterconnectAttachment: "a1"}},
		BgpPeers:   []*compute.RouterBgpPeer{{Name: "onprem", InterfaceName: "ic0", PeerIpAddress: "169.254.64.2", PeerAsn: 65020}}}).Do())
	rd := must[*compute.Router](t)(svc.Routers.Get(project, region, "rd").Do())
	if rd.Interfaces[0].IpRange != "169.254.64.1/29" || rd.BgpPeers[0].IpAddress != "169.254.64.1" {
		t.Fatalf("router on the attachment %+v %+v", rd.Interfaces[0], rd.BgpPeers[0])
	}
	wantOpFailed(t)(svc.InterconnectAttachments.Delete(project, region, "a1").Do())
	wantOpFailed(t)(svc.Routers.Delete(project, region, "rd").Do())
	must[*compute.Operation](t)(svc.Routers.Patch(project, region, "rd", &compute.Router{NullFields: []string{"Interfaces", "BgpPeers"}}).Do())
	must[*compute.Operation](t)(svc.InterconnectAttachments.Delete(project, region, "a1").Do())
	if agg := must[*compute.InterconnectAttachmentAggregatedList](t)(svc.InterconnectAttachments.AggregatedList(project).Do()); len(agg.Items["regions/us-central1"].InterconnectAttachments) != 1 {
		t.Fatalf("aggregated attachments %+v", agg.Items)
	}
}
