package main

import "testing"

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
