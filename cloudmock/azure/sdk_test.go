package azure

import (
	"context"
	"slices"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"
)

// TestResourceGroupLifecycle: the Go SDK (armresources, azidentity's
// ClientSecretCredential against the identity endpoint) creates, reads,
// lists, updates, checks and deletes a resource group.
func TestResourceGroupLifecycle(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	rg, err := armresources.NewResourceGroupsClient(testSub, e.cred, e.opts)
	if err != nil {
		t.Fatal(err)
	}
	res, err := rg.CreateOrUpdate(ctx, "Lab-RG", armresources.ResourceGroup{Location: to.Ptr("East US"), Tags: map[string]*string{"env": to.Ptr("lab")}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if *res.ID != "/subscriptions/"+testSub+"/resourceGroups/Lab-RG" || *res.Location != "eastus" || *res.Properties.ProvisioningState != "Succeeded" {
		t.Fatalf("created %+v", res.ResourceGroup)
	}
	got, err := rg.Get(ctx, "lab-rg", nil) // names are case-insensitive
	if err != nil || *got.Name != "Lab-RG" || *got.Tags["env"] != "lab" {
		t.Fatalf("get: %+v %v", got, err)
	}
	if _, err := rg.Update(ctx, "Lab-RG", armresources.ResourceGroupPatchable{Tags: map[string]*string{"env": to.Ptr("ci")}}, nil); err != nil {
		t.Fatal(err)
	}
	var names []string
	for pg := rg.NewListPager(nil); pg.More(); {
		page, err := pg.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range page.Value {
			names = append(names, *g.Name+"="+*g.Tags["env"])
		}
	}
	if !slices.Equal(names, []string{"Lab-RG=ci"}) {
		t.Fatalf("list: %v", names)
	}
	if ex, err := rg.CheckExistence(ctx, "Lab-RG", nil); err != nil || !ex.Success {
		t.Fatalf("check existence: %+v %v", ex, err)
	}
	// Azure: https://learn.microsoft.com/en-us/rest/api/resources/resource-groups/create-or-update — an existing group keeps its location
	_, err = rg.CreateOrUpdate(ctx, "Lab-RG", armresources.ResourceGroup{Location: to.Ptr("westus")}, nil)
	wantCode(t, err, "InvalidResourceGroupLocation", 409)
	_, err = rg.CreateOrUpdate(ctx, "rg2", armresources.ResourceGroup{Location: to.Ptr("atlantis")}, nil)
	wantCode(t, err, "LocationNotAvailableForResourceGroup", 400)
	poll(rg.BeginDelete(ctx, "Lab-RG", nil)).must(t)
	_, err = rg.Get(ctx, "Lab-RG", nil)
	wantCode(t, err, "ResourceGroupNotFound", 404)
}

// makeGroup creates a resource group through the SDK.
func makeGroup(t *testing.T, e *env, name string) {
	t.Helper()
	rg, _ := armresources.NewResourceGroupsClient(testSub, e.cred, e.opts)
	if _, err := rg.CreateOrUpdate(context.Background(), name, armresources.ResourceGroup{Location: to.Ptr("eastus")}, nil); err != nil {
		t.Fatal(err)
	}
}

// clients are the armnetwork clients of a test.
type clients struct {
	vnets   *armnetwork.VirtualNetworksClient
	subnets *armnetwork.SubnetsClient
	nsgs    *armnetwork.SecurityGroupsClient
	rules   *armnetwork.SecurityRulesClient
}

func newClients(t *testing.T, e *env) clients {
	t.Helper()
	f, err := armnetwork.NewClientFactory(testSub, e.cred, e.opts)
	if err != nil {
		t.Fatal(err)
	}
	return clients{f.NewVirtualNetworksClient(), f.NewSubnetsClient(), f.NewSecurityGroupsClient(), f.NewSecurityRulesClient()}
}

// rule is a security rule for the SDK.
func rule(name string, prio int32, dir armnetwork.SecurityRuleDirection, access armnetwork.SecurityRuleAccess, src, port string) *armnetwork.SecurityRule {
	return &armnetwork.SecurityRule{Name: to.Ptr(name), Properties: &armnetwork.SecurityRulePropertiesFormat{
		Priority: to.Ptr(prio), Direction: to.Ptr(dir), Access: to.Ptr(access), Protocol: to.Ptr(armnetwork.SecurityRuleProtocolTCP),
		SourceAddressPrefix: to.Ptr(src), SourcePortRange: to.Ptr("*"), DestinationAddressPrefix: to.Ptr("*"), DestinationPortRange: to.Ptr(port)}}
}

// vnet is a virtual network for the SDK with inline subnets.
func vnet(prefix string, subnets ...*armnetwork.Subnet) armnetwork.VirtualNetwork {
	return armnetwork.VirtualNetwork{Location: to.Ptr("eastus"), Properties: &armnetwork.VirtualNetworkPropertiesFormat{
		AddressSpace: &armnetwork.AddressSpace{AddressPrefixes: []*string{to.Ptr(prefix)}}, Subnets: subnets}}
}

func subnet(name, prefix string, nsg string) *armnetwork.Subnet {
	s := &armnetwork.Subnet{Name: to.Ptr(name), Properties: &armnetwork.SubnetPropertiesFormat{AddressPrefix: to.Ptr(prefix)}}
	if nsg != "" {
		s.Properties.NetworkSecurityGroup = &armnetwork.SecurityGroup{ID: to.Ptr(nsg)}
	}
	return s
}
