package oci

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/core"
	"github.com/oracle/oci-go-sdk/v65/identity"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

func (p *Provider) listInstances(ctx context.Context, w *world) error {
	var objs []*instObj
	err := pages(ctx, "instances", func(ctx context.Context, page *string) (*string, error) {
		r, err := p.cc.ListInstances(ctx, core.ListInstancesRequest{CompartmentId: &p.compartment, Page: page})
		for _, i := range r.Items {
			if key, mine := p.owned(i.FreeformTags); mine && live(string(i.LifecycleState)) {
				o := &instObj{Object: cloud.Object{Key: key, ID: *i.Id}, shape: str(i.Shape), image: str(i.ImageId)}
				if src, ok := i.SourceDetails.(core.InstanceSourceViaImageDetails); ok && src.ImageId != nil {
					o.image = *src.ImageId
				}
				objs = append(objs, o)
			}
		}
		return r.OpcNextPage, err
	})
	if err != nil {
		return err
	}
	for _, o := range objs {
		if err := p.readVnic(ctx, o); err != nil {
			return err
		}
	}
	w.insts = cloud.Index(objs)
	return nil
}

// readVnic reads an instance's primary VNIC into o: its subnet, address,
// MAC address, NSGs, source/destination check and primary private IP's
// OCID. An
// instance whose VNIC is not attached yet is left without.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingVNICs.htm — an instance's VNICs, by its VNIC attachments
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/Vnic/ — a VNIC's macAddress
func (p *Provider) readVnic(ctx context.Context, o *instObj) error {
	var vnic string
	err := pages(ctx, "vnicAttachments of "+o.ID, func(ctx context.Context, page *string) (*string, error) {
		r, err := p.cc.ListVnicAttachments(ctx, core.ListVnicAttachmentsRequest{CompartmentId: &p.compartment, InstanceId: &o.ID, Page: page})
		for _, a := range r.Items {
			if a.LifecycleState == core.VnicAttachmentLifecycleStateAttached && a.VnicId != nil && vnic == "" {
				vnic = *a.VnicId
			}
		}
		return r.OpcNextPage, err
	})
	if err != nil || vnic == "" {
		return err
	}
	var v core.GetVnicResponse
	if err := call(ctx, func(ctx context.Context) error {
		var err error
		v, err = p.vn.GetVnic(ctx, core.GetVnicRequest{VnicId: &vnic})
		return err
	}); err != nil {
		return fmt.Errorf("get vnic %s: %w", vnic, err)
	}
	o.vnic, o.subnet, o.nsgs = vnic, str(v.SubnetId), sorted(v.NsgIds)
	o.ip, _ = netip.ParseAddr(str(v.PrivateIp))
	o.mac = str(v.MacAddress)
	o.public, _ = netip.ParseAddr(str(v.PublicIp))
	o.skip = v.SkipSourceDestCheck != nil && *v.SkipSourceDestCheck
	return call(ctx, func(ctx context.Context) error {
		r, err := p.vn.ListPrivateIps(ctx, core.ListPrivateIpsRequest{VnicId: &vnic})
		for _, ip := range r.Items {
			if ip.IsPrimary != nil && *ip.IsPrimary {
				o.privateIPID = str(ip.Id)
			}
		}
		if err != nil {
			return fmt.Errorf("list private IPs of vnic %s: %w", vnic, err)
		}
		return nil
	})
}

// availabilityDomain is the availability domain instances launch in: the
// region's first (the subnets are regional).
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/create_subnet.htm — a regional subnet spans the region's availability domains
func (p *Provider) availabilityDomain(ctx context.Context) (string, error) {
	p.mu.Lock()
	ad := p.ad
	p.mu.Unlock()
	if ad != "" {
		return ad, nil
	}
	var ads []identity.AvailabilityDomain
	if err := call(ctx, func(ctx context.Context) error {
		r, err := p.id.ListAvailabilityDomains(ctx, identity.ListAvailabilityDomainsRequest{CompartmentId: &p.compartment})
		ads = r.Items
		return err
	}); err != nil {
		return "", fmt.Errorf("list availability domains: %w", err)
	}
	if len(ads) == 0 || ads[0].Name == nil {
		return "", fmt.Errorf("region %s has no availability domain", p.region)
	}
	slices.SortFunc(ads, func(a, b identity.AvailabilityDomain) int { return strings.Compare(*a.Name, *b.Name) })
	p.mu.Lock()
	p.ad = *ads[0].Name
	p.mu.Unlock()
	return *ads[0].Name, nil
}

