package aws

import (
	"context"
	"fmt"
	"maps"
	"net/netip"
	"slices"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// An instance's further interfaces (cloud.Instance.Interfaces) are
// network interfaces of their own, keyed cloud.InterfaceKey: created in
// their subnet, with the instance's source/destination check, attached at
// their device index, and deleted with the instance; each with PublicIP
// has an elastic IP keyed like it.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-eni.html — create a network interface in a subnet, attach it to an instance in the same Availability Zone at a device index; its source/destination check is its own
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-eni.html#modify-network-interface-attributes — an attached interface is deleted on termination only with DeleteOnTermination, which is false for interfaces attached after launch
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AssociateAddress.html — an elastic IP is associated with a network interface by NetworkInterfaceId

// eniObj is an instance's further network interface.
type eniObj struct {
	base
	subnetID     string
	ip           netip.Addr
	instanceID   string // "" when not attached
	attachmentID string
	deviceIndex  int
}

// wantedENI is a desired further interface.
type wantedENI struct {
	inst  cloud.Instance
	index int // device index
	cloud.Interface
}

// describeInterfaces reads the owner's network interfaces (those it
// created itself: instances' primary ones carry no owner tag).
func (p *Provider) describeInterfaces(ctx context.Context, w *world) error {
	var objs []*eniObj
	pg := ec2.NewDescribeNetworkInterfacesPaginator(p.ec2, &ec2.DescribeNetworkInterfacesInput{Filters: p.ownerFilters()},
		func(o *ec2.DescribeNetworkInterfacesPaginatorOptions) { o.Limit = p.pageSize })
	for pg.HasMorePages() {
		out, err := pg.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("describe network interfaces of owner %s: %w", p.owner, err)
		}
		for _, n := range out.NetworkInterfaces {
			if !p.owns(n.TagSet) {
				continue
			}
			o := &eniObj{base: base{keyOf(n.TagSet), sdkaws.ToString(n.NetworkInterfaceId)},
				subnetID: sdkaws.ToString(n.SubnetId), ip: addr(n.PrivateIpAddress)}
			if a := n.Attachment; a != nil && a.Status != types.AttachmentStatusDetaching && a.Status != types.AttachmentStatusDetached {
				o.instanceID, o.attachmentID, o.deviceIndex = sdkaws.ToString(a.InstanceId), sdkaws.ToString(a.AttachmentId), int(sdkaws.ToInt32(a.DeviceIndex))
			}
			objs = append(objs, o)
		}
	}
	w.enis = cloud.Index(objs)
	return nil
}

// wantENIs lists d's further interfaces by key.
func wantENIs(d cloud.Desired) map[string]wantedENI {
	out := map[string]wantedENI{}
	for _, in := range d.Instances {
		for n, f := range in.Interfaces {
			out[cloud.InterfaceKey(in.Key, n+1)] = wantedENI{inst: in, index: n + 1, Interface: f}
		}
	}
	return out
}

// replaceENI decides on an interface that d still has.
func (pl *planner) replaceENI(_ string, o *eniObj, want wantedENI) (string, bool) {
	if why, gone := pl.replaceAt(o.subnetID, o.ip, want.Subnet, want.PrivateIP); gone {
		return why, gone
	}
	if pl.goneInst.Has(want.inst.Key) {
		return cloud.Replace("replace with instance " + want.inst.Key)
	}
	return "", false
}

// planInterfaces plans the further interfaces: the gone ones detached
// and deleted (those on an instance being terminated go with it), the
// missing ones created and attached, then their elastic IPs.
func (pl *planner) planInterfaces() {
	p, w := pl.p, pl.w
	terminated := map[string]bool{}
	for k := range pl.goneInst {
		terminated[w.instances[k].id] = true
	}
	for _, k := range cloud.SortedKeys(pl.goneENI) {
		e := w.enis[k]
		if terminated[e.instanceID] {
			continue
		}
		pl.ec2(phRelease, "DeleteNetworkInterface", e.name(), cloud.Why("NetworkInterfaceId="+e.id, pl.goneENI[k]), "delete network interface "+e.name(), func(ctx context.Context) error {
			if e.attachmentID != "" {
				if _, err := p.ec2.DetachNetworkInterface(ctx, &ec2.DetachNetworkInterfaceInput{AttachmentId: &e.attachmentID, Force: sdkaws.Bool(true)}); err != nil {
					return err
				}
				// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteNetworkInterface.html — the interface must be detached (available)
				id := e.id
				if err := waitUnlocked(ctx, func(ctx context.Context) error {
					return ec2.NewNetworkInterfaceAvailableWaiter(p.ec2).Wait(ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{id}}, waitLimit)
				}); err != nil {
					return err
				}
			}
			if _, err := p.ec2.DeleteNetworkInterface(ctx, &ec2.DeleteNetworkInterfaceInput{NetworkInterfaceId: &e.id}); err != nil {
				return err
			}
			cloud.Drop(w.enis, k, e)
			return nil
		})
	}
	for _, k := range slices.Sorted(maps.Keys(pl.wantENI)) {
		f := pl.wantENI[k]
		if !cloud.Keeps(w.enis, pl.goneENI, k) {
			pl.createENI(k, f)
		} else if e := w.enis[k]; !cloud.Keeps(w.instances, pl.goneInst, f.inst.Key) || e.instanceID != w.instances[f.inst.Key].id {
			pl.attachENI(k, f)
		}
		if f.PublicIP {
			bound := cloud.Keeps(w.eips, pl.goneEIP, k) && cloud.Keeps(w.enis, pl.goneENI, k) && w.eips[k].eniID == w.enis[k].id
			pl.planAddress(k, "NetworkInterfaceId="+cloud.Ref(w.enis, pl.goneENI, k), bound, func(ctx context.Context, e *eipObj) error {
				n, ok := w.enis[k]
				if !ok {
					return cloud.ErrNotExist("network interface", k)
				}
				out, err := p.ec2.AssociateAddress(ctx, &ec2.AssociateAddressInput{AllocationId: &e.id, NetworkInterfaceId: &n.id})
				if err != nil {
					return err
				}
				e.eniID, e.instanceID, e.assocID = n.id, n.instanceID, sdkaws.ToString(out.AssociationId)
				return nil
			})
		}
	}
}

