package realize

import (
	"net/netip"
	"testing"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// TestPickLink: the DRG sends a destination of an IPSec connection's
// attachment over the first tunnel whose BGP session learned it, else (a
// static route, or one no session learned) over the first tunnel that is
// up, else over the first; an attachment with one link uses it.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/routingonprem.htm — Oracle may use any tunnel that is up to send traffic back to the on-premises network
func TestPickLink(t *testing.T) {
	lan := netip.MustParsePrefix("172.16.1.0/24")
	links := []attPlan{{id: "att", ifTGW: "vg-a-1", vpn: "c", tunnel: 1}, {id: "att", ifTGW: "vg-a-2", vpn: "c", tunnel: 2}}
	up, learned := model.VPNTunnel{Tunnel: model.VPNUp, BGP: model.VPNUp}, model.VPNTunnel{Tunnel: model.VPNUp, BGP: model.VPNUp, Routes: []netip.Prefix{lan}}
	for _, tc := range []struct {
		name    string
		tunnels []model.VPNTunnel
		want    string
	}{
		{"both learned it: the first", []model.VPNTunnel{learned, learned}, "vg-a-1"},
		{"only the second learned it", []model.VPNTunnel{up, learned}, "vg-a-2"},
		{"none learned it: the first up", []model.VPNTunnel{{Tunnel: model.VPNConnecting}, up}, "vg-a-2"},
		{"none up: the first", []model.VPNTunnel{{}, {}}, "vg-a-1"},
		{"not seen yet: the first", nil, "vg-a-1"},
	} {
		s := &snapshot{vpns: []model.VPNConnection{{ID: "c", Tunnels: tc.tunnels}}}
		if got := pickLink(s, links, lan).ifTGW; got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
	if got := pickLink(&snapshot{}, links[1:], lan).ifTGW; got != "vg-a-2" {
		t.Errorf("one link: %s, want vg-a-2", got)
	}
}