// nsgIDs are the OCIDs of an instance's security groups' NSGs, sorted.
func (pl *planner) nsgIDs(i cloud.Instance) ([]string, error) {
	var out []string
	for _, g := range i.SecurityGroups {
		id, err := cloud.IDOf(pl.w.nsgs, "nsg", g)
		if err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return sorted(out), nil
}

// planInstances plans the instances: gone ones terminated, missing ones
// launched (waited for until RUNNING and their VNIC attached), and kept
// ones whose NSGs or source/destination check differ updated on their
// VNIC.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/Instance/LaunchInstance — availabilityDomain, shape, sourceDetails, createVnicDetails (subnetId, privateIp, nsgIds, skipSourceDestCheck)
func (pl *planner) planInstances() {
	p, w := pl.p, pl.w
	for _, k := range cloud.SortedKeys(pl.goneInst) {
		o := w.insts[k]
		pl.add(phDelInst, "TerminateInstance", o.Name(), cloud.Why(o.ID, pl.goneInst[k]), "terminate instance "+o.Name(), func(ctx context.Context) error {
			if err := p.deleteAndWait(ctx, "instance "+o.Name(), func(ctx context.Context) error {
				_, err := p.cc.TerminateInstance(ctx, core.TerminateInstanceRequest{InstanceId: &o.ID})
				return err
			}, func(ctx context.Context) (string, error) {
				r, err := p.cc.GetInstance(ctx, core.GetInstanceRequest{InstanceId: &o.ID})
				return string(r.LifecycleState), err
			}); err != nil {
				return err
			}
			cloud.Drop(w.insts, k, o)
			return nil
		})
	}
	for _, i := range pl.d.Instances {
		if cloud.Keeps(w.insts, pl.goneInst, i.Key) {
			pl.planVnic(i)
			continue
		}
		detail := fmt.Sprintf("shape=%s imageId=%s subnetId=%s skipSourceDestCheck=%t nsgIds=[%s]", shape(i.Size), p.images[i.Image],
			cloud.Ref(w.subnets, pl.goneSubnet, i.Subnet), !i.SourceDestCheck, strings.Join(pl.groupRefs(i), ","))
		phase := phInst
		if i.PrivateIP.IsValid() {
			detail += " privateIp=" + i.PrivateIP.String()
			phase = phInstFixed
		}
		pl.add(phase, "LaunchInstance", i.Key, detail, "launch instance "+i.Key, func(ctx context.Context) error {
			return pl.launch(ctx, i)
		})
	}
}

// groupRefs name an instance's NSGs in a plan.
func (pl *planner) groupRefs(i cloud.Instance) []string {
	var out []string
	for _, g := range i.SecurityGroups {
		out = append(out, cloud.Ref(pl.w.nsgs, pl.goneNsg, g))
	}
	return out
}

// launch launches instance i and waits until it runs with its VNIC.
func (pl *planner) launch(ctx context.Context, i cloud.Instance) error {
	p, w := pl.p, pl.w
	sub, err := cloud.IDOf(w.subnets, "subnet", i.Subnet)
	if err != nil {
		return err
	}
	nsgs, err := pl.nsgIDs(i)
	if err != nil {
		return err
	}
	ad, err := p.availabilityDomain(ctx)
	if err != nil {
		return err
	}
	vnic := &core.CreateVnicDetails{SubnetId: &sub, SkipSourceDestCheck: common.Bool(!i.SourceDestCheck), NsgIds: nsgs,
		AssignPublicIp: common.Bool(false), DisplayName: common.String(i.Key), FreeformTags: p.tags(i.Key)}
	if i.PrivateIP.IsValid() {
		vnic.PrivateIp = common.String(i.PrivateIP.String())
	}
	var id string
	if err := call(ctx, func(ctx context.Context) error {
		r, err := p.cc.LaunchInstance(ctx, core.LaunchInstanceRequest{LaunchInstanceDetails: core.LaunchInstanceDetails{
			AvailabilityDomain: &ad, CompartmentId: &p.compartment, Shape: common.String(shape(i.Size)), DisplayName: common.String(i.Key),
			FreeformTags: p.tags(i.Key), SourceDetails: core.InstanceSourceViaImageDetails{ImageId: common.String(p.images[i.Image])},
			CreateVnicDetails: vnic}})
		id = str(r.Id)
		return err
	}); err != nil {
		return err
	}
	o := &instObj{Object: cloud.Object{Key: i.Key, ID: id}, shape: shape(i.Size), image: p.images[i.Image]}
	if err := p.await(ctx, "instance "+i.Key, func(ctx context.Context) (string, error) {
		r, err := p.cc.GetInstance(ctx, core.GetInstanceRequest{InstanceId: &id})
		return string(r.LifecycleState), err
	}, "RUNNING"); err != nil {
		return err
	}
	if err := p.await(ctx, "vnic of instance "+i.Key, func(ctx context.Context) (string, error) {
		if err := p.readVnic(ctx, o); err != nil || o.privateIPID == "" {
			return "ATTACHING", err
		}
		return "ATTACHED", nil
	}, "ATTACHED"); err != nil {
		return err
	}
	w.insts[i.Key] = o
	return nil
}
