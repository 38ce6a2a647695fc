package oci

import (
	"slices"
	"testing"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/core"
	"github.com/oracle/oci-go-sdk/v65/workrequests"
)

const (
	ad1   = model.OCIADPrefix + ":PHX-AD-1"
	image = "ocid1.image.oc1.phx.aaaaaaaaimage"
	shape = "VM.Standard.E4.Flex"
)

// computeClient is the official ComputeClient pointed at the lab.
func (l *lab) computeClient(t *testing.T) core.ComputeClient {
	t.Helper()
	k := testKeys(t)
	c, err := core.NewComputeClientWithConfigurationProvider(provider(tenancy1, user1, k[0], k[0]))
	if err != nil {
		t.Fatal(err)
	}
	c.Host = l.url
	return c
}

// newSubnet makes a regional subnet, public or private, and waits for it.
func newSubnet(t *testing.T, c core.VirtualNetworkClient, vcn *string, cidr string, private bool) core.Subnet {
	t.Helper()
	r, err := c.CreateSubnet(ctx(t), core.CreateSubnetRequest{CreateSubnetDetails: core.CreateSubnetDetails{CompartmentId: common.String(tenancy1),
		VcnId: vcn, CidrBlock: common.String(cidr), ProhibitPublicIpOnVnic: common.Bool(private)}})
	if err != nil {
		t.Fatal(err)
	}
	return r.Subnet
}

// launch launches an instance with a primary VNIC and waits until it is RUNNING.
func launch(t *testing.T, cc core.ComputeClient, vd core.CreateVnicDetails) core.Instance {
	t.Helper()
	r, err := cc.LaunchInstance(ctx(t), core.LaunchInstanceRequest{LaunchInstanceDetails: core.LaunchInstanceDetails{
		AvailabilityDomain: common.String(ad1), CompartmentId: common.String(tenancy1), Shape: common.String(shape), DisplayName: common.String("vm"),
		SourceDetails: core.InstanceSourceViaImageDetails{ImageId: common.String(image)}, CreateVnicDetails: &vd,
		Metadata: map[string]string{"ssh_authorized_keys": "ssh-ed25519 AAAA"}}})
	if err != nil {
		t.Fatal(err)
	}
	if r.LifecycleState != core.InstanceLifecycleStateProvisioning || r.OpcWorkRequestId == nil || r.Etag == nil {
		t.Fatalf("LaunchInstance answered %s, work request %v", r.LifecycleState, r.OpcWorkRequestId)
	}
	g, err := cc.GetInstance(ctx(t), core.GetInstanceRequest{InstanceId: r.Id, RequestMetadata: common.RequestMetadata{RetryPolicy: waitFor("RUNNING")}})
	if err != nil || g.LifecycleState != core.InstanceLifecycleStateRunning {
		t.Fatalf("waiting for the instance: %v %s", err, g.LifecycleState)
	}
	return g.Instance
}

// primaryVnic is an instance's primary VNIC, found by its attachments.
func primaryVnic(t *testing.T, cc core.ComputeClient, c core.VirtualNetworkClient, inst *string) (core.VnicAttachment, core.Vnic) {
	t.Helper()
	atts, err := cc.ListVnicAttachments(ctx(t), core.ListVnicAttachmentsRequest{CompartmentId: common.String(tenancy1), InstanceId: inst})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range atts.Items {
		if *a.NicIndex == 0 {
			v, err := c.GetVnic(ctx(t), core.GetVnicRequest{VnicId: a.VnicId})
			if err != nil {
				t.Fatal(err)
			}
			return a, v.Vnic
		}
	}
	t.Fatalf("no primary VNIC among %+v", atts.Items)
	return core.VnicAttachment{}, core.Vnic{}
}

