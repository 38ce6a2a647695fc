package oci

import (
	"os"
	"slices"
	"testing"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/core"
)

// TestMain turns off the SDK's default retries and circuit breaker, so
// that a refused call answers at once (the tests wait with their own
// retry policies, as a client does).
func TestMain(m *testing.M) {
	os.Setenv("OCI_SDK_DEFAULT_RETRY_ENABLED", "false")
	os.Setenv("OCI_SDK_DEFAULT_CIRCUITBREAKER_ENABLED", "false")
	os.Exit(m.Run())
}

// newVcn makes a VCN and waits for it to be AVAILABLE.
func newVcn(t *testing.T, l *lab, c core.VirtualNetworkClient, name string, cidrs ...string) core.Vcn {
	t.Helper()
	r, err := c.CreateVcn(ctx(t), core.CreateVcnRequest{CreateVcnDetails: core.CreateVcnDetails{
		CompartmentId: common.String(tenancy1), CidrBlocks: cidrs, DisplayName: common.String(name), DnsLabel: common.String(name)}})
	if err != nil {
		t.Fatal(err)
	}
	if r.LifecycleState != core.VcnLifecycleStateProvisioning || r.Etag == nil || r.OpcRequestId == nil {
		t.Fatalf("create answered %s etag %v request %v", r.LifecycleState, r.Etag, r.OpcRequestId)
	}
	g, err := c.GetVcn(ctx(t), core.GetVcnRequest{VcnId: r.Id, RequestMetadata: common.RequestMetadata{RetryPolicy: waitFor("AVAILABLE")}})
	if err != nil || g.LifecycleState != core.VcnLifecycleStateAvailable {
		t.Fatalf("waiting for the VCN: %v %s", err, g.LifecycleState)
	}
	return g.Vcn
}

// TestVcnLifecycleSDK: the Go SDK creates a VCN with two CIDR blocks,
// waits for it by polling GET (PROVISIONING, then AVAILABLE), finds its
// default route table, security list (OCI's default rules) and DHCP
// options, updates it with the ETag it read (a stale one gets 412
// NoEtagMatch), and deletes it: TERMINATING, then TERMINATED.
func TestVcnLifecycleSDK(t *testing.T) {
	l := newLab(t)
	c := l.client1(t)
	v := newVcn(t, l, c, "hub", "10.0.0.0/16", "172.16.0.0/20")
	if n := l.getCount("/20160918/vcns/" + *v.Id); n < 2 {
		t.Fatalf("the SDK polled %d times; the first GET should still see PROVISIONING", n)
	}
	if !slices.Equal(v.CidrBlocks, []string{"10.0.0.0/16", "172.16.0.0/20"}) || *v.CidrBlock != "10.0.0.0/16" || *v.VcnDomainName != "hub.oraclevcn.com" || *v.CompartmentId != tenancy1 {
		t.Fatalf("VCN %+v", v)
	}
	if k, ok := model.OCIKind(*v.Id); !ok || k != model.KindNetwork {
		t.Fatalf("VCN OCID %s", *v.Id)
	}
	sl, err := c.GetSecurityList(ctx(t), core.GetSecurityListRequest{SecurityListId: v.DefaultSecurityListId})
	if err != nil {
		t.Fatal(err)
	}
	if *sl.DisplayName != "Default Security List for hub" || len(sl.IngressSecurityRules) != 3 || len(sl.EgressSecurityRules) != 1 {
		t.Fatalf("default security list %s: %d in, %d out", *sl.DisplayName, len(sl.IngressSecurityRules), len(sl.EgressSecurityRules))
	}
	ssh := false
	for _, r := range sl.IngressSecurityRules {
		if *r.Protocol == "6" && r.TcpOptions != nil && *r.TcpOptions.DestinationPortRange.Min == 22 && *r.Source == "0.0.0.0/0" && !*r.IsStateless {
			ssh = true
		}
	}
	if !ssh || *sl.EgressSecurityRules[0].Protocol != "all" {
		t.Fatalf("default rules %+v %+v", sl.IngressSecurityRules, sl.EgressSecurityRules)
	}
	rt, err := c.GetRouteTable(ctx(t), core.GetRouteTableRequest{RtId: v.DefaultRouteTableId})
	if err != nil || *rt.DisplayName != "Default Route Table for hub" || len(rt.RouteRules) != 0 {
		t.Fatalf("default route table: %v %+v", err, rt.RouteTable)
	}
	if v.DefaultDhcpOptionsId == nil {
		t.Fatal("no default DHCP options")
	}

	g, err := c.GetVcn(ctx(t), core.GetVcnRequest{VcnId: v.Id})
	if err != nil {
		t.Fatal(err)
	}
	u, err := c.UpdateVcn(ctx(t), core.UpdateVcnRequest{VcnId: v.Id, IfMatch: g.Etag, UpdateVcnDetails: core.UpdateVcnDetails{DisplayName: common.String("hub2")}})
	if err != nil || *u.DisplayName != "hub2" || *u.Etag == *g.Etag {
		t.Fatalf("update: %v name %v etag %v (was %v)", err, u.DisplayName, u.Etag, g.Etag)
	}
	_, err = c.UpdateVcn(ctx(t), core.UpdateVcnRequest{VcnId: v.Id, IfMatch: g.Etag, UpdateVcnDetails: core.UpdateVcnDetails{DisplayName: common.String("hub3")}})
	serviceError(t, err, 412, "NoEtagMatch")
	_, err = c.DeleteVcn(ctx(t), core.DeleteVcnRequest{VcnId: v.Id, IfMatch: g.Etag})
	serviceError(t, err, 412, "NoEtagMatch")

	if _, err := c.DeleteVcn(ctx(t), core.DeleteVcnRequest{VcnId: v.Id, IfMatch: u.Etag}); err != nil {
		t.Fatal(err)
	}
	d, err := c.GetVcn(ctx(t), core.GetVcnRequest{VcnId: v.Id})
	if err != nil || d.LifecycleState != core.VcnLifecycleStateTerminating {
		t.Fatalf("after delete: %v %s", err, d.LifecycleState)
	}
	d, err = c.GetVcn(ctx(t), core.GetVcnRequest{VcnId: v.Id, RequestMetadata: common.RequestMetadata{RetryPolicy: waitFor("TERMINATED")}})
	if err != nil || d.LifecycleState != core.VcnLifecycleStateTerminated {
		t.Fatalf("waiting for TERMINATED: %v %s", err, d.LifecycleState)
	}
	_, err = c.DeleteVcn(ctx(t), core.DeleteVcnRequest{VcnId: v.Id})
	serviceError(t, err, 404, "NotAuthorizedOrNotFound")
	if len(l.cloud.RuleSets(tenancy1, model.FlavorSecurityList)) != 0 || len(l.cloud.RouteTables(tenancy1)) != 0 {
		t.Fatal("the VCN's default objects outlived it")
	}
}

