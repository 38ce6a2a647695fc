package main

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/emulator/ipsec"
	"github.com/mcnlab/mcnlab/internal/roottest"
	mcnlab "github.com/mcnlab/mcnlab/lab"
)

// TestS2CCloudBGP deploys testdata/s2c-cloud-bgp.yaml: r1 (strongswan,
// FRR beside charon) with a tunnel to the spoke app's first gateway
// instance and a backup tunnel to its HA instance, an eBGP session over
// each. It checks both sessions established at the instances (app-1 with
// r1 at 169.254.10.2, app-2 at 169.254.10.6, AS 65401), r1's LAN learned
// by each through r1's inside address of its tunnel, by the transit and in
// the route tables of the spoke's VPC (toward app-1) and of the other
// spoke's, r1's kernel routes to the spoke's VPC and to the other spoke's
// (which the transit taught the spoke) through app-1's inside address,
// pings both ways between the spoke's workload vh and r1's host dch, and
// the three templates with both neighbours. Then it kills every process
// of app-1 and stops its instance under a ping stream from vh to dch:
// traffic resumes within 5 s over app-2, whose session stays established,
// and the VPC's route to r1's LAN points at app-2.
func TestS2CCloudBGP(t *testing.T) {
	if why := ipsec.Missing(); why != "" {
		roottest.Missing(t, "%s", why)
	}
	lab := deployCloudLab(t, "testdata/s2c-cloud-bgp.yaml", "s2ccb")
	a := netip.MustParseAddr
	lan := netip.MustParsePrefix("10.50.1.0/24")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	gws := map[string]mcnlab.Gateway{}
	for _, name := range []string{"app-1", "app-2", "transit-1"} {
		g, err := mcnlab.FindGateway(ctx, lab, name)
		if err != nil {
			t.Fatal(err)
		}
		gws[name] = g
	}
	sites := map[string]netip.Addr{"app-1": a("169.254.10.2"), "app-2": a("169.254.10.6")}
	for name, site := range sites {
		checkS2CSession(t, lab, gws[name].ID, site)
		waitGWRoute(t, lab, gws[name].ID, lan, []netip.Addr{site})
	}
	waitGWRouteThat(t, lab, gws["transit-1"].ID, lan, func(hops []netip.Addr) bool { return len(hops) > 0 })
	enis := map[string]string{"app-1": instanceENI(t, lab, gws["app-1"].ID), "app-2": instanceENI(t, lab, gws["app-2"].ID)}
	toLAN := func(gw string) func(map[string]string) bool {
		return func(r map[string]string) bool { return r[lan.String()] == enis[gw] }
	}
	if r, _, ok := waitRoutes(t, lab, "app-vpc/app", 10*time.Second, toLAN("app-1")); !ok {
		t.Fatalf("app-vpc/app's route to %s: %v, want toward app-1 (%s)", lan, r, enis["app-1"])
	}
	if r, _, ok := waitRoutes(t, lab, "other-vpc/app", 10*time.Second, func(r map[string]string) bool { return r[lan.String()] != "" }); !ok {
		t.Fatalf("other-vpc/app has no route to %s, which the transit learned from app: %v", lan, r)
	}
	waitKernelRoute(t, lab, "r1", netip.MustParsePrefix("10.1.0.0/16"), a("169.254.10.1"))
	waitKernelRoute(t, lab, "r1", netip.MustParsePrefix("10.2.0.0/16"), a("169.254.10.1"))
	vh := workloadNS(t, lab, "vh")
	s2cReachNS(t, vh, a("10.50.1.10"))
	s2cReach(t, lab, "dch", a("10.1.1.10"))
	s2cReach(t, lab, "dch", a("10.2.1.10"))
	t.Run("templates", func(t *testing.T) { checkCloudBGPTemplates(t, lab) })

	appNS := workloadNS(t, lab, "app-1")
	gap := outageDuring(t, vh, a("10.50.1.10"), func() {
		t.Logf("killing app-1 at %s", time.Now().Format("15:04:05.000"))
		killNamespace(t, appNS)
		stopInstance(t, lab, "app-1", appNS)
	})
	t.Logf("app-1 killed and stopped: longest time without an answer from vh to dch %s", gap.Round(time.Millisecond))
	if gap > 5*time.Second {
		t.Errorf("vh -> dch stopped for %s after app-1 was killed; want at most 5 s", gap)
	}
	checkS2CSession(t, lab, gws["app-2"].ID, sites["app-2"])
	if r, _, ok := waitRoutes(t, lab, "app-vpc/app", 10*time.Second, toLAN("app-2")); !ok {
		t.Errorf("app-vpc/app's route to %s after app-1 died: %v, want toward app-2 (%s)", lan, r, enis["app-2"])
	}
	waitKernelRoute(t, lab, "r1", netip.MustParsePrefix("10.1.0.0/16"), a("169.254.10.5"))
	s2cReach(t, lab, "dch", a("10.1.1.10"))
}

// instanceENI is the network interface of instance id, read with the AWS
// CLI: what the route tables name as a gateway's target.
func instanceENI(t *testing.T, lab, id string) string {
	t.Helper()
	var out struct {
		Reservations []struct {
			Instances []struct {
				NetworkInterfaces []struct{ NetworkInterfaceId string }
			}
		}
	}
	awsCLI(t, lab, &out, "ec2", "describe-instances", "--instance-ids", id)
	if len(out.Reservations) != 1 || len(out.Reservations[0].Instances) != 1 || len(out.Reservations[0].Instances[0].NetworkInterfaces) == 0 {
		t.Fatalf("describe-instances %s: %+v", id, out)
	}
	return out.Reservations[0].Instances[0].NetworkInterfaces[0].NetworkInterfaceId
}

// checkCloudBGPTemplates: `mcnlab s2c config dc` prints, for each
// vendor, the sessions with both of the spoke's gateways (in the spoke's
// AS, which the controller chose: 64600) over their tunnels.
func checkCloudBGPTemplates(t *testing.T, lab string) {
	want := map[string][]string{
		"strongswan": {
			"# dc runs BGP over the tunnel (see the frr template): 169.254.10.2/30 on ipsec0, AS 65401 with neighbour 169.254.10.1 AS 64600, announcing 10.50.1.0/24\n",
			"# dc-ha runs BGP over the tunnel (see the frr template): 169.254.10.6/30 on ipsec0, AS 65401 with neighbour 169.254.10.5 AS 64600, announcing 10.50.1.0/24\n",
			"local_ts = 10.50.1.0/24,169.254.10.6/32\n", "remote_ts = 10.1.0.0/16,10.2.0.0/16,169.254.10.5/32\n",
		},
		"frr": {
			" ip address 169.254.10.2/30\n ip address 169.254.10.6/30\n", "router bgp 65401\n",
			" neighbor 169.254.10.1 remote-as 64600\n", " neighbor 169.254.10.5 remote-as 64600\n", "  network 10.50.1.0/24\n",
		},
		"cisco-ios": {
			" ip address 169.254.10.6 255.255.255.252\n", " neighbor 169.254.10.1 remote-as 64600\n",
			" neighbor 169.254.10.5 remote-as 64600\n", "  neighbor 169.254.10.5 activate\n", "  network 10.50.1.0 mask 255.255.255.0\n",
		},
	}
	checkTemplateLines(t, lab, "dc", want)
}