// TestInstanceLaunchSDK: the Compute client launches an instance with a
// primary VNIC (fixed private IP, skipSourceDestCheck, an NSG, an
// ephemeral public IP as the public subnet gives one): PROVISIONING with
// a LaunchInstance work request that polls to SUCCEEDED, then RUNNING;
// its attachment is ATTACHED at nicIndex 0 and the VNIC shows the
// addresses, NSG and check; the public IP is EPHEMERAL, AD-scoped and
// ASSIGNED; bad launches get OCI's codes; STOP and START move it to
// STOPPED and back; a stale If-Match is 412; another tenancy sees 404.
func TestInstanceLaunchSDK(t *testing.T) {
	l := newLab(t)
	c, cc := l.client1(t), l.computeClient(t)
	v := newVcn(t, l, c, "vm", "10.0.0.0/16")
	pub := newSubnet(t, c, v.Id, "10.0.1.0/24", false)
	priv := newSubnet(t, c, v.Id, "10.0.2.0/24", true)
	nsg := newNSG(t, c, v.Id, "web")
	inst := launch(t, cc, core.CreateVnicDetails{SubnetId: pub.Id, PrivateIp: common.String("10.0.1.10"), SkipSourceDestCheck: common.Bool(true),
		NsgIds: []string{*nsg.Id}, HostnameLabel: common.String("web1")})
	if k, _ := model.OCIKind(*inst.Id); k != model.KindInstance || *inst.AvailabilityDomain != ad1 || *inst.Shape != shape || *inst.Region != "us-phoenix-1" ||
		inst.Metadata["ssh_authorized_keys"] == "" {
		t.Fatalf("instance %+v", inst)
	}
	works, err := l.wrClient(t, provider(tenancy1, user1, testKeys(t)[0], testKeys(t)[0])).ListWorkRequests(ctx(t), workRequestsOf(inst.Id))
	if err != nil || len(works.Items) != 1 || *works.Items[0].OperationType != "LaunchInstance" {
		t.Fatalf("work requests of the launch: %v %+v", err, works.Items)
	}
	att, vn := primaryVnic(t, cc, c, inst.Id)
	if att.LifecycleState != core.VnicAttachmentLifecycleStateAttached || *vn.PrivateIp != "10.0.1.10" || vn.PublicIp == nil || !*vn.IsPrimary ||
		!*vn.SkipSourceDestCheck || !slices.Equal(vn.NsgIds, []string{*nsg.Id}) || *vn.HostnameLabel != "web1" || *vn.SubnetId != *pub.Id {
		t.Fatalf("primary VNIC %+v of %+v", vn, att)
	}
	pips, err := c.ListPrivateIps(ctx(t), core.ListPrivateIpsRequest{VnicId: vn.Id})
	if err != nil || len(pips.Items) != 1 || !*pips.Items[0].IsPrimary || *pips.Items[0].IpAddress != "10.0.1.10" {
		t.Fatalf("private IPs: %v %+v", err, pips.Items)
	}
	eph, err := c.GetPublicIpByPrivateIpId(ctx(t), core.GetPublicIpByPrivateIpIdRequest{GetPublicIpByPrivateIpIdDetails: core.GetPublicIpByPrivateIpIdDetails{PrivateIpId: pips.Items[0].Id}})
	if err != nil || eph.Lifetime != core.PublicIpLifetimeEphemeral || eph.Scope != core.PublicIpScopeAvailabilityDomain || *eph.IpAddress != *vn.PublicIp ||
		eph.LifecycleState != core.PublicIpLifecycleStateAssigned || *eph.AvailabilityDomain != ad1 {
		t.Fatalf("ephemeral public IP: %v %+v", err, eph.PublicIp)
	}
	badLaunches(t, cc, pub, priv)
	power(t, cc, inst)
	_, err = l.vnClient(t, provider(tenancy2, user2, testKeys(t)[1], testKeys(t)[1])).GetVnic(ctx(t), core.GetVnicRequest{VnicId: vn.Id})
	serviceError(t, err, 404, "NotAuthorizedOrNotFound")
}

