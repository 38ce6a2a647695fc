package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// azScript runs Debian's az (azure-cli 2.45) as a user of the lab does
// after `eval "$(mcnlab cloudmock env --provider azure)"`: the network
// commands of issue 11 (vnet, nsg and rules, public-ip, nic, vnet
// peering), each as az sends it, and prints what a user checks.
const azScript = `set -e
eval "$LINES"
echo "config=$AZURE_CONFIG_DIR"
az account show --query id -o tsv
az group create -n rg1 -l eastus -o none
az network nsg create -g rg1 -n nsg1 -o none
az network nsg rule create -g rg1 --nsg-name nsg1 -n web --priority 100 --destination-port-ranges 80 443 -o none
az network vnet create -g rg1 -n va -l eastus --address-prefix 10.1.0.0/16 --subnet-name s1 --subnet-prefixes 10.1.1.0/24 -o none
az network vnet create -g rg1 -n vb -l eastus --address-prefix 10.2.0.0/16 --subnet-name s1 --subnet-prefixes 10.2.1.0/24 -o none
az network public-ip create -g rg1 -n pip1 --sku Standard -o none
az network nic create -g rg1 -n nic1 --vnet-name va --subnet s1 --network-security-group nsg1 --public-ip-address pip1 --private-ip-address 10.1.1.10 -o none
az network vnet peering create -g rg1 -n a-b --vnet-name va --remote-vnet vb --allow-vnet-access -o none
az network vnet peering create -g rg1 -n b-a --vnet-name vb --remote-vnet va --allow-vnet-access -o none
echo "peering=$(az network vnet peering list -g rg1 --vnet-name va --query '[0].peeringState' -o tsv)"
echo "rule=$(az network nsg show -g rg1 -n nsg1 --query "join(' ', [securityRules[0].protocol, join(',', securityRules[0].destinationPortRanges)])" -o tsv)"
echo "nic=$(az network nic list -g rg1 --query '[0].ipConfigurations[0].privateIpAddress' -o tsv)"
echo "pip=$(az network public-ip list -g rg1 --query '[0].ipAddress' -o tsv)"
`

// TestAzureCLIThroughEnv: in a lab whose cloud serves Azure (cloudmock
// serve --provider azure --lab), a shell that evals what `mcnlab
// cloudmock env --provider azure` prints runs plain az network commands
// against the lab: with AZURE_CONFIG_DIR set the lines keep it, without
// it they use ~/.azure-mcnlab-LAB; the objects land in the lab's cloud.
func TestAzureCLIThroughEnv(t *testing.T) {
	lab, lines := serveForEnv(t, "azure", "az", "az not installed (Debian: azure-cli)")
	home := t.TempDir()
	cfg := filepath.Join(t.TempDir(), "mine")
	for _, set := range []bool{true, false} {
		env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "LINES=" + lines}
		want := filepath.Join(home, ".azure-mcnlab-"+lab)
		if set {
			env, want = append(env, "AZURE_CONFIG_DIR="+cfg), cfg
		}
		script := azScript
		if !set {
			// the second run finds the cloud registered and the objects made
			script = "set -e\neval \"$LINES\"\necho \"config=$AZURE_CONFIG_DIR\"\naz account show --query id -o tsv\n" +
				`echo "nic=$(az network nic list -g rg1 --query '[0].ipConfigurations[0].privateIpAddress' -o tsv)"` + "\n"
		}
		cmd := exec.CommandContext(t.Context(), "bash", "-c", script)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("az through cloudmock env (AZURE_CONFIG_DIR set: %v): %v\n%s", set, err, out)
		}
		got := string(out)
		for _, w := range []string{"config=" + want + "\n", "nic=10.1.1.10\n"} {
			if !strings.Contains(got, w) {
				t.Errorf("AZURE_CONFIG_DIR set %v: output lacks %q:\n%s", set, w, got)
			}
		}
		if set {
			for _, w := range []string{"peering=Connected\n", "rule=* 80,443\n", "pip=203.0.113."} {
				if !strings.Contains(got, w) {
					t.Errorf("output lacks %q:\n%s", w, got)
				}
			}
		}
	}
}
