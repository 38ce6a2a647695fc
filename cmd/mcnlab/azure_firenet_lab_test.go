package main

import (
	"net/netip"
	"regexp"
	"testing"
)

const azureFireNetTopology = "testdata/azure-firenet.yaml"

// TestAzureFireNetLab (root): FireNet on an Azure transit. The matrix is
// as the intent says (prod and dev reach each other; the services'
// verdicts, ICMP allowed and tcp/22 denied by the firewalls' rule, probed);
// pings from prod-app to dev-app raise the transit gateway's steering
// counters by what was sent; dev-app sees the connection from prod-app's
// own address (no SNAT); and tcp/22 is dropped by the carrying
// firewall's rule (its counter rises) while ICMP passes. The transit
// subnet's route table (read through Azure Resource Manager by `mcnlab
// routes tables`) sends both domains' prefixes to the transit gateway:
// the firewalls' way back.
func TestAzureFireNetLab(t *testing.T) {
	lab := deployCloudLab(t, azureFireNetTopology, "azfn")
	checkMatrix(t, lab)
	out, _, err := run(t, "routes", "tables", "--lab", lab)
	for _, p := range []string{"10.1.0.0/16", "10.2.0.0/16"} {
		if re := regexp.MustCompile(`transit-vnet/gw\s+\S+\s+` + regexp.QuoteMeta(p) + `\s+transit-1\s+learned`); err != nil || !re.MatchString(out) {
			t.Errorf("the transit subnet's route table does not send %s to transit-1: %v\n%s", p, err, out)
		}
	}
	prod, dev := workloadNS(t, lab, "prod-app"), workloadNS(t, lab, "dev-app")
	src, dst := netip.MustParseAddr("10.1.1.10"), netip.MustParseAddr("10.2.1.10")
	before := steered(t, lab)
	if !reach(t, prod, dst, 5) {
		t.Fatal("prod-app does not reach dev-app")
	}
	after := steered(t, lab)
	var total uint64
	for fw, n := range after {
		if d := n - before[fw]; d > 0 {
			total += d
			t.Logf("%s: %d packets steered to it for 5 pings", fw, d)
		}
	}
	if total < 10 {
		t.Fatalf("the firewalls were steered %d packets for 5 echo requests and their replies, want 10 or more: %v -> %v", total, before, after)
	}
	if got := acceptedFrom(t, prod, dev, dst); got != src {
		t.Errorf("dev-app saw the connection from %s, want prod-app's own %s", got, src)
	}
	// tcp/22 may take either firewall (5-tuple hash): count both rules.
	rule := func() (n uint64) {
		for _, fw := range []string{"fw1", "fw2"} {
			n += firewallRule(t, lab, fw)
		}
		return n
	}
	dropped22(t, prod, dst, "the firewalls", rule)
	if !reach(t, prod, dst, 3) {
		t.Errorf("ICMP stopped passing")
	}
}
