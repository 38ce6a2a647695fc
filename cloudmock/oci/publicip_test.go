package oci

import (
	"testing"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/core"
)

// TestVnicAttachmentSDK: AttachVnic gives a running instance a secondary
// VNIC in a private subnet (ATTACHING, then ATTACHED; no public IP, not
// primary); an ephemeral public IP for it is 400 as its subnet prohibits
// them; the primary VNIC cannot be detached (400); the secondary is
// detached (DETACHING, then DETACHED) and its VNIC is gone; terminating
// the instance answers a TerminateInstance work request, the instance
// goes TERMINATING then TERMINATED, its primary attachment DETACHED and
// its ephemeral public IP is deleted.
func TestVnicAttachmentSDK(t *testing.T) {
	l := newLab(t)
	c, cc := l.client1(t), l.computeClient(t)
	v := newVcn(t, l, c, "att", "10.0.0.0/16")
	pub := newSubnet(t, c, v.Id, "10.0.1.0/24", false)
	priv := newSubnet(t, c, v.Id, "10.0.2.0/24", true)
	inst := launch(t, cc, core.CreateVnicDetails{SubnetId: pub.Id})
	primary, _ := primaryVnic(t, cc, c, inst.Id)
	a, err := cc.AttachVnic(ctx(t), core.AttachVnicRequest{AttachVnicDetails: core.AttachVnicDetails{InstanceId: inst.Id, DisplayName: common.String("second"),
		CreateVnicDetails: &core.CreateVnicDetails{SubnetId: priv.Id}}})
	if err != nil || a.LifecycleState != core.VnicAttachmentLifecycleStateAttaching || *a.NicIndex != 1 || *a.DisplayName != "second" {
		t.Fatalf("AttachVnic: %v %+v", err, a.VnicAttachment)
	}
	g, err := cc.GetVnicAttachment(ctx(t), core.GetVnicAttachmentRequest{VnicAttachmentId: a.Id, RequestMetadata: common.RequestMetadata{RetryPolicy: waitFor("ATTACHED")}})
	if err != nil || g.LifecycleState != core.VnicAttachmentLifecycleStateAttached {
		t.Fatalf("waiting for the attachment: %v %s", err, g.LifecycleState)
	}
	sv, err := c.GetVnic(ctx(t), core.GetVnicRequest{VnicId: a.VnicId, RequestMetadata: common.RequestMetadata{RetryPolicy: waitFor("AVAILABLE")}})
	if err != nil || *sv.IsPrimary || sv.PublicIp != nil || *sv.SubnetId != *priv.Id {
		t.Fatalf("secondary VNIC: %v %+v", err, sv.Vnic)
	}
	pips, err := c.ListPrivateIps(ctx(t), core.ListPrivateIpsRequest{VnicId: a.VnicId})
	if err != nil || len(pips.Items) != 1 {
		t.Fatalf("private IPs of the secondary VNIC: %v %+v", err, pips.Items)
	}
	_, err = c.CreatePublicIp(ctx(t), core.CreatePublicIpRequest{CreatePublicIpDetails: core.CreatePublicIpDetails{CompartmentId: common.String(tenancy1),
		Lifetime: core.CreatePublicIpDetailsLifetimeEphemeral, PrivateIpId: pips.Items[0].Id}})
	serviceError(t, err, 400, "InvalidParameter")
	_, err = cc.DetachVnic(ctx(t), core.DetachVnicRequest{VnicAttachmentId: primary.Id})
	serviceError(t, err, 400, "InvalidParameter")
	if _, err := cc.DetachVnic(ctx(t), core.DetachVnicRequest{VnicAttachmentId: a.Id}); err != nil {
		t.Fatal(err)
	}
	d, err := cc.GetVnicAttachment(ctx(t), core.GetVnicAttachmentRequest{VnicAttachmentId: a.Id, RequestMetadata: common.RequestMetadata{RetryPolicy: waitFor("DETACHED")}})
	if err != nil || d.LifecycleState != core.VnicAttachmentLifecycleStateDetached {
		t.Fatalf("after DetachVnic: %v %s", err, d.LifecycleState)
	}
	if n := len(l.cloud.NetworkInterfaces(tenancy1)); n != 1 {
		t.Fatalf("%d VNICs after the detach, want the primary only", n)
	}
	term, err := cc.TerminateInstance(ctx(t), core.TerminateInstanceRequest{InstanceId: inst.Id})
	if err != nil || term.OpcWorkRequestId == nil {
		t.Fatalf("TerminateInstance: %v %+v", err, term)
	}
	gone, err := cc.GetInstance(ctx(t), core.GetInstanceRequest{InstanceId: inst.Id, RequestMetadata: common.RequestMetadata{RetryPolicy: waitFor("TERMINATED")}})
	if err != nil || gone.LifecycleState != core.InstanceLifecycleStateTerminated {
		t.Fatalf("after TerminateInstance: %v %s", err, gone.LifecycleState)
	}
	pd, err := cc.GetVnicAttachment(ctx(t), core.GetVnicAttachmentRequest{VnicAttachmentId: primary.Id, RequestMetadata: common.RequestMetadata{RetryPolicy: waitFor("DETACHED")}})
	if err != nil || pd.LifecycleState != core.VnicAttachmentLifecycleStateDetached {
		t.Fatalf("primary attachment after the termination: %v %s", err, pd.LifecycleState)
	}
	if n := len(l.cloud.ElasticIPs(tenancy1)); n != 0 {
		t.Fatalf("%d public IPs left after the termination", n)
	}
	_, err = cc.TerminateInstance(ctx(t), core.TerminateInstanceRequest{InstanceId: inst.Id})
	serviceError(t, err, 404, "NotAuthorizedOrNotFound")
}

