package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/internal/roottest"
	mcnlab "github.com/mcnlab/mcnlab/lab"
)

// azVMScript makes a NIC with az, the VM on it with the ARM PUT that the
// Go SDK's armcompute sends (through az rest; az vm create, a template
// deployment, is TestAzureVMCreateThroughEnv's), and then works the VM with the
// az vm commands a user has: list, show (-d), stop, get-instance-view,
// start, deallocate, restart, az resource show, delete.
const azVMScript = `set -e
eval "$LINES"
SUB=$(az account show --query id -o tsv)
az group create -n rg1 -l eastus -o none
az network vnet create -g rg1 -n va -l eastus --address-prefix 10.1.0.0/16 --subnet-name s1 --subnet-prefixes 10.1.1.0/24 -o none
az network nic create -g rg1 -n nic1 --vnet-name va --subnet s1 --private-ip-address 10.1.1.10 -o none
NIC=/subscriptions/$SUB/resourceGroups/rg1/providers/Microsoft.Network/networkInterfaces/nic1
az rest --method put --url "/subscriptions/$SUB/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/gw1?api-version=2024-11-01" -o none --body \
  '{"location":"eastus","zones":["2"],"properties":{"hardwareProfile":{"vmSize":"Standard_B1s"},"storageProfile":{"imageReference":{"publisher":"mcnlab","offer":"gateway","sku":"lab","version":"latest"}},"osProfile":{"adminUsername":"azureuser","adminPassword":"Lab-Passw0rd!1"},"networkProfile":{"networkInterfaces":[{"id":"'$NIC'"}]}}}'
echo "list=$(az vm list --query '[].[name,zones[0]]' -o tsv | tr '\t' ,)"
echo "show=$(az vm show -g rg1 -n gw1 --query '[hardwareProfile.vmSize,storageProfile.imageReference.offer,osProfile.adminPassword]' -o tsv | tr '\n' ,)"
echo "details=$(az vm show -d -g rg1 -n gw1 --query '[powerState,privateIps]' -o tsv | tr '\n' ,)"
az vm stop -g rg1 -n gw1 -o none 2>/dev/null
echo "stopped=$(az vm get-instance-view -g rg1 -n gw1 --query 'instanceView.statuses[1].code' -o tsv)"
az vm start -g rg1 -n gw1 -o none
echo "started=$(az vm get-instance-view -g rg1 -n gw1 --query 'instanceView.statuses[1].code' -o tsv)"
az vm deallocate -g rg1 -n gw1 -o none
echo "deallocated=$(az vm get-instance-view -g rg1 -n gw1 --query 'instanceView.statuses[1].code' -o tsv)"
az vm restart -g rg1 -n gw1 -o none 2>&1 | head -1 | sed 's/^/restart=/' || true
echo "resource=$(az resource show -g rg1 -n gw1 --resource-type Microsoft.Compute/virtualMachines --query properties.provisioningState -o tsv)"
echo "nic=$(az network nic list -g rg1 --query '[0].virtualMachine.id' -o tsv)"
az vm delete -g rg1 -n gw1 --yes -o none
echo "after=$(az vm list --query 'length(@)')"
`

// TestAzureVMCLIThroughEnv: in a lab serving Azure, with the lines of
// `mcnlab cloudmock env`, az lists, shows, stops, starts, deallocates and
// deletes a VM of the lab's gateway image (made with armcompute's PUT,
// which returns once its mcnlab gateway daemon answers),
// sees its power state move, gets Azure's OperationNotAllowed for a
// restart of a deallocated VM, never sees its admin password, and finds
// the NIC naming the VM.
func TestAzureVMCLIThroughEnv(t *testing.T) {
	roottest.Require(t)
	bin := roottest.MCNLab(t)
	old := cloudGatewayCommand
	cloudGatewayCommand = func() ([]string, error) { return []string{bin}, nil } // this test runs a test binary
	t.Cleanup(func() { cloudGatewayCommand = old })
	lab, lines := serveForEnv(t, "azure", "az", "az not installed (Debian: azure-cli)")
	cmd := exec.CommandContext(t.Context(), "bash", "-c", azVMScript)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "LINES=" + lines, "AZURE_CONFIG_DIR=" + filepath.Join(t.TempDir(), "az")}
	out, err := cmd.CombinedOutput()
	if err != nil {
		logs, _ := filepath.Glob(filepath.Join(state.Dir(lab), "gw", "*.log"))
		for _, f := range logs {
			t.Logf("%s:\n%s", f, mcnlab.Tail(f, 20))
		}
		t.Fatalf("az vm through cloudmock env: %v\n%s", err, out)
	}
	for _, w := range []string{"list=gw1,2\n", "show=Standard_B1s,gateway,None,\n", "details=VM running,10.1.1.10,\n",
		"stopped=PowerState/stopped\n", "started=PowerState/running\n", "deallocated=PowerState/deallocated\n",
		"restart=ERROR: (OperationNotAllowed) Operation 'restart' is not allowed on VM 'gw1' since the VM is deallocated.\n",
		"resource=Succeeded\n", "/virtualMachines/gw1\n", "after=0\n"} {
		if !strings.Contains(string(out), w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}
