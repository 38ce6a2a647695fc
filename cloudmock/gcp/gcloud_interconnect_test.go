package gcp_test

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/cloudmock/gcp"
	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// TestGcloudPartnerInterconnect drives Partner Interconnect with gcloud:
// a Cloud Router with ASN 16550, a PARTNER attachment on it (PENDING_PARTNER
// with a pairing key while the lab's partner has no line in the region),
// the partner's line, the customer's activation (ACTIVE, partnerAsn
// 65500), and routers get-status showing the BGP peer the attachment
// manages, DOWN, then Established with the prefix its session learned
// (as the dataplane records it) in bestRoutes, next hop the attachment.
func TestGcloudPartnerInterconnect(t *testing.T) {
	must, _, _, c := gcloudOnCloud(t)
	reg := "--region=us-central1"
	must("networks", "create", "net3", "--subnet-mode=custom")
	must("networks", "subnets", "create", "s3", "--network", "net3", reg, "--range", "10.3.0.0/24")
	must("routers", "create", "rp", "--network", "net3", reg, "--asn", "16550")
	must("interconnects", "attachments", "partner", "create", "p1", reg, "--router", "rp", "--edge-availability-domain", "availability-domain-1")
	if out := must("interconnects", "attachments", "describe", "p1", reg, "--format=value(state,pairingKey)"); !strings.HasPrefix(out, "PENDING_PARTNER\t") ||
		!strings.HasSuffix(strings.TrimSpace(out), "/us-central1/1") {
		t.Fatalf("attachment before the partner: %q", out)
	}
	if _, err := c.ProvisionDXConnectionAt(project, model.Place{Region: "us-central1"}, "partner1", map[string]string{gcp.PartnerLineTag: "true"}); err != nil {
		t.Fatal(err)
	}
	if out := must("interconnects", "attachments", "describe", "p1", reg, "--format=value(state)"); strings.TrimSpace(out) != "PENDING_CUSTOMER" {
		t.Fatalf("attachment the partner provisioned: %q", out)
	}
	must("interconnects", "attachments", "partner", "update", "p1", reg, "--admin-enabled")
	if out := must("interconnects", "attachments", "describe", "p1", reg, "--format=value(state,partnerAsn)"); strings.TrimSpace(out) != "ACTIVE\t65500" {
		t.Fatalf("activated attachment: %q", out)
	}
	status := func() (peer, state string, learned int, best []string) {
		var st struct {
			Result struct {
				BestRoutes []struct {
					DestRange                     string `json:"destRange"`
					NextHopInterconnectAttachment string `json:"nextHopInterconnectAttachment"`
				} `json:"bestRoutes"`
				BgpPeerStatus []struct {
					Name             string `json:"name"`
					State            string `json:"state"`
					NumLearnedRoutes int    `json:"numLearnedRoutes"`
				} `json:"bgpPeerStatus"`
			} `json:"result"`
		}
		if err := json.Unmarshal([]byte(must("routers", "get-status", "rp", reg, "--format=json")), &st); err != nil {
			t.Fatal(err)
		}
		if len(st.Result.BgpPeerStatus) != 1 {
			t.Fatalf("get-status peers %+v", st.Result.BgpPeerStatus)
		}
		for _, r := range st.Result.BestRoutes {
			best = append(best, r.DestRange+" via "+r.NextHopInterconnectAttachment[strings.LastIndex(r.NextHopInterconnectAttachment, "/")+1:])
		}
		p := st.Result.BgpPeerStatus[0]
		return p.Name, p.State, p.NumLearnedRoutes, best
	}
	if peer, state, n, best := status(); !strings.HasPrefix(peer, "auto-ia-bgp-p1-") || state == "Established" || n != 0 || len(best) != 0 {
		t.Fatalf("get-status before the session: %s %s %d %v", peer, state, n, best)
	}
	if err := gcp.SetAttachmentStatus(c, project, "us-central1", "p1", true, []netip.Prefix{netip.MustParsePrefix("172.16.2.0/24")}); err != nil {
		t.Fatal(err)
	}
	if peer, state, n, best := status(); !strings.HasPrefix(peer, "auto-ia-bgp-p1-") || state != "Established" || n != 1 || strings.Join(best, ",") != "172.16.2.0/24 via p1" {
		t.Fatalf("get-status with the session: %s %s %d %v", peer, state, n, best)
	}
}
