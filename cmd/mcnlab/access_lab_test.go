package main

import (
	"os/exec"
	"testing"

	"github.com/mcnlab/mcnlab/emulator/ipsec"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

// TestAccessLab deploys topologies/access.yaml once and checks both of
// its halves: site to cloud (checkSiteToCloud: SAs, mapped traffic, no
// packet at the wrong branch), the user VPN's personas (checkUserVPN),
// then the spoke gateway's daemon killed alone (checkDaemonRestart) and
// with its charon (checkApplianceRestart), and last, since it stops the
// instance, the site-to-cloud failover to the HA gateway (checkFailover).
func TestAccessLab(t *testing.T) {
	if _, err := exec.LookPath("openvpn"); err != nil {
		roottest.Missing(t, "openvpn is not installed: %v", err)
	}
	if why := ipsec.Missing(); why != "" {
		roottest.Missing(t, "%s", why)
	}
	lab := deployCloudLab(t, "../../topologies/access.yaml", "acc")
	t.Run("site to cloud", func(t *testing.T) { checkSiteToCloud(t, lab) })
	t.Run("user VPN", func(t *testing.T) { checkUserVPN(t, lab) })
	t.Run("gateway daemon restart", func(t *testing.T) { checkDaemonRestart(t, lab) })
	t.Run("gateway appliance restart", func(t *testing.T) { checkApplianceRestart(t, lab) })
	t.Run("failover", func(t *testing.T) { checkFailover(t, lab) })
}