// TestPrivatePublicIPSDK: a secondary private IP (chosen, then a taken
// one is 409, and the primary cannot be deleted: 400); a reserved public
// IP, regional and AVAILABLE, is assigned to the secondary IP (ASSIGNED,
// found by GetPublicIpByPrivateIpId) while an ephemeral one for the same
// IP is 409; an ephemeral one on the primary IP is AD-scoped and cannot
// be moved (400); ListPublicIps needs a scope (400 MissingParameter) and
// filters by it; deleting the secondary IP unassigns the reserved IP; a
// stale If-Match is 412; deleting the reserved IP ends TERMINATED.
func TestPrivatePublicIPSDK(t *testing.T) {
	l := newLab(t)
	c, cc := l.client1(t), l.computeClient(t)
	v := newVcn(t, l, c, "ips", "10.0.0.0/16")
	pub := newSubnet(t, c, v.Id, "10.0.1.0/24", false)
	inst := launch(t, cc, core.CreateVnicDetails{SubnetId: pub.Id, AssignPublicIp: common.Bool(false)})
	_, vn := primaryVnic(t, cc, c, inst.Id)
	if vn.PublicIp != nil {
		t.Fatalf("assignPublicIp false gave %s", *vn.PublicIp)
	}
	sec, err := c.CreatePrivateIp(ctx(t), core.CreatePrivateIpRequest{CreatePrivateIpDetails: core.CreatePrivateIpDetails{VnicId: vn.Id,
		IpAddress: common.String("10.0.1.20"), DisplayName: common.String("sec")}})
	if err != nil || *sec.IpAddress != "10.0.1.20" || *sec.IsPrimary || *sec.DisplayName != "sec" || *sec.SubnetId != *pub.Id {
		t.Fatalf("CreatePrivateIp: %v %+v", err, sec.PrivateIp)
	}
	_, err = c.CreatePrivateIp(ctx(t), core.CreatePrivateIpRequest{CreatePrivateIpDetails: core.CreatePrivateIpDetails{VnicId: vn.Id, IpAddress: common.String("10.0.1.20")}})
	serviceError(t, err, 409, "Conflict")
	bySubnet, err := c.ListPrivateIps(ctx(t), core.ListPrivateIpsRequest{SubnetId: pub.Id, IpAddress: common.String("10.0.1.20")})
	if err != nil || len(bySubnet.Items) != 1 || *bySubnet.Items[0].Id != *sec.Id {
		t.Fatalf("ListPrivateIps by address: %v %+v", err, bySubnet.Items)
	}
	_, err = c.ListPrivateIps(ctx(t), core.ListPrivateIpsRequest{})
	serviceError(t, err, 400, "MissingParameter")
	prim, err := c.ListPrivateIps(ctx(t), core.ListPrivateIpsRequest{VnicId: vn.Id, IpAddress: vn.PrivateIp})
	if err != nil || len(prim.Items) != 1 || !*prim.Items[0].IsPrimary {
		t.Fatalf("primary private IP: %v %+v", err, prim.Items)
	}
	_, err = c.DeletePrivateIp(ctx(t), core.DeletePrivateIpRequest{PrivateIpId: prim.Items[0].Id})
	serviceError(t, err, 400, "InvalidParameter")

	res, err := c.CreatePublicIp(ctx(t), core.CreatePublicIpRequest{CreatePublicIpDetails: core.CreatePublicIpDetails{CompartmentId: common.String(tenancy1),
		Lifetime: core.CreatePublicIpDetailsLifetimeReserved, DisplayName: common.String("res")}})
	if err != nil || res.Lifetime != core.PublicIpLifetimeReserved || res.Scope != core.PublicIpScopeRegion || res.PrivateIpId != nil {
		t.Fatalf("reserved public IP: %v %+v", err, res.PublicIp)
	}
	if g, err := c.GetPublicIp(ctx(t), core.GetPublicIpRequest{PublicIpId: res.Id, RequestMetadata: common.RequestMetadata{RetryPolicy: waitFor("AVAILABLE")}}); err != nil || g.LifecycleState != core.PublicIpLifecycleStateAvailable {
		t.Fatalf("waiting for the reserved IP: %v %s", err, g.LifecycleState)
	}
	as, err := c.UpdatePublicIp(ctx(t), core.UpdatePublicIpRequest{PublicIpId: res.Id, UpdatePublicIpDetails: core.UpdatePublicIpDetails{PrivateIpId: sec.Id}})
	if err != nil || as.LifecycleState != core.PublicIpLifecycleStateAssigned || *as.PrivateIpId != *sec.Id {
		t.Fatalf("assign the reserved IP: %v %+v", err, as.PublicIp)
	}
	by, err := c.GetPublicIpByPrivateIpId(ctx(t), core.GetPublicIpByPrivateIpIdRequest{GetPublicIpByPrivateIpIdDetails: core.GetPublicIpByPrivateIpIdDetails{PrivateIpId: sec.Id}})
	if err != nil || *by.Id != *res.Id {
		t.Fatalf("GetPublicIpByPrivateIpId: %v %+v", err, by.PublicIp)
	}
	_, err = c.CreatePublicIp(ctx(t), core.CreatePublicIpRequest{CreatePublicIpDetails: core.CreatePublicIpDetails{CompartmentId: common.String(tenancy1),
		Lifetime: core.CreatePublicIpDetailsLifetimeEphemeral, PrivateIpId: sec.Id}})
	serviceError(t, err, 409, "Conflict")
	eph := ephemeralOnPrimary(t, c, prim.Items[0].Id)
	_, err = c.UpdatePublicIp(ctx(t), core.UpdatePublicIpRequest{PublicIpId: eph.Id, UpdatePublicIpDetails: core.UpdatePublicIpDetails{PrivateIpId: common.String("")}})
	serviceError(t, err, 400, "InvalidParameter")
	listScopes(t, c, res.Id, eph.Id)

	if _, err := c.DeletePrivateIp(ctx(t), core.DeletePrivateIpRequest{PrivateIpId: sec.Id}); err != nil {
		t.Fatal(err)
	}
	un, err := c.GetPublicIp(ctx(t), core.GetPublicIpRequest{PublicIpId: res.Id})
	if err != nil || un.PrivateIpId != nil || un.LifecycleState != core.PublicIpLifecycleStateAvailable {
		t.Fatalf("reserved IP after its private IP went: %v %+v", err, un.PublicIp)
	}
	_, err = c.DeletePublicIp(ctx(t), core.DeletePublicIpRequest{PublicIpId: res.Id, IfMatch: common.String("stale")})
	serviceError(t, err, 412, "NoEtagMatch")
	if _, err := c.DeletePublicIp(ctx(t), core.DeletePublicIpRequest{PublicIpId: res.Id, IfMatch: un.Etag}); err != nil {
		t.Fatal(err)
	}
	if g, err := c.GetPublicIp(ctx(t), core.GetPublicIpRequest{PublicIpId: res.Id, RequestMetadata: common.RequestMetadata{RetryPolicy: waitFor("TERMINATED")}}); err != nil || g.LifecycleState != core.PublicIpLifecycleStateTerminated {
		t.Fatalf("after DeletePublicIp: %v %s", err, g.LifecycleState)
	}
}

