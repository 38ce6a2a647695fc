package gcp

import (
	"context"
	"fmt"
	"slices"
	"strings"

	compute "google.golang.org/api/compute/v1"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// planAddresses plans the reserved external addresses of the instances
// with a public address, each in its VPC's region, named like the
// instance.
// GCP: https://cloud.google.com/compute/docs/ip-addresses/configure-static-external-ip-address — a static external IP address, reserved in a region, kept across stops
func (pl *planner) planAddresses() {
	p, w := pl.p, pl.w
	for _, k := range cloud.SortedKeys(pl.goneAddr) {
		o := w.addrs[k]
		pl.add(phDelAddr, "addresses.delete", o.Name(), cloud.Why(o.ID, pl.goneAddr[k]), "release address "+o.Name(), func(ctx context.Context) error {
			if err := p.run(ctx, p.svc.Addresses.Delete(p.project, o.region, o.name).Context(ctx)); err != nil {
				return err
			}
			cloud.Drop(w.addrs, k, o)
			return nil
		})
	}
	for _, i := range pl.d.Instances {
		if !i.PublicIP || cloud.Keeps(w.addrs, pl.goneAddr, i.Key) {
			continue
		}
		region, name := pl.region(i.VPC), p.gcpName("ip", i.Key)
		if !pl.free("addresses", name, i.Key) {
			continue
		}
		pl.add(phAddr, "addresses.insert", i.Key, "region="+region+" name="+name+" addressType=EXTERNAL", "reserve address "+i.Key, func(ctx context.Context) error {
			a := &compute.Address{Name: name, Description: p.describe(i.Key), AddressType: "EXTERNAL"}
			if err := p.run(ctx, p.svc.Addresses.Insert(p.project, region, a).Context(ctx)); err != nil {
				return err
			}
			out, err := get(ctx, p.svc.Addresses.Get(p.project, region, name).Context(ctx).Do)
			if err != nil {
				return err
			}
			w.addrs[i.Key] = &addrObj{Object: cloud.Object{Key: i.Key, ID: path(out.SelfLink)}, name: name, region: region, addr: addrOf(out.Address)}
			return nil
		})
	}
}

// tagsOf are an instance's network tags: its subnet's (its routes) and its
// security groups' (their firewall rules).
func (p *Provider) tagsOf(i cloud.Instance) []string {
	tags := []string{p.subnetTag(i.Subnet)}
	for _, g := range i.SecurityGroups {
		tags = append(tags, p.groupTag(g))
	}
	return sortedTags(tags)
}

// planInstances plans the instances: deleted ones first, new ones made
// on their subnet with their address, image, machine type, forwarding and
// tags in one insert, and the tags of kept ones set where they differ.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/instances/insert
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/instances/setTags — tags change in place, with the fingerprint
func (pl *planner) planInstances() {
	p, w := pl.p, pl.w
	for _, k := range cloud.SortedKeys(pl.goneInst) {
		o := w.insts[k]
		pl.add(phDelInst, "instances.delete", o.Name(), cloud.Why(o.ID, pl.goneInst[k]), "delete instance "+o.Name(), func(ctx context.Context) error {
			if err := p.run(ctx, p.svc.Instances.Delete(p.project, o.zone, o.name).Context(ctx)); err != nil {
				return err
			}
			cloud.Drop(w.insts, k, o)
			return nil
		})
	}
	for _, i := range pl.d.Instances {
		tags := p.tagsOf(i)
		if cloud.Keeps(w.insts, pl.goneInst, i.Key) {
			if o := w.insts[i.Key]; !slices.Equal(o.tags, tags) {
				pl.setTags(i.Key, o, tags)
			}
			continue
		}
		pl.insertInstance(i, tags)
	}
}

func (pl *planner) insertInstance(i cloud.Instance, tags []string) {
	p, w := pl.p, pl.w
	zone, name := pl.zone(i.Subnet), p.gcpName("vm", i.Key)
	if !pl.free("instances", name, i.Key) {
		return
	}
	image, mt := p.images[i.Image], machineType(i.Size)
	detail := "zone=" + zone + " name=" + name + " machineType=" + mt + " sourceImage=" + image + " subnetwork=" + cloud.Ref(w.subnets, pl.goneSubnet, i.Subnet)
	if i.PrivateIP.IsValid() {
		detail += " networkIP=" + i.PrivateIP.String()
	}
	if i.PublicIP {
		detail += " natIP=" + cloud.Ref(w.addrs, pl.goneAddr, i.Key)
	}
	detail += fmt.Sprintf(" canIpForward=%t tags=%s", !i.SourceDestCheck, strings.Join(tags, ","))
	phase := phInst
	if i.PrivateIP.IsValid() {
		phase = phInstFixed
	}
	pl.add(phase, "instances.insert", i.Key, detail, "create instance "+i.Key, func(ctx context.Context) error {
		sn, ok := w.subnets[i.Subnet]
		if !ok {
			return cloud.ErrNotExist("subnetwork", i.Subnet)
		}
		nic := &compute.NetworkInterface{Subnetwork: sn.link}
		if i.PrivateIP.IsValid() {
			nic.NetworkIP = i.PrivateIP.String()
		}
		if i.PublicIP {
			a, ok := w.addrs[i.Key]
			if !ok {
				return cloud.ErrNotExist("address", i.Key)
			}
			nic.AccessConfigs = []*compute.AccessConfig{{Name: "External NAT", Type: "ONE_TO_ONE_NAT", NatIP: a.addr.String()}}
		}
		vm := &compute.Instance{Name: name, Description: p.describe(i.Key) + " " + imageWord + image,
			MachineType: "zones/" + zone + "/machineTypes/" + mt, CanIpForward: !i.SourceDestCheck, Tags: &compute.Tags{Items: tags},
			Disks:             []*compute.AttachedDisk{{Boot: true, AutoDelete: true, InitializeParams: &compute.AttachedDiskInitializeParams{SourceImage: image}}},
			NetworkInterfaces: []*compute.NetworkInterface{nic}}
		if err := p.run(ctx, p.svc.Instances.Insert(p.project, zone, vm).Context(ctx)); err != nil {
			return err
		}
		out, err := get(ctx, p.svc.Instances.Get(p.project, zone, name).Context(ctx).Do)
		if err != nil {
			return err
		}
		w.insts[i.Key] = toInstance(i.Key, out)
		return nil
	})
}

// setTags sets a kept instance's tags.
func (pl *planner) setTags(key string, o *instObj, tags []string) {
	p := pl.p
	pl.add(phTags, "instances.setTags", key, o.ID+" tags="+strings.Join(tags, ","), "set tags of instance "+key, func(ctx context.Context) error {
		cur, err := get(ctx, p.svc.Instances.Get(p.project, o.zone, o.name).Context(ctx).Do)
		if err != nil {
			return err
		}
		fp := ""
		if cur.Tags != nil {
			fp = cur.Tags.Fingerprint
		}
		if err := p.run(ctx, p.svc.Instances.SetTags(p.project, o.zone, o.name, &compute.Tags{Items: tags, Fingerprint: fp}).Context(ctx)); err != nil {
			return err
		}
		o.tags = tags
		return nil
	})
}
