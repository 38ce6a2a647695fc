package azure

import (
	"context"
	"net/netip"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// TestVNetSubnetsAndNSG: the Go SDK (armnetwork/v9, api-version
// 2025-05-01) makes an NSG with rules, a VNet with inline subnets, one of
// them associated with the NSG, a subnet as a child resource and a rule as
// a child resource; reads, lists, updates and deletes them; all of it is
// the model's state.
func TestVNetSubnetsAndNSG(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	makeGroup(t, e, "rg1")
	c := newClients(t, e)
	in, out := armnetwork.SecurityRuleDirectionInbound, armnetwork.SecurityRuleDirectionOutbound
	allow, deny := armnetwork.SecurityRuleAccessAllow, armnetwork.SecurityRuleAccessDeny
	nsg := poll(c.nsgs.BeginCreateOrUpdate(ctx, "rg1", "web-nsg", armnetwork.SecurityGroup{Location: to.Ptr("eastus"),
		Properties: &armnetwork.SecurityGroupPropertiesFormat{SecurityRules: []*armnetwork.SecurityRule{
			rule("deny-ssh", 200, in, deny, "Internet", "22"),
			rule("allow-web", 300, in, allow, "*", "80-443"),
			rule("allow-vnet-out", 100, out, allow, "*", "*"),
		}}}, nil)).must(t)
	if len(nsg.Properties.SecurityRules) != 3 || len(nsg.Properties.DefaultSecurityRules) != 6 || *nsg.Etag == "" {
		t.Fatalf("NSG: %d rules, %d default rules, etag %v", len(nsg.Properties.SecurityRules), len(nsg.Properties.DefaultSecurityRules), nsg.Etag)
	}
	v := poll(c.vnets.BeginCreateOrUpdate(ctx, "rg1", "hub", vnet("10.10.0.0/16",
		subnet("web", "10.10.1.0/24", *nsg.ID), subnet("db", "10.10.2.0/24", "")), nil)).must(t)
	if *v.ID != "/subscriptions/"+testSub+"/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/hub" ||
		len(v.Properties.Subnets) != 2 || *v.Properties.ProvisioningState != armnetwork.ProvisioningStateSucceeded {
		t.Fatalf("VNet: %+v", v.VirtualNetwork)
	}
	web, err := c.subnets.Get(ctx, "RG1", "HUB", "Web", nil)
	if err != nil || *web.Properties.NetworkSecurityGroup.ID != *nsg.ID || *web.ID != *v.ID+"/subnets/web" {
		t.Fatalf("subnet web: %+v %v", web.Subnet, err)
	}
	// A subnet as a child resource, then a rule as one.
	app := poll(c.subnets.BeginCreateOrUpdate(ctx, "rg1", "hub", "app", *subnet("app", "10.10.3.0/24", *nsg.ID), nil)).must(t)
	if *app.Properties.AddressPrefix != "10.10.3.0/24" {
		t.Fatalf("app subnet: %+v", app.Properties)
	}
	r := poll(c.rules.BeginCreateOrUpdate(ctx, "rg1", "web-nsg", "allow-lb", *rule("allow-lb", 400, in, allow, "AzureLoadBalancer", "8080"), nil)).must(t)
	if *r.Properties.SourceAddressPrefix != "AzureLoadBalancer" || *r.Properties.DestinationPortRange != "8080" {
		t.Fatalf("rule: %+v", r.Properties)
	}
	// The model holds it all: the NSG's rules and its two subnets.
	rs, err := e.cloud.RuleSet(testSub, model.FlavorNSG, *nsg.ID)
	if err != nil || len(rs.Rules) != 4 || len(rs.Attachments) != 2 {
		t.Fatalf("model NSG: %+v %v", rs, err)
	}
	got, err := c.nsgs.Get(ctx, "rg1", "web-nsg", nil)
	if err != nil || len(got.Properties.Subnets) != 2 || *got.Etag == *nsg.Etag {
		t.Fatalf("NSG after: %+v %v", got.Properties, err)
	}
	checkLists(t, c)
	// Update: a second address prefix (another RFC 1918 range, which Azure
	// allows and AWS does not) and tags; subnets kept as listed.
	upd := vnet("10.10.0.0/16", subnet("web", "10.10.1.0/24", ""), subnet("app", "10.10.3.0/24", *nsg.ID))
	upd.Properties.AddressSpace.AddressPrefixes = append(upd.Properties.AddressSpace.AddressPrefixes, to.Ptr("192.168.0.0/24"))
	upd.Tags = map[string]*string{"tier": to.Ptr("hub")}
	v2 := poll(c.vnets.BeginCreateOrUpdate(ctx, "rg1", "hub", upd, nil)).must(t)
	if len(v2.Properties.AddressSpace.AddressPrefixes) != 2 || len(v2.Properties.Subnets) != 2 || *v2.Tags["tier"] != "hub" || *v2.Etag == *v.Etag {
		t.Fatalf("updated VNet: %+v", v2.Properties)
	}
	// Azure: https://learn.microsoft.com/en-us/rest/api/virtualnetwork/virtual-networks/create-or-update — the db subnet, left out, is gone
	_, err = c.subnets.Get(ctx, "rg1", "hub", "db", nil)
	wantCode(t, err, "NotFound", 404)
	// An NSG in use cannot be deleted; once free it can.
	_, err = c.nsgs.BeginDelete(ctx, "rg1", "web-nsg", nil)
	wantCode(t, err, "InUseNetworkSecurityGroupCannotBeDeleted", 400)
	poll(c.subnets.BeginDelete(ctx, "rg1", "hub", "app", nil)).must(t)
	poll(c.rules.BeginDelete(ctx, "rg1", "web-nsg", "deny-ssh", nil)).must(t)
	poll(c.nsgs.BeginDelete(ctx, "rg1", "web-nsg", nil)).must(t)
	poll(c.vnets.BeginDelete(ctx, "rg1", "hub", nil)).must(t)
	_, err = c.vnets.Get(ctx, "rg1", "hub", nil)
	wantCode(t, err, "ResourceNotFound", 404)
	if n := len(e.cloud.Networks(testSub)) + len(e.cloud.Subnets(testSub)) + len(e.cloud.RuleSets(testSub, "")); n != 0 {
		t.Fatalf("%d objects left in the model", n)
	}
}

// checkLists lists VNets at subscription and group scope, subnets and
// rules through the SDK's pagers.
func checkLists(t *testing.T, c clients) {
	t.Helper()
	ctx := context.Background()
	count := func(more func() bool, next func() (int, error)) int {
		n := 0
		for more() {
			k, err := next()
			if err != nil {
				t.Fatal(err)
			}
			n += k
		}
		return n
	}
	all := c.vnets.NewListAllPager(nil)
	inRG := c.vnets.NewListPager("rg1", nil)
	subs := c.subnets.NewListPager("rg1", "hub", nil)
	rules := c.rules.NewListPager("rg1", "web-nsg", nil)
	got := []int{
		count(all.More, func() (int, error) { p, err := all.NextPage(ctx); return len(p.Value), err }),
		count(inRG.More, func() (int, error) { p, err := inRG.NextPage(ctx); return len(p.Value), err }),
		count(subs.More, func() (int, error) { p, err := subs.NextPage(ctx); return len(p.Value), err }),
		count(rules.More, func() (int, error) { p, err := rules.NextPage(ctx); return len(p.Value), err }),
	}
	if got[0] != 1 || got[1] != 1 || got[2] != 3 || got[3] != 4 {
		t.Fatalf("lists (vnets all, vnets in rg, subnets, rules) = %v", got)
	}
}

// TestNetworkErrors: Azure's error codes for a subnet outside its VNet, a
// too small subnet, overlapping subnets, a duplicate rule priority (inline
// and as a child), a priority out of range, and deleting a subnet in use.
func TestNetworkErrors(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	makeGroup(t, e, "rg1")
	c := newClients(t, e)
	_, err := c.vnets.BeginCreateOrUpdate(ctx, "rg1", "v", vnet("10.0.0.0/16", subnet("s", "10.1.0.0/24", "")), nil)
	wantCode(t, err, "NetcfgSubnetRangeOutsideVnet", 400)
	_, err = c.vnets.BeginCreateOrUpdate(ctx, "rg1", "v", vnet("10.0.0.0/16", subnet("s", "10.0.0.0/30", "")), nil)
	wantCode(t, err, "NetcfgInvalidSubnet", 400)
	_, err = c.vnets.BeginCreateOrUpdate(ctx, "rg1", "v", vnet("10.0.0.0/16", subnet("a", "10.0.0.0/24", ""), subnet("b", "10.0.0.128/25", "")), nil)
	wantCode(t, err, "NetcfgSubnetRangesOverlap", 400)
	_, err = c.vnets.BeginCreateOrUpdate(ctx, "rg1", "v", vnet("10.0.0.5/16"), nil)
	wantCode(t, err, "InvalidCIDRNotation", 400)
	if n := len(e.cloud.Networks(testSub)); n != 0 {
		t.Fatalf("a refused VNet left %d networks", n)
	}
	in := armnetwork.SecurityRuleDirectionInbound
	allow := armnetwork.SecurityRuleAccessAllow
	_, err = c.nsgs.BeginCreateOrUpdate(ctx, "rg1", "n", armnetwork.SecurityGroup{Location: to.Ptr("eastus"),
		Properties: &armnetwork.SecurityGroupPropertiesFormat{SecurityRules: []*armnetwork.SecurityRule{
			rule("a", 200, in, allow, "*", "22"), rule("b", 200, in, allow, "*", "80")}}}, nil)
	wantCode(t, err, "SecurityRuleConflict", 400)
	poll(c.nsgs.BeginCreateOrUpdate(ctx, "rg1", "n", armnetwork.SecurityGroup{Location: to.Ptr("eastus"),
		Properties: &armnetwork.SecurityGroupPropertiesFormat{SecurityRules: []*armnetwork.SecurityRule{rule("a", 200, in, allow, "*", "22")}}}, nil)).must(t)
	_, err = c.rules.BeginCreateOrUpdate(ctx, "rg1", "n", "b", *rule("b", 200, in, allow, "*", "80"), nil)
	wantCode(t, err, "SecurityRuleConflict", 400)
	_, err = c.rules.BeginCreateOrUpdate(ctx, "rg1", "n", "c", *rule("c", 99, in, allow, "*", "80"), nil)
	wantCode(t, err, "SecurityRuleInvalidPriority", 400)
	_, err = c.rules.BeginCreateOrUpdate(ctx, "rg1", "n", "c", *rule("c", 300, in, allow, "10.0.0.1/8", "80"), nil)
	wantCode(t, err, "SecurityRuleInvalidAddressPrefix", 400)
	// A subnet with an interface in it is in use.
	v := poll(c.vnets.BeginCreateOrUpdate(ctx, "rg1", "v", vnet("10.0.0.0/16", subnet("s", "10.0.1.0/24", "")), nil)).must(t)
	sid := *v.Properties.Subnets[0].ID
	if _, err := e.cloud.RunInstances(testSub, model.LaunchSpec{SubnetID: sid, Count: 1, PrivateIP: netip.MustParseAddr("10.0.1.4")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.subnets.BeginDelete(ctx, "rg1", "v", "s", nil)
	wantCode(t, err, "InUseSubnetCannotBeDeleted", 400)
	_, err = c.vnets.BeginDelete(ctx, "rg1", "v", nil)
	wantCode(t, err, "InUseSubnetCannotBeDeleted", 400)
	// Azure reserves the first four addresses: 10.0.1.3 cannot be used, 10.0.1.4 is the first.
	if _, err := e.cloud.RunInstances(testSub, model.LaunchSpec{SubnetID: sid, Count: 1, PrivateIP: netip.MustParseAddr("10.0.1.3")}); model.CodeOf(err) != model.CodeInvalidParameter {
		t.Fatalf("a reserved address: %v", err)
	}
	_, err = c.vnets.Get(ctx, "rg1", "nope", nil)
	wantCode(t, err, "ResourceNotFound", 404)
	_, err = c.vnets.Get(ctx, "rg-nope", "v", nil)
	wantCode(t, err, "ResourceGroupNotFound", 404)
}
