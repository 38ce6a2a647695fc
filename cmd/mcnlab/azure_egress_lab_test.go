package main

import (
	"context"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/emulator"
	mcnlab "github.com/mcnlab/mcnlab/lab"
)

// TestAzureEgressLab (root): FQDN egress filtering on Azure
// (testdata/azure-egress.yaml). Read through the Azure SDK, the app
// subnet's route table sends 0.0.0.0/0 to the egress gateway VM's address
// (next hop VirtualAppliance) and the gateway's NIC forwards; VMs resolve
// through Azure-provided DNS (168.63.129.16), and checkFQDNEgress holds.
func TestAzureEgressLab(t *testing.T) {
	lab := deployCloudLab(t, "testdata/azure-egress.yaml", "azeg")
	f := azureNetwork(t, lab)
	if hop := udrHop(t, f.NewRouteTablesClient(), "rg-dev", "dev-vnet-app", "0.0.0.0/0"); hop != "VirtualAppliance 10.30.0.20" {
		t.Errorf("route table dev-vnet-app: 0.0.0.0/0 -> %q, want VirtualAppliance 10.30.0.20 (dev-egress)", hop)
	}
	n, err := f.NewInterfacesClient().Get(context.Background(), "rg-dev", "dev-egress-nic", nil)
	if err != nil {
		t.Fatal(err)
	}
	if fw := n.Properties.EnableIPForwarding; fw == nil || !*fw {
		t.Errorf("NIC dev-egress-nic: IP forwarding %v, want on", fw)
	}
	checkFQDNEgress(t, lab, "168.63.129.16")
}

// TestGCPEgressLab (root): FQDN egress filtering on GCP
// (testdata/gcp-egress.yaml). The app subnet's network tag has the route
// 0.0.0.0/0 with the egress gateway instance as next hop (`mcnlab routes
// tables`, read through the Compute Engine API), instances resolve
// through the metadata server 169.254.169.254, and checkFQDNEgress holds.
func TestGCPEgressLab(t *testing.T) {
	lab := deployCloudLab(t, "testdata/gcp-egress.yaml", "gceg")
	out, _, err := run(t, "routes", "tables", "--lab", lab)
	if re := regexp.MustCompile(`dev-vpc/app\s+tag:\S+\s+0\.0\.0\.0/0\s+dev-egress\s+learned`); err != nil || !re.MatchString(out) {
		t.Errorf("the app subnet's tag has no 0.0.0.0/0 via dev-egress: %v\n%s", err, out)
	}
	checkFQDNEgress(t, lab, "169.254.169.254")
}

// checkFQDNEgress checks the FQDN egress gateway dev-egress of
// azure-egress.yaml or gcp-egress.yaml: dev-app's resolv.conf names the
// cloud's resolver, which answers the internet's names;
// https://api.example.com is answered and https://blocked.example.net,
// served from the same address, is reset; the wildcard rule admits
// www.example.com; the internet sees the gateway's public IP; switching
// the base policy to a deny-list flips the results; each decision is
// logged with its rule.
func checkFQDNEgress(t *testing.T, lab, resolver string) {
	t.Helper()
	if out, err := labExec(lab, "dev-app", "cat", "/etc/resolv.conf"); err != nil || !strings.Contains(out, "nameserver "+resolver+"\n") {
		t.Errorf("dev-app's resolv.conf: %q, %v; want nameserver %s", out, err, resolver)
	}
	if out, err := labExec(lab, "dev-app", "getent", "hosts", "files.example.org"); err != nil || !strings.HasPrefix(out, "192.0.2.30 ") {
		t.Errorf("getent hosts files.example.org at dev-app: %q, %v; want 192.0.2.30", out, err)
	}
	_, instances, err := mcnlab.PlanAndInstances(context.Background(), lab)
	if err != nil {
		t.Fatal(err)
	}
	gw := instances["dev-egress"]
	if !gw.PublicIP.IsValid() {
		t.Fatalf("dev-egress = %+v; want a VM with a public IP", gw)
	}

	curlSteps(t, lab, "10.30.1.10", "allow-list", []egressStep{
		{"https://api.example.com/", "web1 api.example.com /", "api.example.com allow dev: api.example.com tcp/443 (sni)"},
		{"https://blocked.example.net/", "", "blocked.example.net deny : base allow-list (sni)"},
		{"https://www.example.com/", "web1 www.example.com /", "www.example.com allow dev: *.example.com tcp/all (sni)"},
	})
	pingUntil(t, lab, "192.0.2.30", true, 10*time.Second)
	files := netip.MustParseAddr("192.0.2.30")
	if seen := acceptedFrom(t, workloadNS(t, lab, "dev-app"), emulator.NamespaceName(lab, "inet"), files); seen != gw.PublicIP {
		t.Errorf("the internet saw dev-app's connection from %s, want dev-egress's public IP %s", seen, gw.PublicIP)
	} else {
		t.Logf("the internet saw dev-app's connection to files from dev-egress's public IP %s", seen)
	}

	switchToDenyList(t, lab)
	curlSteps(t, lab, "10.30.1.10", "deny-list", []egressStep{
		{"https://api.example.com/", "", "api.example.com deny dev: api.example.com tcp/443 (sni)"},
		{"https://blocked.example.net/", "web1 blocked.example.net /", "blocked.example.net allow : base deny-list (sni)"},
		{"https://www.example.com/", "", "www.example.com deny dev: *.example.com tcp/all (sni)"},
	})
}
