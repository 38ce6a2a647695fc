package main

import (
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/emulator"
)

// azVMCreateScript makes two VMs with az vm create (a template
// deployment each) in one subnet, and prints their IDs and addresses.
const azVMCreateScript = `set -e
eval "$LINES"
az group create -n rg1 -l eastus -o none
az network vnet create -g rg1 -n va -l eastus --address-prefix 10.1.0.0/16 --subnet-name s1 --subnet-prefixes 10.1.1.0/24 -o none
for vm in vm1 vm2; do
  az vm create -g rg1 -n $vm --image Canonical:0001-com-ubuntu-server-jammy:22_04-lts:latest --admin-username azureuser \
    --admin-password 'Lab-Passw0rd!1' --vnet-name va --subnet s1 --public-ip-address "" \
    --query '[id,privateIpAddress,powerState]' -o tsv | tr '\n' ' ' | sed "s/^/$vm=/"; echo
done
`

// TestAzureVMCreateThroughEnv: in a lab serving Azure, az vm create
// (with the lines of mcnlab cloudmock env) deploys two VMs; they run in
// the lab, and the first pings the second's private address.
func TestAzureVMCreateThroughEnv(t *testing.T) {
	lab, lines := serveForEnv(t, "azure", "az", "az not installed (Debian: azure-cli)")
	cmd := exec.CommandContext(t.Context(), "bash", "-c", azVMCreateScript)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "LINES=" + lines, "AZURE_CONFIG_DIR=" + filepath.Join(t.TempDir(), "az")}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("az vm create through cloudmock env: %v\n%s", err, out)
	}
	vms := map[string][]string{}
	for _, l := range strings.Split(string(out), "\n") {
		if name, rest, ok := strings.Cut(l, "="); ok && strings.HasPrefix(name, "vm") {
			vms[name] = strings.Fields(rest)
		}
	}
	if len(vms["vm1"]) != 4 || len(vms["vm2"]) != 4 || vms["vm1"][2]+" "+vms["vm1"][3] != "VM running" {
		t.Fatalf("az vm create: want each VM's ID, address and VM running:\n%s", out)
	}
	dst := netip.MustParseAddr(vms["vm2"][1])
	if !reach(t, emulator.InstanceNamespace(lab, vms["vm1"][0]), dst, 20) {
		t.Fatalf("vm1 (%s) does not reach vm2 at %s", vms["vm1"][1], dst)
	}
	t.Logf("vm1 %s pings vm2 %s", vms["vm1"][1], dst)
}
