package main

import (
	"strings"
	"testing"
)

// TestTunnelSiteLab: an on-prem site that reaches an Azure or a GCP
// transit by tunnel over the emulated internet converges, and the site's
// host and the spoke's workload reach each other as simulate says. The
// site's uplink is served by whichever cloud's process runs the lab's
// internet (before, only AWS's did, and such a site's tunnel never came
// up).
func TestTunnelSiteLab(t *testing.T) {
	for _, tc := range []struct{ name, file string }{
		{"azure", "testdata/azure-site.yaml"},
		{"gcp", "testdata/gcp-site.yaml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lab := deployCloudLab(t, tc.file, "tsl")
			cm := checkMatrix(t, lab)
			if len(cm.Cells) != 2 || cm.Reached() != 2 {
				t.Errorf("%d pairs, %d reach; want prod-app and dc1-app to reach each other", len(cm.Cells), cm.Reached())
			}
		})
	}
}

// TestGCPLineSiteLab: an on-prem site (router frr) on a private line to a
// GCP transit: the controller makes the transit's Cloud Router, a
// DEDICATED VLAN attachment on the lab's interconnect and the router's BGP
// peer; the site's router peers with the Cloud Router over the
// attachment and announces its end of the line, so that its VXLAN
// overlays reach the transit gateways, and the site's host and the
// spoke's workload reach each other both ways, as simulate says; plan
// then finds nothing to do.
func TestGCPLineSiteLab(t *testing.T) {
	const file = "testdata/gcp-line.yaml"
	lab := deployLineSite(t, file, "gls")
	// The Cloud Router's session with the site is up and its one learned
	// route is the site's end of the line.
	// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/routers/getRouterStatus — bgpPeerStatus: status, numLearnedRoutes
	svc, project := gcpService(t, lab)
	rs, err := svc.Routers.List(project, "us-central1").Do()
	if err != nil || len(rs.Items) != 1 {
		t.Fatalf("routers: %+v, %v", rs, err)
	}
	st, err := svc.Routers.GetRouterStatus(project, "us-central1", rs.Items[0].Name).Do()
	if err != nil || st.Result == nil || len(st.Result.BgpPeerStatus) != 1 || st.Result.BgpPeerStatus[0].Status != "UP" || st.Result.BgpPeerStatus[0].NumLearnedRoutes != 1 {
		t.Errorf("router %s status: %+v, %v; want its one peer UP with 1 learned route", rs.Items[0].Name, st, err)
	} else {
		t.Logf("Cloud Router %s: peer %s %s, %d learned route", rs.Items[0].Name, st.Result.BgpPeerStatus[0].IpAddress, st.Result.BgpPeerStatus[0].Status, st.Result.BgpPeerStatus[0].NumLearnedRoutes)
	}
	if out, _, err := run(t, "plan", "-t", file, "--lab", lab); err != nil || strings.TrimSpace(out) != "no changes: the accounts match the intent" {
		t.Errorf("plan of the deployed topology: %v\n%s", err, out)
	}
}

// deployLineSite deploys a topology of one spoke workload (prod-app) and
// one private-line site host (dc1-app) and checks that they reach each
// other both ways, as simulate says.
func deployLineSite(t *testing.T, file, prefix string) string {
	t.Helper()
	lab := deployCloudLab(t, file, prefix)
	if cm := checkMatrix(t, lab); len(cm.Cells) != 2 || cm.Reached() != 2 {
		t.Errorf("%d pairs, %d reach; want prod-app and dc1-app to reach each other", len(cm.Cells), cm.Reached())
	}
	return lab
}
