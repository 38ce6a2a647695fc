package oci

import (
	"errors"
	"testing"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/core"
	"github.com/oracle/oci-go-sdk/v65/identity"
)

// TestRouteToPrivateIPSDK: a route rule may target the private IP of a
// VNIC that skips the source/destination check, and reads back naming
// it; one to a VNIC that checks them is 400 InvalidParameter, as is one
// to a private IP the tenancy has not.
func TestRouteToPrivateIPSDK(t *testing.T) {
	l := newLab(t)
	c, cc := l.client1(t), l.computeClient(t)
	vcn := newVcn(t, l, c, "v", "10.0.0.0/16")
	sn := newSubnet(t, c, vcn.Id, "10.0.1.0/24", true)
	primary := func(inst core.Instance) *string {
		t.Helper()
		atts, err := cc.ListVnicAttachments(ctx(t), core.ListVnicAttachmentsRequest{CompartmentId: common.String(tenancy1), InstanceId: inst.Id})
		if err != nil || len(atts.Items) != 1 {
			t.Fatalf("attachments: %v %v", atts.Items, err)
		}
		ips, err := c.ListPrivateIps(ctx(t), core.ListPrivateIpsRequest{VnicId: atts.Items[0].VnicId})
		if err != nil || len(ips.Items) != 1 {
			t.Fatalf("private IPs: %v %v", ips.Items, err)
		}
		return ips.Items[0].Id
	}
	gw := primary(launch(t, cc, core.CreateVnicDetails{SubnetId: sn.Id, SkipSourceDestCheck: common.Bool(true)}))
	host := primary(launch(t, cc, core.CreateVnicDetails{SubnetId: sn.Id}))
	rule := func(target *string) []core.RouteRule {
		return []core.RouteRule{{Destination: common.String("10.9.0.0/16"), DestinationType: core.RouteRuleDestinationTypeCidrBlock, NetworkEntityId: target}}
	}
	rt, err := c.CreateRouteTable(ctx(t), core.CreateRouteTableRequest{CreateRouteTableDetails: core.CreateRouteTableDetails{
		CompartmentId: common.String(tenancy1), VcnId: vcn.Id, RouteRules: rule(gw)}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.GetRouteTable(ctx(t), core.GetRouteTableRequest{RtId: rt.Id})
	if err != nil || len(got.RouteRules) != 1 || *got.RouteRules[0].NetworkEntityId != *gw {
		t.Errorf("route table reads back %+v, %v; want the rule to %s", got.RouteRules, err, *gw)
	}
	for _, target := range []*string{host, common.String("ocid1.privateip.oc1.us-phoenix-1.nosuchaddress")} {
		_, err := c.UpdateRouteTable(ctx(t), core.UpdateRouteTableRequest{RtId: rt.Id, UpdateRouteTableDetails: core.UpdateRouteTableDetails{RouteRules: rule(target)}})
		var se common.ServiceError
		if !errors.As(err, &se) || se.GetHTTPStatusCode() != 400 || se.GetCode() != codeInvalidParameter {
			t.Errorf("route to %s: %v, want 400 InvalidParameter", *target, err)
		}
	}
}

// TestAvailabilityDomainsSDK: the Identity client lists the region's
// availability domains, which LaunchInstance takes.
func TestAvailabilityDomainsSDK(t *testing.T) {
	l := newLab(t)
	k := testKeys(t)
	id, err := identity.NewIdentityClientWithConfigurationProvider(provider(tenancy1, user1, k[0], k[0]))
	if err != nil {
		t.Fatal(err)
	}
	id.Host = l.url
	r, err := id.ListAvailabilityDomains(ctx(t), identity.ListAvailabilityDomainsRequest{CompartmentId: common.String(tenancy1)})
	if err != nil || len(r.Items) != 3 || *r.Items[0].Name != ad1 {
		t.Errorf("availability domains of us-phoenix-1: %+v, %v; want 3, the first %s", r.Items, err, ad1)
	}
	if _, err := id.ListAvailabilityDomains(ctx(t), identity.ListAvailabilityDomainsRequest{CompartmentId: common.String(tenancy2)}); err == nil {
		t.Error("another tenancy's availability domains were listed")
	}
}
