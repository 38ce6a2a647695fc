package gcp_test

import (
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	compute "google.golang.org/api/compute/v1"

	"github.com/mcnlab/mcnlab/cloudmock/gcp"
	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// partnerFlow takes a PARTNER attachment through its states, as the Go
// library reads them: with a pairing key UUID/REGION/1 it is
// PENDING_PARTNER, and stays so past the partner's delay while the lab's
// partner has no line in its region; once it has one (not a project's
// interconnect) the partner provisions it: PENDING_CUSTOMER with the
// partner's metadata naming that line; ACTIVE once the customer sets
// adminEnabled, with partnerAsn 65500. Active, the Cloud Router shows
// the interface and BGP peer the attachment manages (to the partner's
// router at customerRouterIpAddress, ASN 65500), which a customer's
// patch of the router leaves alone, and an interface of the customer's
// on the attachment is refused (400 invalid); getRouterStatus reports the peer
// DOWN until the dataplane records its session Established with a
// learned prefix, then UP with the prefix in bestRoutes and
// bestRoutesForRouter, next hop the attachment.
func partnerFlow(t *testing.T, c *model.Cloud, svc *compute.Service) {
	t.Helper()
	must[*compute.Operation](t)(svc.InterconnectAttachments.Insert(project, region, &compute.InterconnectAttachment{Name: "p1", Type: "PARTNER",
		Router: "rp", EdgeAvailabilityDomain: "AVAILABILITY_DOMAIN_1"}).Do())
	p := must[*compute.InterconnectAttachment](t)(svc.InterconnectAttachments.Get(project, region, "p1").Do())
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/us-central1/1$`).MatchString(p.PairingKey) || p.AdminEnabled ||
		p.State != "PENDING_PARTNER" || p.CloudRouterIpAddress != "" || p.PartnerAsn != 0 {
		t.Fatalf("partner attachment %+v", p)
	}
	deadline := time.Now().Add(2 * partnerDelay)
	for time.Now().Before(deadline) { // past the delay, no line: still the partner's
		p = must[*compute.InterconnectAttachment](t)(svc.InterconnectAttachments.Get(project, region, "p1").Do())
		if p.State != "PENDING_PARTNER" {
			t.Fatalf("partner attachment without a partner line: %s", p.State)
		}
		time.Sleep(50 * time.Millisecond) // polling the attachment's state for a bounded time
	}
	if _, err := c.ProvisionDXConnectionAt(project, model.Place{Region: region}, "partner1", map[string]string{gcp.PartnerLineTag: "true"}); err != nil {
		t.Fatal(err)
	}
	p = must[*compute.InterconnectAttachment](t)(svc.InterconnectAttachments.Get(project, region, "p1").Do())
	if p.State != "PENDING_CUSTOMER" || p.PartnerMetadata == nil || p.PartnerMetadata.PartnerName != "mcnlab" || p.PartnerMetadata.InterconnectName != "partner1" {
		t.Fatalf("provisioned partner attachment %+v", p)
	}
	if l := must[*compute.InterconnectList](t)(svc.Interconnects.List(project).Do()); len(l.Items) != 1 || l.Items[0].Name != "line1" {
		t.Fatalf("the partner's line is listed as the project's interconnect: %+v", l.Items)
	}
	must[*compute.Operation](t)(svc.InterconnectAttachments.Patch(project, region, "p1", &compute.InterconnectAttachment{AdminEnabled: true}).Do())
	p = must[*compute.InterconnectAttachment](t)(svc.InterconnectAttachments.Get(project, region, "p1").Do())
	if p.State != "ACTIVE" || p.OperationalStatus != "OS_ACTIVE" || p.PartnerAsn != 65500 || p.CloudRouterIpAddress != "169.254.64.9/29" {
		t.Fatalf("activated partner attachment %+v", p)
	}
	managedPeer(t, svc)
	// A customer's patch (gcloud's read-modify-write) keeps the managed parts the attachment's.
	rp := must[*compute.Router](t)(svc.Routers.Get(project, region, "rp").Do())
	rp.Description = "edited"
	must[*compute.Operation](t)(svc.Routers.Patch(project, region, "rp", rp).Do())
	managedPeer(t, svc)
	_, err := svc.Routers.Patch(project, region, "rp", &compute.Router{Interfaces: []*compute.RouterInterface{{Name: "mine", LinkedInterconnectAttachment: "p1"}}}).Do()
	wantReason(t, err, 400, "invalid")
	peerStatus(t, svc, "DOWN", 0, nil)
	if err := gcp.SetAttachmentStatus(c, project, region, "p1", true, []netip.Prefix{netip.MustParsePrefix("172.16.2.0/24")}); err != nil {
		t.Fatal(err)
	}
	peerStatus(t, svc, "UP", 1, []string{"172.16.2.0/24"})
}

// managedPeer checks the interface and BGP peer PARTNER attachment p1
// manages on router rp.
func managedPeer(t *testing.T, svc *compute.Service) {
	t.Helper()
	rp := must[*compute.Router](t)(svc.Routers.Get(project, region, "rp").Do())
	if len(rp.Interfaces) != 1 || len(rp.BgpPeers) != 1 {
		t.Fatalf("router rp's interfaces %+v, peers %+v", rp.Interfaces, rp.BgpPeers)
	}
	f, b := rp.Interfaces[0], rp.BgpPeers[0]
	if !strings.HasPrefix(f.Name, "auto-ia-if-p1-") || f.ManagementType != "MANAGED_BY_ATTACHMENT" || f.IpRange != "169.254.64.9/29" ||
		!strings.HasSuffix(f.LinkedInterconnectAttachment, "/regions/us-central1/interconnectAttachments/p1") {
		t.Fatalf("managed interface %+v", f)
	}
	if !strings.HasPrefix(b.Name, "auto-ia-bgp-p1-") || b.InterfaceName != f.Name || b.ManagementType != "MANAGED_BY_ATTACHMENT" ||
		b.IpAddress != "169.254.64.9" || b.PeerIpAddress != "169.254.64.10" || b.PeerAsn != 65500 {
		t.Fatalf("managed BGP peer %+v", b)
	}
}

// peerStatus checks router rp's status: its one BGP peer's status, its
// number of learned routes, and the best routes (over p1).
func peerStatus(t *testing.T, svc *compute.Service, status string, learned int64, best []string) {
	t.Helper()
	st := must[*compute.RouterStatusResponse](t)(svc.Routers.GetRouterStatus(project, region, "rp").Do()).Result
	if len(st.BgpPeerStatus) != 1 || st.BgpPeerStatus[0].Status != status || st.BgpPeerStatus[0].NumLearnedRoutes != learned ||
		!strings.HasPrefix(st.BgpPeerStatus[0].Name, "auto-ia-bgp-p1-") || st.BgpPeerStatus[0].PeerIpAddress != "169.254.64.10" {
		t.Fatalf("router rp's peer status %+v", st.BgpPeerStatus)
	}
	if status == "UP" && st.BgpPeerStatus[0].State != "Established" {
		t.Fatalf("peer up, state %q", st.BgpPeerStatus[0].State)
	}
	for _, routes := range [][]*compute.Route{st.BestRoutes, st.BestRoutesForRouter} {
		var got []string
		for _, r := range routes {
			if !strings.HasSuffix(r.NextHopInterconnectAttachment, "/interconnectAttachments/p1") || r.NextHopIp != "169.254.64.10" {
				t.Fatalf("best route %+v", r)
			}
			got = append(got, r.DestRange)
		}
		if strings.Join(got, ",") != strings.Join(best, ",") {
			t.Fatalf("best routes %v, want %v", got, best)
		}
	}
}