// TestVcnListRetryTokenSDK: lists are pages of a bare array with
// opc-next-page; the same opc-retry-token makes one VCN, another request
// under it is a 409 Conflict; a list needs a compartment of the caller's
// tenancy; CIDRs are checked (InvalidParameter, more than five blocks is
// LimitExceeded).
func TestVcnListRetryTokenSDK(t *testing.T) {
	l := newLab(t)
	c := l.client1(t)
	det := core.CreateVcnDetails{CompartmentId: common.String(tenancy1), CidrBlock: common.String("10.1.0.0/16")}
	a, err := c.CreateVcn(ctx(t), core.CreateVcnRequest{CreateVcnDetails: det, OpcRetryToken: common.String("token-1")})
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.CreateVcn(ctx(t), core.CreateVcnRequest{CreateVcnDetails: det, OpcRetryToken: common.String("token-1")})
	if err != nil || *b.Id != *a.Id {
		t.Fatalf("retried create: %v, %v vs %v", err, b.Id, a.Id)
	}
	det2 := det
	det2.CidrBlock = common.String("10.2.0.0/16")
	_, err = c.CreateVcn(ctx(t), core.CreateVcnRequest{CreateVcnDetails: det2, OpcRetryToken: common.String("token-1")})
	serviceError(t, err, 409, "Conflict")
	for _, cidr := range []string{"10.2.0.0/16", "10.3.0.0/16"} {
		det.CidrBlock = common.String(cidr)
		if _, err := c.CreateVcn(ctx(t), core.CreateVcnRequest{CreateVcnDetails: det}); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	var page *string
	pages := 0
	for {
		r, err := c.ListVcns(ctx(t), core.ListVcnsRequest{CompartmentId: common.String(tenancy1), Limit: common.Int(2), Page: page})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, v := range r.Items {
			ids = append(ids, *v.Id)
		}
		if r.OpcNextPage == nil {
			break
		}
		page = r.OpcNextPage
	}
	if len(ids) != 3 || pages != 2 || !slices.Contains(ids, *a.Id) {
		t.Fatalf("listed %d VCNs in %d pages: %v", len(ids), pages, ids)
	}
	_, err = c.ListVcns(ctx(t), core.ListVcnsRequest{CompartmentId: common.String(tenancy2)})
	serviceError(t, err, 404, "NotAuthorizedOrNotFound")
	det.CidrBlock = common.String("10.9.0.1/16")
	_, err = c.CreateVcn(ctx(t), core.CreateVcnRequest{CreateVcnDetails: det})
	serviceError(t, err, 400, "InvalidParameter")
	det.CidrBlock = nil
	det.CidrBlocks = []string{"10.10.0.0/16", "10.11.0.0/16", "10.12.0.0/16", "10.13.0.0/16", "10.14.0.0/16", "10.15.0.0/16"}
	_, err = c.CreateVcn(ctx(t), core.CreateVcnRequest{CreateVcnDetails: det})
	serviceError(t, err, 400, "LimitExceeded")
	if n := len(l.cloud.Networks(tenancy1)); n != 3 {
		t.Fatalf("%d VCNs after the refused creates, want 3", n)
	}
}
