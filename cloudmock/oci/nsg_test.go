package oci

import (
	"fmt"
	"slices"
	"testing"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/core"
)

// newNSG makes an NSG and waits for it to be AVAILABLE.
func newNSG(t *testing.T, c core.VirtualNetworkClient, vcn *string, name string) core.NetworkSecurityGroup {
	t.Helper()
	r, err := c.CreateNetworkSecurityGroup(ctx(t), core.CreateNetworkSecurityGroupRequest{CreateNetworkSecurityGroupDetails: core.CreateNetworkSecurityGroupDetails{
		CompartmentId: common.String(tenancy1), VcnId: vcn, DisplayName: common.String(name)}})
	if err != nil || r.LifecycleState != core.NetworkSecurityGroupLifecycleStateProvisioning {
		t.Fatalf("create NSG %s: %v %+v", name, err, r.NetworkSecurityGroup)
	}
	g, err := c.GetNetworkSecurityGroup(ctx(t), core.GetNetworkSecurityGroupRequest{NetworkSecurityGroupId: r.Id, RequestMetadata: common.RequestMetadata{RetryPolicy: waitFor("AVAILABLE")}})
	if err != nil || g.LifecycleState != core.NetworkSecurityGroupLifecycleStateAvailable {
		t.Fatalf("waiting for NSG %s: %v %s", name, err, g.LifecycleState)
	}
	return g.NetworkSecurityGroup
}

