package azure

import (
	"encoding/json"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/internal/roottest"
)

// TestAzureCLI drives the server with Debian's az (azure-cli 2.45) as
// ../shared/background/cloud-clients.md §1.1 describes: the cloud
// registered with the 2020-09-01-hybrid profile and an ADFS-shaped
// authority, the server's CA in REQUESTS_CA_BUNDLE, a service principal.
func TestAzureCLI(t *testing.T) {
	e, az, must := azCLI(t)
	must("group", "create", "-n", "rg1", "-l", "eastus")
	must("network", "nsg", "create", "-g", "rg1", "-n", "nsg1")
	must("network", "nsg", "rule", "create", "-g", "rg1", "--nsg-name", "nsg1", "-n", "deny-ssh", "--priority", "200",
		"--access", "Deny", "--protocol", "Tcp", "--destination-port-ranges", "22", "--source-address-prefixes", "Internet")
	must("network", "vnet", "create", "-g", "rg1", "-n", "v1", "-l", "eastus", "--address-prefix", "10.0.0.0/16",
		"--subnet-name", "s1", "--subnet-prefixes", "10.0.1.0/24")
	must("network", "vnet", "subnet", "create", "-g", "rg1", "--vnet-name", "v1", "-n", "s2",
		"--address-prefixes", "10.0.2.0/24", "--network-security-group", "nsg1")
	var v struct {
		Properties struct {
			Subnets []struct {
				Name       string
				Properties struct {
					NetworkSecurityGroup *struct{ ID string }
				}
			}
		}
	}
	out := must("network", "vnet", "show", "-g", "rg1", "-n", "v1", "-o", "json")
	if err := json.Unmarshal([]byte(out), &v.Properties); err != nil || len(v.Properties.Subnets) != 2 {
		t.Fatalf("vnet show: %v\n%s", err, out)
	}
	out = must("network", "nsg", "show", "-g", "rg1", "-n", "nsg1", "--query", "[length(securityRules), length(defaultSecurityRules), length(subnets)]", "-o", "tsv")
	if strings.Join(strings.Fields(out), " ") != "1 6 1" {
		t.Fatalf("nsg show (rules, default rules, subnets): %q", out)
	}
	if out := must("network", "vnet", "list", "--query", "[].name", "-o", "tsv"); strings.TrimSpace(out) != "v1" {
		t.Fatalf("vnet list: %q", out)
	}
	out, err := az("network", "vnet", "subnet", "create", "-g", "rg1", "--vnet-name", "v1", "-n", "s3", "--address-prefixes", "10.9.0.0/24")
	if err == nil || !strings.Contains(out, "NetcfgSubnetRangeOutsideVnet") {
		t.Fatalf("a subnet outside the VNet: %v\n%s", err, out)
	}
	out, err = az("network", "nsg", "rule", "create", "-g", "rg1", "--nsg-name", "nsg1", "-n", "dup", "--priority", "200",
		"--access", "Allow", "--protocol", "Tcp", "--destination-port-ranges", "80")
	if err == nil || !strings.Contains(out, "SecurityRuleConflict") {
		t.Fatalf("a duplicate priority: %v\n%s", err, out)
	}
	// Debian's az cannot load the route-table commands (cloud-clients.md §1.1.5): az resource, through the provider metadata.
	must("resource", "create", "-g", "rg1", "-n", "rt1", "--resource-type", "Microsoft.Network/routeTables", "-l", "eastus",
		"-p", `{"routes":[{"name":"nva","properties":{"addressPrefix":"0.0.0.0/0","nextHopType":"VirtualAppliance","nextHopIpAddress":"10.0.1.4"}}]}`)
	if out := must("resource", "show", "-g", "rg1", "-n", "rt1", "--resource-type", "Microsoft.Network/routeTables",
		"--query", "properties.routes[0].properties.nextHopIpAddress", "-o", "tsv"); strings.TrimSpace(out) != "10.0.1.4" {
		t.Fatalf("az resource show of the route table: %q", out)
	}
	must("network", "vnet", "delete", "-g", "rg1", "-n", "v1")
	must("network", "nsg", "delete", "-g", "rg1", "-n", "nsg1")
	must("group", "delete", "-n", "rg1", "--yes")
	if n := len(e.cloud.Networks(testSub)) + len(e.cloud.RuleSets(testSub, "")) + len(e.cloud.RouteTables(testSub)) + len(e.cloud.Scopes(testSub)); n != 0 {
		t.Fatalf("%d objects left after the deletes", n)
	}
}

// azCLI starts a server (newEnv), registers it as a cloud with a fresh az configuration and
// logs in as the test principal; az runs az and returns its output, must
// fails the test when az fails.
func azCLI(t *testing.T) (e *env, az func(args ...string) (string, error), must func(args ...string) string) {
	t.Helper()
	bin, err := exec.LookPath("az")
	if err != nil {
		roottest.Missing(t, "az not installed (Debian: azure-cli)")
	}
	if testing.Short() {
		t.Skip("slow: starts the Azure CLI")
	}
	e = newEnv(t)
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: e.ts.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	az = func(args ...string) (string, error) {
		cmd := exec.CommandContext(t.Context(), bin, args...)
		cmd.Env = append(os.Environ(), "AZURE_CONFIG_DIR="+filepath.Join(dir, "az"), "AZURE_CORE_COLLECT_TELEMETRY=false",
			"AZURE_CORE_NO_COLOR=true", "AZURE_CORE_ONLY_SHOW_ERRORS=true", "REQUESTS_CA_BUNDLE="+ca)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	must = func(args ...string) string {
		t.Helper()
		out, err := az(args...)
		if err != nil {
			t.Fatalf("az %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	must("cloud", "register", "-n", "mcnlab", "--endpoint-resource-manager", e.ts.URL+"/", "--profile", "2020-09-01-hybrid")
	must("cloud", "set", "-n", "mcnlab")
	must("login", "--service-principal", "-u", testApp, "-p", testSecret, "--tenant", testTenant)
	if out := must("account", "show", "--query", "id", "-o", "tsv"); strings.TrimSpace(out) != testSub {
		t.Fatalf("account show: %q", out)
	}
	return e, az, must
}
