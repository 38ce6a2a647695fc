package realize

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	compute "google.golang.org/api/compute/v1"

	cmgcp "github.com/mcnlab/mcnlab/cloudmock/gcp"
)

// TestGCPPartnerInterconnect: the lab as a Layer 3 Partner Interconnect
// provider. Over the lab's partner line in us-central1, a PARTNER VLAN
// attachment on Cloud Router r1 (ASN 16550) is PENDING_PARTNER with its
// pairing key until the partner provisions it (the front-end's partner
// delay, 1 s), PENDING_CUSTOMER then, and ACTIVE with partnerAsn 65500 once
// the customer activates it, as the Go library reads. Active, the
// partner's router at the line's far end (AS partnerAsn, at
// customerRouterIpAddress) has its session with the Cloud Router over the
// attachment, learns the VPC's subnet and gives the VPC the site's
// 172.16.2.0/24: a VM and a host behind the partner's router ping each
// other both ways, and getRouterStatus shows the session the attachment
// manages Established with the learned prefix. Deactivated
// (adminEnabled false), the attachment carries nothing.
// GCP: https://cloud.google.com/network-connectivity/docs/interconnect/how-to/partner/creating-vlan-attachments — a PARTNER attachment on a Cloud Router with ASN 16550, a pairing key for the service provider
// GCP: https://cloud.google.com/network-connectivity/docs/interconnect/how-to/partner/activating-connections — PENDING_PARTNER, PENDING_CUSTOMER after the provider's configuration, ACTIVE once activated; deactivating stops traffic
func TestGCPPartnerInterconnect(t *testing.T) {
	g, site, onprem, vm := icLab(t, cmgcp.Config{PartnerDelay: time.Second}, Circuit{Name: "pline", Partner: true}, 16550)
	a1 := partnerActivate(t, g)
	cloud, customer := netip.MustParsePrefix(a1.CloudRouterIpAddress), netip.MustParsePrefix(a1.CustomerRouterIpAddress)
	g.sync()

	start := time.Now()
	host := onpremHost(t, site, onprem)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	siteBGP(ctx, t, g, site, a1.PartnerAsn, 16550, customer.Addr(), cloud.Addr())
	t.Logf("the partner's BGP over the attachment up, the VPC's subnet learned: %.1f s", time.Since(start).Seconds())
	g.sync()
	waitFor(ctx, t, "the VM reaches the host behind the partner", func() bool { return g.reaches(g.ns(vm), host) })
	g.pingOK(onprem.Name, vm.PrivateIP)
	waitRouterStatus(ctx, t, g, "r1", "auto-ia-bgp-a1-", "a1")

	g.op(g.svc.InterconnectAttachments.Patch(gcpProject, haGCPRegion, "a1", &compute.InterconnectAttachment{AdminEnabled: false, ForceSendFields: []string{"AdminEnabled"}}).Do())
	if a, err := g.svc.InterconnectAttachments.Get(gcpProject, haGCPRegion, "a1").Do(); err != nil || a.State != "PENDING_CUSTOMER" {
		t.Fatalf("deactivated attachment: %v %+v", err, a)
	}
	g.sync()
	waitFor(ctx, t, "the VM no longer reaches the host", func() bool { return !g.reaches(g.ns(vm), host) })
	st, err := g.svc.Routers.GetRouterStatus(gcpProject, haGCPRegion, "r1").Do()
	if err != nil || len(st.Result.BgpPeerStatus) != 0 || len(st.Result.BestRoutes) != 0 {
		t.Fatalf("getRouterStatus after deactivation: %v %+v", err, st)
	}
}

// partnerActivate makes PARTNER attachment a1 on router r1 and takes it
// through its states as the Go library reads them, returning it ACTIVE.
func partnerActivate(t *testing.T, g gcpLab) *compute.InterconnectAttachment {
	t.Helper()
	g.op(g.svc.InterconnectAttachments.Insert(gcpProject, haGCPRegion, &compute.InterconnectAttachment{Name: "a1", Type: "PARTNER", Router: "r1",
		EdgeAvailabilityDomain: "AVAILABILITY_DOMAIN_1"}).Do())
	made := time.Now()
	get := func() *compute.InterconnectAttachment {
		a, err := g.svc.InterconnectAttachments.Get(gcpProject, haGCPRegion, "a1").Do()
		g.ok(err)
		return a
	}
	if a := get(); a.State != "PENDING_PARTNER" || !strings.HasSuffix(a.PairingKey, "/"+haGCPRegion+"/1") {
		t.Fatalf("new partner attachment %+v", a)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var a *compute.InterconnectAttachment
	waitFor(ctx, t, "the partner provisions a1 (PENDING_CUSTOMER)", func() bool { a = get(); return a.State == "PENDING_CUSTOMER" })
	t.Logf("PENDING_PARTNER -> PENDING_CUSTOMER after %.2f s (the partner's line %q)", time.Since(made).Seconds(), a.PartnerMetadata.InterconnectName)
	g.op(g.svc.InterconnectAttachments.Patch(gcpProject, haGCPRegion, "a1", &compute.InterconnectAttachment{AdminEnabled: true}).Do())
	if a = get(); a.State != "ACTIVE" || a.PartnerAsn != 65500 || a.PartnerMetadata.InterconnectName != "pline" {
		t.Fatalf("activated partner attachment %+v", a)
	}
	return a
}

// waitRouterStatus waits for router's getRouterStatus to show its BGP
// peer named peer... Established with the site's 172.16.2.0/24 learned,
// in bestRoutes and bestRoutesForRouter over the attachment.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/routers/getRouterStatus — bgpPeerStatus[].state, numLearnedRoutes; bestRoutes, bestRoutesForRouter
func waitRouterStatus(ctx context.Context, t *testing.T, g gcpLab, router, peer, attachment string) {
	t.Helper()
	start := time.Now()
	var last string
	waitFor(ctx, t, "getRouterStatus: "+peer+" Established with 172.16.2.0/24", func() bool {
		st, err := g.svc.Routers.GetRouterStatus(gcpProject, haGCPRegion, router).Do()
		if err != nil {
			return false
		}
		last = ""
		ok := 0
		for _, p := range st.Result.BgpPeerStatus {
			last += p.Name + " " + p.State + "; "
			if strings.HasPrefix(p.Name, peer) && p.State == "Established" && p.Status == "UP" && p.NumLearnedRoutes == 1 {
				ok++
			}
		}
		for _, routes := range [][]*compute.Route{st.Result.BestRoutes, st.Result.BestRoutesForRouter} {
			if len(routes) == 1 && routes[0].DestRange == "172.16.2.0/24" && strings.HasSuffix(routes[0].NextHopInterconnectAttachment, "/interconnectAttachments/"+attachment) {
				ok++
			}
		}
		return ok == 3
	})
	t.Logf("getRouterStatus shows the session Established with its learned route after %.1f s (%s)", time.Since(start).Seconds(), last)
}