// TestNSGRulesSDK: the SDK makes two NSGs of a VCN (OCIDs of type
// networksecuritygroup), adds a stateful TCP 443 ingress rule from the
// other NSG and a stateless egress rule (IDs answered), lists them by
// direction, updates one (its ID kept, the model's rule changed), removes
// one; refused: a bad direction and an unknown rule ID (400
// InvalidParameter), an NSG source that is not an NSG's OCID (400) or no
// NSG (404), more than 120 rules (400 LimitExceeded), a stale If-Match
// (412); no VNICs are in it; the VCN is not deleted while its NSGs stay
// (409); deleted, the NSG is TERMINATED.
func TestNSGRulesSDK(t *testing.T) {
	l := newLab(t)
	c := l.client1(t)
	v := newVcn(t, l, c, "nsgs", "10.0.0.0/16")
	web, app := newNSG(t, c, v.Id, "web"), newNSG(t, c, v.Id, "app")
	if k, _ := model.OCIKind(*web.Id); k != model.KindNetworkSecurityGroup {
		t.Fatalf("NSG OCID %s", *web.Id)
	}
	add := func(rules ...core.AddSecurityRuleDetails) (core.AddNetworkSecurityGroupSecurityRulesResponse, error) {
		return c.AddNetworkSecurityGroupSecurityRules(ctx(t), core.AddNetworkSecurityGroupSecurityRulesRequest{NetworkSecurityGroupId: web.Id,
			AddNetworkSecurityGroupSecurityRulesDetails: core.AddNetworkSecurityGroupSecurityRulesDetails{SecurityRules: rules}})
	}
	https := core.AddSecurityRuleDetails{Direction: core.AddSecurityRuleDetailsDirectionIngress, Protocol: common.String("6"),
		Source: app.Id, SourceType: core.AddSecurityRuleDetailsSourceTypeNetworkSecurityGroup,
		TcpOptions: &core.TcpOptions{DestinationPortRange: &core.PortRange{Min: common.Int(443), Max: common.Int(443)}}}
	out := core.AddSecurityRuleDetails{Direction: core.AddSecurityRuleDetailsDirectionEgress, Protocol: common.String("all"),
		Destination: common.String("0.0.0.0/0"), IsStateless: common.Bool(true)}
	a, err := add(https, out)
	if err != nil || len(a.SecurityRules) != 2 {
		t.Fatalf("add rules: %v %+v", err, a.SecurityRules)
	}
	ids := map[core.SecurityRuleDirectionEnum]string{}
	for _, r := range a.SecurityRules {
		ids[r.Direction] = *r.Id
	}
	in, err := c.ListNetworkSecurityGroupSecurityRules(ctx(t), core.ListNetworkSecurityGroupSecurityRulesRequest{NetworkSecurityGroupId: web.Id,
		Direction: core.ListNetworkSecurityGroupSecurityRulesDirectionIngress})
	if err != nil || len(in.Items) != 1 || *in.Items[0].Source != *app.Id || in.Items[0].SourceType != core.SecurityRuleSourceTypeNetworkSecurityGroup ||
		*in.Items[0].IsStateless || *in.Items[0].TcpOptions.DestinationPortRange.Min != 443 || *in.Items[0].Id != ids["INGRESS"] {
		t.Fatalf("ingress rules: %v %+v", err, in.Items)
	}
	g, _ := l.cloud.RuleSet(tenancy1, model.FlavorNSG, *web.Id)
	if len(g.Rules) != 2 || !slices.ContainsFunc(g.Rules, func(r model.Rule) bool { return r.Peer.RuleSetID == *app.Id && r.FromPort == 443 }) ||
		!slices.ContainsFunc(g.Rules, func(r model.Rule) bool { return r.Direction == model.Egress && r.Stateless }) {
		t.Fatalf("model rules %+v", g.Rules)
	}

	u, err := c.UpdateNetworkSecurityGroupSecurityRules(ctx(t), core.UpdateNetworkSecurityGroupSecurityRulesRequest{NetworkSecurityGroupId: web.Id,
		UpdateNetworkSecurityGroupSecurityRulesDetails: core.UpdateNetworkSecurityGroupSecurityRulesDetails{SecurityRules: []core.UpdateSecurityRuleDetails{{
			Id: common.String(ids["INGRESS"]), Direction: core.UpdateSecurityRuleDetailsDirectionIngress, Protocol: common.String("6"),
			Source: common.String("10.0.1.0/24"), SourceType: core.UpdateSecurityRuleDetailsSourceTypeCidrBlock,
			TcpOptions: &core.TcpOptions{DestinationPortRange: &core.PortRange{Min: common.Int(8443), Max: common.Int(8443)}}}}}})
	if err != nil || len(u.SecurityRules) != 1 || *u.SecurityRules[0].Id != ids["INGRESS"] || *u.SecurityRules[0].TcpOptions.DestinationPortRange.Min != 8443 {
		t.Fatalf("update rule: %v %+v", err, u.SecurityRules)
	}
	_, err = c.UpdateNetworkSecurityGroupSecurityRules(ctx(t), core.UpdateNetworkSecurityGroupSecurityRulesRequest{NetworkSecurityGroupId: web.Id,
		UpdateNetworkSecurityGroupSecurityRulesDetails: core.UpdateNetworkSecurityGroupSecurityRulesDetails{SecurityRules: []core.UpdateSecurityRuleDetails{{
			Id: common.String("FFFFFF"), Direction: core.UpdateSecurityRuleDetailsDirectionIngress, Protocol: common.String("all"), Source: common.String("0.0.0.0/0")}}}})
	serviceError(t, err, 400, "InvalidParameter")

	refused(t, l, c, web, app, add)

	if _, err := c.RemoveNetworkSecurityGroupSecurityRules(ctx(t), core.RemoveNetworkSecurityGroupSecurityRulesRequest{NetworkSecurityGroupId: web.Id,
		RemoveNetworkSecurityGroupSecurityRulesDetails: core.RemoveNetworkSecurityGroupSecurityRulesDetails{SecurityRuleIds: []string{ids["EGRESS"]}}}); err != nil {
		t.Fatal(err)
	}
	all, err := c.ListNetworkSecurityGroupSecurityRules(ctx(t), core.ListNetworkSecurityGroupSecurityRulesRequest{NetworkSecurityGroupId: web.Id})
	if err != nil || len(all.Items) != 1 || *all.Items[0].Id != ids["INGRESS"] || *all.Items[0].Source != "10.0.1.0/24" {
		t.Fatalf("rules after remove: %v %+v", err, all.Items)
	}
	vn, err := c.ListNetworkSecurityGroupVnics(ctx(t), core.ListNetworkSecurityGroupVnicsRequest{NetworkSecurityGroupId: web.Id})
	if err != nil || len(vn.Items) != 0 {
		t.Fatalf("VNICs: %v %+v", err, vn.Items)
	}
	list, err := c.ListNetworkSecurityGroups(ctx(t), core.ListNetworkSecurityGroupsRequest{CompartmentId: common.String(tenancy1), VcnId: v.Id})
	if err != nil || len(list.Items) != 2 {
		t.Fatalf("list NSGs: %v %d", err, len(list.Items))
	}
	_, err = c.DeleteVcn(ctx(t), core.DeleteVcnRequest{VcnId: v.Id})
	serviceError(t, err, 409, "Conflict")
	for _, g := range []core.NetworkSecurityGroup{web, app} {
		if _, err := c.DeleteNetworkSecurityGroup(ctx(t), core.DeleteNetworkSecurityGroupRequest{NetworkSecurityGroupId: g.Id}); err != nil {
			t.Fatal(err)
		}
	}
	d, err := c.GetNetworkSecurityGroup(ctx(t), core.GetNetworkSecurityGroupRequest{NetworkSecurityGroupId: web.Id, RequestMetadata: common.RequestMetadata{RetryPolicy: waitFor("TERMINATED")}})
	if err != nil || d.LifecycleState != core.NetworkSecurityGroupLifecycleStateTerminated {
		t.Fatalf("after delete: %v %s", err, d.LifecycleState)
	}
}