// ephemeralOnPrimary gives the primary private IP an ephemeral public IP.
func ephemeralOnPrimary(t *testing.T, c core.VirtualNetworkClient, primary *string) core.PublicIp {
	t.Helper()
	eph, err := c.CreatePublicIp(ctx(t), core.CreatePublicIpRequest{CreatePublicIpDetails: core.CreatePublicIpDetails{CompartmentId: common.String(tenancy1),
		Lifetime: core.CreatePublicIpDetailsLifetimeEphemeral, PrivateIpId: primary}})
	if err != nil || eph.Scope != core.PublicIpScopeAvailabilityDomain || *eph.PrivateIpId != *primary || *eph.AvailabilityDomain != ad1 {
		t.Fatalf("ephemeral public IP: %v %+v", err, eph.PublicIp)
	}
	_, err = c.CreatePublicIp(ctx(t), core.CreatePublicIpRequest{CreatePublicIpDetails: core.CreatePublicIpDetails{CompartmentId: common.String(tenancy1),
		Lifetime: core.CreatePublicIpDetailsLifetimeEphemeral}})
	serviceError(t, err, 400, "MissingParameter")
	return eph.PublicIp
}

// listScopes: ListPublicIps needs a scope, and each scope lists its own.
func listScopes(t *testing.T, c core.VirtualNetworkClient, reserved, ephemeral *string) {
	t.Helper()
	_, err := c.ListPublicIps(ctx(t), core.ListPublicIpsRequest{CompartmentId: common.String(tenancy1)})
	serviceError(t, err, 400, "MissingParameter")
	reg, err := c.ListPublicIps(ctx(t), core.ListPublicIpsRequest{CompartmentId: common.String(tenancy1), Scope: core.ListPublicIpsScopeRegion})
	if err != nil || len(reg.Items) != 1 || *reg.Items[0].Id != *reserved {
		t.Fatalf("regional public IPs: %v %+v", err, reg.Items)
	}
	ad, err := c.ListPublicIps(ctx(t), core.ListPublicIpsRequest{CompartmentId: common.String(tenancy1), Scope: core.ListPublicIpsScopeAvailabilityDomain,
		AvailabilityDomain: common.String(ad1), Lifetime: core.ListPublicIpsLifetimeEphemeral})
	if err != nil || len(ad.Items) != 1 || *ad.Items[0].Id != *ephemeral {
		t.Fatalf("AD public IPs: %v %+v", err, ad.Items)
	}
}
