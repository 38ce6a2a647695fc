package azure

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// deployTemplate is a hand-written template: a VNet from parameters and
// variables, an NSG, and a NIC listed before what it depends on.
const deployTemplate = `{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {"prefix": {"type": "string"}, "space": {"type": "string", "defaultValue": "10.7.0.0/16"}},
  "variables": {"vnet": "[concat(parameters('prefix'), '-vnet')]", "subnetId": "[resourceId('Microsoft.Network/virtualNetworks/subnets', variables('vnet'), 'app')]"},
  "resources": [
    {"type": "Microsoft.Network/networkInterfaces", "apiVersion": "2023-09-01", "name": "[concat(parameters('prefix'), '-nic')]",
     "location": "[resourceGroup().location]",
     "dependsOn": ["[resourceId('Microsoft.Network/virtualNetworks', variables('vnet'))]", "Microsoft.Network/networkSecurityGroups/web-nsg"],
     "properties": {"networkSecurityGroup": {"id": "[resourceId('Microsoft.Network/networkSecurityGroups', 'web-nsg')]"},
       "ipConfigurations": [{"name": "ip1", "properties": {"privateIPAllocationMethod": "Static", "privateIPAddress": "10.7.1.10", "subnet": {"id": "[variables('subnetId')]"}}}]}},
    {"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-09-01", "name": "[variables('vnet')]", "location": "eastus",
     "properties": {"addressSpace": {"addressPrefixes": ["[parameters('space')]"]}, "subnets": [{"name": "app", "properties": {"addressPrefix": "10.7.1.0/24"}}]}},
    {"type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2015-06-15", "name": "web-nsg", "location": "eastus",
     "properties": {"securityRules": [{"name": "deny-web", "properties": {"protocol": "Tcp", "sourcePortRange": "*", "destinationPortRange": "80",
       "sourceAddressPrefix": "Internet", "destinationAddressPrefix": "*", "access": "Deny", "priority": 200, "direction": "Inbound"}}]}}
  ]
}`

// deploy runs a template with parameters through the SDK and waits for
// its outcome.
func deploy(dc *armresources.DeploymentsClient, name string, tpl map[string]any, params map[string]any) error {
	return poll(dc.BeginCreateOrUpdate(context.Background(), "rg1", name, armresources.Deployment{Properties: &armresources.DeploymentProperties{
		Mode: to.Ptr(armresources.DeploymentModeIncremental), Template: tpl, Parameters: wrapParams(params)}}, nil)).err
}

// TestDeploymentsSDK: the Go SDK's DeploymentsClient deploys a template
// whose resources come out of order (the NIC first, depending on the
// VNet and NSG): they are made in dependency order from parameters,
// defaults, variables, concat, resourceId and resourceGroup(); the
// deployment reads back Succeeded with its resources, and a second
// deployment of the same template changes nothing. A missing parameter,
// an unknown function and a circular dependency are 400 InvalidTemplate
// with nothing written; a resource that fails makes the deployment Failed
// with DeploymentFailed and the resource's own error in its details.
func TestDeploymentsSDK(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	gc, err := armresources.NewResourceGroupsClient(testSub, e.cred, e.opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gc.CreateOrUpdate(ctx, "rg1", armresources.ResourceGroup{Location: to.Ptr("eastus")}, nil); err != nil {
		t.Fatal(err)
	}
	dc, err := armresources.NewDeploymentsClient(testSub, e.cred, e.opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := deploy(dc, "web", mustJSON(t, deployTemplate), map[string]any{"prefix": "web"}); err != nil {
		t.Fatalf("deploy: %v", err)
	}
	nicID, err := e.cloud.ByName(testSub, "rg1", model.KindNetworkInterface, "web-nic")
	if err != nil {
		t.Fatalf("the template's NIC: %v", err)
	}
	first, _ := e.cloud.NetworkInterface(testSub, nicID)
	if err := deploy(dc, "web", mustJSON(t, deployTemplate), map[string]any{"prefix": "web"}); err != nil {
		t.Fatalf("deploy again: %v", err)
	}
	if again, _ := e.cloud.NetworkInterface(testSub, nicID); !reflect.DeepEqual(first, again) {
		t.Errorf("the second deployment changed the NIC:\n%+v\n%+v", first, again)
	}
	d, err := dc.Get(ctx, "rg1", "web", nil)
	if err != nil || *d.Properties.ProvisioningState != armresources.ProvisioningStateSucceeded || len(d.Properties.OutputResources) != 3 {
		t.Fatalf("deployment web: %v %+v", err, d.Properties)
	}
	if !strings.HasSuffix(*d.Properties.OutputResources[2].ID, "/networkInterfaces/web-nic") {
		t.Errorf("the NIC was deployed before what it depends on: %s", *d.Properties.OutputResources[2].ID)
	}
	if first.PrivateIP.String() != "10.7.1.10" {
		t.Errorf("NIC web-nic has %s, want 10.7.1.10", first.PrivateIP)
	}
	for _, c := range []struct{ name, tpl, code, msg string }{
		{"noparam", deployTemplate, "InvalidTemplate", "The value for the template parameter 'prefix' is not provided"},
		{"badfn", strings.Replace(deployTemplate, "[resourceGroup().location]", "[uniqueString(resourceGroup().id)]", 1), "InvalidTemplate", "The template function 'uniqueString' is not valid"},
		{"cycle", strings.Replace(deployTemplate, `"location": "eastus",
     "properties": {"addressSpace"`, `"location": "eastus", "dependsOn": ["[concat(parameters('prefix'), '-nic')]"],
     "properties": {"addressSpace"`, 1), "InvalidTemplate", "Circular dependency detected on resource"},
	} {
		params := map[string]any{"prefix": "x"}
		if c.name == "noparam" {
			params = nil
		}
		err := deploy(dc, c.name, mustJSON(t, c.tpl), params)
		var re *azcore.ResponseError
		if !errors.As(err, &re) || re.StatusCode != 400 || re.ErrorCode != c.code || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: %v, want 400 %s %q", c.name, err, c.code, c.msg)
		}
		if _, err := e.cloud.ByName(testSub, "rg1", model.KindNetwork, "x-vnet"); err == nil {
			t.Errorf("%s: the refused template's VNet was made", c.name)
		}
	}
	// A NIC address outside its subnet: the NIC's PUT fails, and with it the deployment.
	bad := strings.Replace(deployTemplate, `"privateIPAddress": "10.7.1.10"`, `"privateIPAddress": "10.9.9.9"`, 1)
	err = deploy(dc, "bad", mustJSON(t, bad), map[string]any{"prefix": "bad"})
	if err == nil || !strings.Contains(err.Error(), "DeploymentFailed") {
		t.Errorf("a failing NIC: %v, want DeploymentFailed", err)
	}
	d, err = dc.Get(ctx, "rg1", "bad", nil)
	if err != nil || *d.Properties.ProvisioningState != armresources.ProvisioningStateFailed || d.Properties.Error == nil ||
		len(d.Properties.Error.Details) != 1 || *d.Properties.Error.Details[0].Code != "PrivateIPAddressNotInSubnet" {
		t.Errorf("deployment bad: %v %+v", err, d.Properties)
	}
}

func mustJSON(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func wrapParams(params map[string]any) map[string]any {
	p := map[string]any{}
	for k, v := range params {
		p[k] = map[string]any{"value": v}
	}
	return p
}
