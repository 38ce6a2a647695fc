package azure

import (
	"context"
	"slices"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// TestRuleShapes: the rule shapes real clients send come back as sent
// and are held as model rules of one name and priority: protocol * with a
// port (az's default) is TCP and UDP; lists of ports and prefixes (an
// augmented rule) are one part per port and prefix; service tags on the
// remote side, VirtualNetwork on the local side. A prefix on the local
// side is refused as not modelled; a second rule at the same priority and
// direction is SecurityRuleConflict.
func TestRuleShapes(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	makeGroup(t, e, "rg1")
	c := newClients(t, e)
	web := rule("web", 100, armnetwork.SecurityRuleDirectionInbound, armnetwork.SecurityRuleAccessAllow, "*", "80")
	web.Properties.Protocol = to.Ptr(armnetwork.SecurityRuleProtocolAsterisk)
	many := &armnetwork.SecurityRule{Name: to.Ptr("many"), Properties: &armnetwork.SecurityRulePropertiesFormat{
		Priority: to.Ptr[int32](200), Direction: to.Ptr(armnetwork.SecurityRuleDirectionInbound), Access: to.Ptr(armnetwork.SecurityRuleAccessAllow),
		Protocol: to.Ptr(armnetwork.SecurityRuleProtocolTCP), SourcePortRange: to.Ptr("*"), DestinationAddressPrefix: to.Ptr("VirtualNetwork"),
		DestinationPortRanges: []*string{to.Ptr("22"), to.Ptr("443"), to.Ptr("8000-8080")},
		SourceAddressPrefixes: []*string{to.Ptr("10.1.0.0/16"), to.Ptr("192.0.2.4")}}}
	deny := rule("no-internet", 300, armnetwork.SecurityRuleDirectionInbound, armnetwork.SecurityRuleAccessDeny, "Internet", "*")
	nsg := poll(c.nsgs.BeginCreateOrUpdate(ctx, "rg1", "n1", armnetwork.SecurityGroup{Location: to.Ptr("eastus"),
		Properties: &armnetwork.SecurityGroupPropertiesFormat{SecurityRules: []*armnetwork.SecurityRule{web, many, deny}}}, nil)).must(t)
	got := nsg.Properties.SecurityRules
	if len(got) != 3 || *got[0].Properties.Protocol != "*" || *got[0].Properties.DestinationPortRange != "80" {
		t.Fatalf("web: %+v", got[0].Properties)
	}
	m := got[1].Properties
	if m.DestinationPortRange != nil || !slices.Equal(strs(m.DestinationPortRanges), []string{"22", "443", "8000-8080"}) ||
		!slices.Equal(strs(m.SourceAddressPrefixes), []string{"10.1.0.0/16", "192.0.2.4"}) || *m.DestinationAddressPrefix != "VirtualNetwork" {
		t.Fatalf("many: %+v", m)
	}
	if *got[2].Properties.SourceAddressPrefix != "Internet" || *got[2].Properties.Access != "Deny" {
		t.Fatalf("no-internet: %+v", got[2].Properties)
	}
	rs, _ := e.cloud.RuleSet(testSub, model.FlavorNSG, *nsg.ID)
	count := map[string]int{}
	for _, r := range rs.Rules {
		count[r.Name]++
	}
	if count["web"] != 2 || count["many"] != 6 || count["no-internet"] != 1 {
		t.Fatalf("model parts: %v", count)
	}
	bad := rule("local", 400, armnetwork.SecurityRuleDirectionInbound, armnetwork.SecurityRuleAccessAllow, "*", "22")
	bad.Properties.DestinationAddressPrefix = to.Ptr("10.0.0.5")
	_, err := c.rules.BeginCreateOrUpdate(ctx, "rg1", "n1", "local", *bad, nil)
	wantCode(t, err, "InvalidRequestFormat", 400)
	_, err = c.rules.BeginCreateOrUpdate(ctx, "rg1", "n1", "dup", *rule("dup", 200, armnetwork.SecurityRuleDirectionInbound, armnetwork.SecurityRuleAccessAllow, "*", "22"), nil)
	wantCode(t, err, "SecurityRuleConflict", 400)
	one := poll(c.rules.BeginCreateOrUpdate(ctx, "rg1", "n1", "many", *rule("many", 200, armnetwork.SecurityRuleDirectionInbound, armnetwork.SecurityRuleAccessAllow, "*", "22"), nil)).must(t)
	if *one.Properties.DestinationPortRange != "22" || len(one.Properties.DestinationPortRanges) != 0 {
		t.Fatalf("replaced rule: %+v", one.Properties)
	}
	poll(c.rules.BeginDelete(ctx, "rg1", "n1", "web", nil)).must(t)
	if rs, _ = e.cloud.RuleSet(testSub, model.FlavorNSG, *nsg.ID); len(rs.Rules) != 2 {
		t.Fatalf("after replace and delete: %+v", rs.Rules)
	}
}

func strs(p []*string) []string {
	var out []string
	for _, s := range p {
		out = append(out, *s)
	}
	return out
}