// createENI creates interface k, sets its source/destination check like
// its instance's, and attaches it.
func (pl *planner) createENI(k string, f wantedENI) {
	p, w := pl.p, pl.w
	detail := "SubnetId=" + cloud.Ref(w.subnets, pl.goneSubnet, f.Subnet)
	if f.PrivateIP.IsValid() {
		detail += " PrivateIpAddress=" + f.PrivateIP.String()
	}
	refs := make([]string, len(f.SecurityGroups))
	for n, g := range f.SecurityGroups {
		refs[n] = cloud.Ref(w.groups, pl.goneGroup, g)
	}
	if len(refs) > 0 {
		detail += " SecurityGroupIds=" + joinRefs(refs)
	}
	pl.ec2(phInstanceAttr, "CreateNetworkInterface", k, detail, "create network interface "+k, func(ctx context.Context) error {
		subnet, err := cloud.IDOf(w.subnets, "subnet", f.Subnet)
		if err != nil {
			return err
		}
		groups := make([]string, len(f.SecurityGroups))
		for n, g := range f.SecurityGroups {
			if groups[n], err = cloud.IDOf(w.groups, "security group", g); err != nil {
				return err
			}
		}
		in := &ec2.CreateNetworkInterfaceInput{SubnetId: &subnet, Groups: groups, Description: sdkaws.String("mcnlab " + k),
			TagSpecifications: p.tagSpecs(types.ResourceTypeNetworkInterface, k), ClientToken: sdkaws.String(clientToken())}
		if f.PrivateIP.IsValid() {
			in.PrivateIpAddress = sdkaws.String(f.PrivateIP.String())
		}
		out, err := p.ec2.CreateNetworkInterface(ctx, in)
		if err != nil {
			return err
		}
		n := out.NetworkInterface
		w.enis[k] = &eniObj{base: base{k, sdkaws.ToString(n.NetworkInterfaceId)}, subnetID: subnet, ip: addr(n.PrivateIpAddress)}
		return nil
	})
	if !f.inst.SourceDestCheck {
		pl.ec2(phInstanceAttr, "ModifyNetworkInterfaceAttribute", k, "NetworkInterfaceId="+cloud.Ref(w.enis, pl.goneENI, k)+" SourceDestCheck=false",
			"set source/dest check of network interface "+k, func(ctx context.Context) error {
				id, err := cloud.IDOf(w.enis, "network interface", k)
				if err != nil {
					return err
				}
				_, err = p.ec2.ModifyNetworkInterfaceAttribute(ctx, &ec2.ModifyNetworkInterfaceAttributeInput{NetworkInterfaceId: &id,
					SourceDestCheck: &types.AttributeBooleanValue{Value: sdkaws.Bool(false)}})
				return err
			})
	}
	pl.attachENI(k, f)
}

// attachENI attaches interface k to its instance at its device index, to
// be deleted with the instance.
func (pl *planner) attachENI(k string, f wantedENI) {
	p, w := pl.p, pl.w
	detail := fmt.Sprintf("NetworkInterfaceId=%s InstanceId=%s DeviceIndex=%d", cloud.Ref(w.enis, pl.goneENI, k), cloud.Ref(w.instances, pl.goneInst, f.inst.Key), f.index)
	pl.ec2(phInstanceAttr, "AttachNetworkInterface", k, detail, "attach network interface "+k, func(ctx context.Context) error {
		e, ok := w.enis[k]
		if !ok {
			return cloud.ErrNotExist("network interface", k)
		}
		i, ok := w.instances[f.inst.Key]
		if !ok {
			return cloud.ErrNotExist("instance", f.inst.Key)
		}
		if err := p.waitRunning(ctx, i); err != nil {
			return err
		}
		out, err := p.ec2.AttachNetworkInterface(ctx, &ec2.AttachNetworkInterfaceInput{NetworkInterfaceId: &e.id, InstanceId: &i.id, DeviceIndex: sdkaws.Int32(int32(f.index))})
		if err != nil {
			return err
		}
		e.instanceID, e.attachmentID, e.deviceIndex = i.id, sdkaws.ToString(out.AttachmentId), f.index
		_, err = p.ec2.ModifyNetworkInterfaceAttribute(ctx, &ec2.ModifyNetworkInterfaceAttributeInput{NetworkInterfaceId: &e.id,
			Attachment: &types.NetworkInterfaceAttachmentChanges{AttachmentId: &e.attachmentID, DeleteOnTermination: sdkaws.Bool(true)}})
		return err
	})
}

// second is the interface of instance id at device index 1, if attached.
func (w *world) second(id string) cloud.InterfaceInfo {
	for k, e := range w.enis {
		if k != e.key || e.instanceID != id || e.deviceIndex != 1 {
			continue
		}
		info := cloud.InterfaceInfo{ID: e.id, PrivateIP: e.ip}
		if a, ok := w.eips[e.key]; ok && a.eniID == e.id {
			info.PublicIP = a.publicIP
		}
		return info
	}
	return cloud.InterfaceInfo{}
}