// refused checks the NSG rule calls that fail.
func refused(t *testing.T, l *lab, c core.VirtualNetworkClient, web, app core.NetworkSecurityGroup,
	add func(...core.AddSecurityRuleDetails) (core.AddNetworkSecurityGroupSecurityRulesResponse, error)) {
	t.Helper()
	_, err := add(core.AddSecurityRuleDetails{Direction: "SIDEWAYS", Protocol: common.String("all"), Source: common.String("0.0.0.0/0")})
	serviceError(t, err, 400, "InvalidParameter")
	_, err = add(core.AddSecurityRuleDetails{Direction: core.AddSecurityRuleDetailsDirectionIngress, Protocol: common.String("all"),
		Source: common.String("10.0.0.0/8"), SourceType: core.AddSecurityRuleDetailsSourceTypeNetworkSecurityGroup})
	serviceError(t, err, 400, "InvalidParameter")
	gone := model.OCIID(model.KindNetworkSecurityGroup, "us-phoenix-1")
	_, err = add(core.AddSecurityRuleDetails{Direction: core.AddSecurityRuleDetailsDirectionIngress, Protocol: common.String("all"),
		Source: common.String(gone), SourceType: core.AddSecurityRuleDetailsSourceTypeNetworkSecurityGroup})
	serviceError(t, err, 404, "NotAuthorizedOrNotFound")
	var many []core.AddSecurityRuleDetails
	for i := range 119 {
		many = append(many, core.AddSecurityRuleDetails{Direction: core.AddSecurityRuleDetailsDirectionIngress, Protocol: common.String("17"),
			Source: common.String(fmt.Sprintf("10.%d.0.0/16", i))})
	}
	_, err = add(many...)
	serviceError(t, err, 400, "LimitExceeded")
	g, err := c.GetNetworkSecurityGroup(ctx(t), core.GetNetworkSecurityGroupRequest{NetworkSecurityGroupId: web.Id})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateNetworkSecurityGroup(ctx(t), core.UpdateNetworkSecurityGroupRequest{NetworkSecurityGroupId: web.Id, IfMatch: g.Etag,
		UpdateNetworkSecurityGroupDetails: core.UpdateNetworkSecurityGroupDetails{DisplayName: common.String("web2")}}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteNetworkSecurityGroup(ctx(t), core.DeleteNetworkSecurityGroupRequest{NetworkSecurityGroupId: web.Id, IfMatch: g.Etag})
	serviceError(t, err, 412, "NoEtagMatch")
	if r, _ := l.cloud.RuleSet(tenancy1, model.FlavorNSG, *web.Id); len(r.Rules) != 2 {
		t.Fatalf("refused calls changed the rules: %+v", r.Rules)
	}
}
