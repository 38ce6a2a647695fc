package gcp

import (
	"context"

	compute "google.golang.org/api/compute/v1"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// planNetworks plans the VPC networks: custom mode (the subnets are the
// desired ones, none made for each region) with global dynamic routing,
// so that a Cloud Router's routes reach the subnets of every region.
// GCP: https://cloud.google.com/vpc/docs/vpc#subnet-ranges — a custom mode network has no subnets until made
// GCP: https://cloud.google.com/vpc/docs/vpc#routing_for_hybrid_networks — routingMode GLOBAL
func (pl *planner) planNetworks() {
	p, w := pl.p, pl.w
	for _, k := range cloud.SortedKeys(pl.goneNet) {
		o := w.nets[k]
		pl.add(phDelNet, "networks.delete", o.Name(), cloud.Why(o.ID, pl.goneNet[k]), "delete network "+o.Name(), func(ctx context.Context) error {
			if err := p.run(ctx, p.svc.Networks.Delete(p.project, nameOf(o.ID)).Context(ctx)); err != nil {
				return err
			}
			cloud.Drop(w.nets, k, o)
			return nil
		})
	}
	for _, v := range pl.d.VPCs {
		if cloud.Keeps(w.nets, pl.goneNet, v.Key) {
			continue
		}
		name := p.gcpName("vpc", v.Key)
		if !pl.free("networks", name, v.Key) {
			continue
		}
		pl.add(phNet, "networks.insert", v.Key, "name="+name+" autoCreateSubnetworks=false routingMode=GLOBAL", "create network "+v.Key, func(ctx context.Context) error {
			n := &compute.Network{Name: name, Description: p.describe(v.Key), AutoCreateSubnetworks: false,
				ForceSendFields: []string{"AutoCreateSubnetworks"}, RoutingConfig: &compute.NetworkRoutingConfig{RoutingMode: "GLOBAL"}}
			if err := p.run(ctx, p.svc.Networks.Insert(p.project, n).Context(ctx)); err != nil {
				return err
			}
			out, err := get(ctx, p.svc.Networks.Get(p.project, name).Context(ctx).Do)
			if err != nil {
				return err
			}
			w.nets[v.Key] = &netObj{Object: cloud.Object{Key: v.Key, ID: path(out.SelfLink)}, link: out.SelfLink}
			return nil
		})
	}
}

// planSubnets plans the subnets, each in its VPC's region.
// GCP: https://cloud.google.com/vpc/docs/subnets — a subnet is regional; the subnets of a network's regions reach each other
func (pl *planner) planSubnets() {
	p, w := pl.p, pl.w
	for _, k := range cloud.SortedKeys(pl.goneSubnet) {
		o := w.subnets[k]
		pl.add(phDelSubnet, "subnetworks.delete", o.Name(), cloud.Why(o.ID, pl.goneSubnet[k]), "delete subnetwork "+o.Name(), func(ctx context.Context) error {
			if err := p.run(ctx, p.svc.Subnetworks.Delete(p.project, o.region, nameOf(o.ID)).Context(ctx)); err != nil {
				return err
			}
			cloud.Drop(w.subnets, k, o)
			return nil
		})
	}
	for _, v := range pl.d.VPCs {
		region := pl.region(v.Key)
		for _, s := range v.Subnets {
			if cloud.Keeps(w.subnets, pl.goneSubnet, s.Key) {
				continue
			}
			name := p.gcpName("sn", s.Key)
			if !pl.free("subnetworks", name, s.Key) {
				continue
			}
			detail := "region=" + region + " name=" + name + " network=" + cloud.Ref(w.nets, pl.goneNet, v.Key) + " ipCidrRange=" + s.CIDR.String()
			pl.add(phSubnet, "subnetworks.insert", s.Key, detail, "create subnetwork "+s.Key, func(ctx context.Context) error {
				n, ok := w.nets[v.Key]
				if !ok {
					return cloud.ErrNotExist("network", v.Key)
				}
				sn := &compute.Subnetwork{Name: name, Description: p.describe(s.Key), Network: n.link, IpCidrRange: s.CIDR.String()}
				if err := p.run(ctx, p.svc.Subnetworks.Insert(p.project, region, sn).Context(ctx)); err != nil {
					return err
				}
				out, err := get(ctx, p.svc.Subnetworks.Get(p.project, region, name).Context(ctx).Do)
				if err != nil {
					return err
				}
				w.subnets[s.Key] = &subnetObj{Object: cloud.Object{Key: s.Key, ID: path(out.SelfLink)}, link: out.SelfLink,
					network: n.ID, region: region, cidr: s.CIDR}
				return nil
			})
		}
	}
}