// badLaunches: a public IP in a private subnet, an unknown AD, a missing
// shape, a source that is not an image, an unknown subnet, an address
// outside the subnet and a taken one.
func badLaunches(t *testing.T, cc core.ComputeClient, pub, priv core.Subnet) {
	t.Helper()
	base := core.LaunchInstanceDetails{AvailabilityDomain: common.String(ad1), CompartmentId: common.String(tenancy1), Shape: common.String(shape),
		SourceDetails: core.InstanceSourceViaImageDetails{ImageId: common.String(image)}}
	for _, c := range []struct {
		name   string
		change func(*core.LaunchInstanceDetails)
		status int
		code   string
	}{
		{"public IP in a private subnet", func(d *core.LaunchInstanceDetails) {
			d.CreateVnicDetails = &core.CreateVnicDetails{SubnetId: priv.Id, AssignPublicIp: common.Bool(true)}
		}, 400, "InvalidParameter"},
		{"unknown AD", func(d *core.LaunchInstanceDetails) {
			d.AvailabilityDomain = common.String(model.OCIADPrefix + ":PHX-AD-9")
			d.CreateVnicDetails = &core.CreateVnicDetails{SubnetId: pub.Id}
		}, 400, "InvalidParameter"},
		{"no shape", func(d *core.LaunchInstanceDetails) {
			d.Shape = nil
			d.CreateVnicDetails = &core.CreateVnicDetails{SubnetId: pub.Id}
		}, 400, "MissingParameter"},
		{"not an image", func(d *core.LaunchInstanceDetails) {
			d.SourceDetails = core.InstanceSourceViaImageDetails{ImageId: common.String("ocid1.volume.oc1..x")}
			d.CreateVnicDetails = &core.CreateVnicDetails{SubnetId: pub.Id}
		}, 400, "InvalidParameter"},
		{"unknown subnet", func(d *core.LaunchInstanceDetails) {
			d.CreateVnicDetails = &core.CreateVnicDetails{SubnetId: common.String("ocid1.subnet.oc1.phx.nope")}
		}, 404, "NotAuthorizedOrNotFound"},
		{"address outside the subnet", func(d *core.LaunchInstanceDetails) {
			d.CreateVnicDetails = &core.CreateVnicDetails{SubnetId: pub.Id, PrivateIp: common.String("10.0.2.5")}
		}, 400, "InvalidParameter"},
		{"address taken", func(d *core.LaunchInstanceDetails) {
			d.CreateVnicDetails = &core.CreateVnicDetails{SubnetId: pub.Id, PrivateIp: common.String("10.0.1.10")}
		}, 409, "Conflict"},
	} {
		d := base
		c.change(&d)
		_, err := cc.LaunchInstance(ctx(t), core.LaunchInstanceRequest{LaunchInstanceDetails: d})
		t.Run(c.name, func(t *testing.T) { serviceError(t, err, c.status, c.code) })
	}
}

// power stops and starts an instance, and updates it with If-Match.
func power(t *testing.T, cc core.ComputeClient, inst core.Instance) {
	t.Helper()
	for _, step := range []struct {
		action        core.InstanceActionActionEnum
		answer, final core.InstanceLifecycleStateEnum
	}{{core.InstanceActionActionStop, "STOPPING", "STOPPED"}, {core.InstanceActionActionStart, "STARTING", "RUNNING"}} {
		a, err := cc.InstanceAction(ctx(t), core.InstanceActionRequest{InstanceId: inst.Id, Action: step.action})
		if err != nil || a.LifecycleState != step.answer {
			t.Fatalf("%s: %v %s", step.action, err, a.LifecycleState)
		}
		g, err := cc.GetInstance(ctx(t), core.GetInstanceRequest{InstanceId: inst.Id, RequestMetadata: common.RequestMetadata{RetryPolicy: waitFor(string(step.final))}})
		if err != nil || g.LifecycleState != step.final {
			t.Fatalf("after %s: %v %s", step.action, err, g.LifecycleState)
		}
	}
	_, err := cc.UpdateInstance(ctx(t), core.UpdateInstanceRequest{InstanceId: inst.Id, IfMatch: common.String("stale"),
		UpdateInstanceDetails: core.UpdateInstanceDetails{DisplayName: common.String("vm2")}})
	serviceError(t, err, 412, "NoEtagMatch")
	g, err := cc.GetInstance(ctx(t), core.GetInstanceRequest{InstanceId: inst.Id})
	if err != nil {
		t.Fatal(err)
	}
	u, err := cc.UpdateInstance(ctx(t), core.UpdateInstanceRequest{InstanceId: inst.Id, IfMatch: g.Etag,
		UpdateInstanceDetails: core.UpdateInstanceDetails{DisplayName: common.String("vm2")}})
	if err != nil || *u.DisplayName != "vm2" || *u.Etag == *g.Etag {
		t.Fatalf("update: %v %+v", err, u.Instance)
	}
	_, err = cc.InstanceAction(ctx(t), core.InstanceActionRequest{InstanceId: inst.Id, Action: core.InstanceActionActionSenddiagnosticinterrupt})
	serviceError(t, err, 400, "InvalidParameter")
}

// workRequestsOf lists tenancy 1's work requests of a resource.
func workRequestsOf(id *string) workrequests.ListWorkRequestsRequest {
	return workrequests.ListWorkRequestsRequest{CompartmentId: common.String(tenancy1), ResourceId: id}
}
