package azure

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestAzureCLIVMCreate: Debian's az 2.45 creates VMs with az vm create,
// which reads the image's versions and deploys an ARM template
// (Microsoft.Resources/deployments) of the VM, its NIC, public IP, NSG
// and, where the group has no VNet, the VNet: in an existing subnet, in a
// new VNet, and, with an address outside the subnet, a deployment that
// fails with DeploymentFailed naming the NIC's error.
func TestAzureCLIVMCreate(t *testing.T) {
	_, az, must := azCLI(t)
	must("group", "create", "-n", "rg1", "-l", "eastus")
	must("network", "vnet", "create", "-g", "rg1", "-n", "v1", "-l", "eastus", "--address-prefix", "10.0.0.0/16",
		"--subnet-name", "s1", "--subnet-prefixes", "10.0.1.0/24")
	var vm struct{ PowerState, PrivateIPAddress, PublicIPAddress, ID string }
	out := must("vm", "create", "-g", "rg1", "-n", "vm1", "--image", "Canonical:0001-com-ubuntu-server-jammy:22_04-lts:latest",
		"--admin-username", "azureuser", "--admin-password", "Lab-Passw0rd!1", "--size", "Standard_B1s", "--vnet-name", "v1", "--subnet", "s1")
	if err := json.Unmarshal([]byte(out), &vm); err != nil || vm.PowerState != "VM running" || vm.PrivateIPAddress != "10.0.1.4" || vm.PublicIPAddress == "" {
		t.Fatalf("az vm create vm1: %v\n%s", err, out)
	}
	if out := must("network", "nsg", "show", "-g", "rg1", "-n", "vm1NSG", "--query", "securityRules[0].[name,priority,access]", "-o", "tsv"); strings.Join(strings.Fields(out), " ") != "default-allow-ssh 1000 Allow" {
		t.Errorf("vm1's NSG from the template: %q", out)
	}
	if out := must("vm", "show", "-g", "rg1", "-n", "vm1", "--query", "[storageProfile.imageReference.offer,networkProfile.networkInterfaces[0].id]", "-o", "tsv"); !strings.Contains(out, "0001-com-ubuntu-server-jammy") || !strings.Contains(out, "/networkInterfaces/vm1VMNic") {
		t.Errorf("az vm show vm1: %q", out)
	}
	// A group without a VNet: the template makes one.
	must("group", "create", "-n", "rg2", "-l", "eastus")
	out = must("vm", "create", "-g", "rg2", "-n", "vm2", "--image", "mcnlab:gateway:lab:latest", "--admin-username", "azureuser",
		"--admin-password", "Lab-Passw0rd!1", "--public-ip-address", "", "--nsg", "")
	if err := json.Unmarshal([]byte(out), &vm); err != nil || vm.PowerState != "VM running" || vm.PublicIPAddress != "" || !strings.HasPrefix(vm.PrivateIPAddress, "10.0.0.") {
		t.Fatalf("az vm create vm2: %v\n%s", err, out)
	}
	if out := must("network", "vnet", "list", "-g", "rg2", "--query", "[].[name,addressSpace.addressPrefixes[0]]", "-o", "tsv"); strings.Join(strings.Fields(out), " ") != "vm2VNET 10.0.0.0/16" {
		t.Errorf("rg2's VNet from the template: %q", out)
	}
	if out := must("deployment", "group", "list", "-g", "rg2", "--query", "[].properties.provisioningState", "-o", "tsv"); strings.TrimSpace(out) != "Succeeded" {
		t.Errorf("az deployment group list -g rg2: %q", out)
	}
	out, err := az("vm", "create", "-g", "rg1", "-n", "vm3", "--image", "Canonical:0001-com-ubuntu-server-jammy:22_04-lts:latest",
		"--admin-username", "azureuser", "--admin-password", "Lab-Passw0rd!1", "--vnet-name", "v1", "--subnet", "s1", "--private-ip-address", "10.0.9.9")
	if err == nil || !strings.Contains(out, "DeploymentFailed") || !strings.Contains(out, "PrivateIPAddressNotInSubnet") {
		t.Errorf("az vm create with an address outside the subnet: %v\n%s", err, out)
	}
	if out := must("vm", "list", "--query", "[].name", "-o", "tsv"); strings.Join(strings.Fields(out), " ") != "vm1 vm2" {
		t.Errorf("az vm list: %q", out)
	}
}
