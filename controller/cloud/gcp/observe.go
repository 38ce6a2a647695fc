package gcp

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	compute "google.golang.org/api/compute/v1"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// observe reads the owner's objects: one list per collection (aggregated
// across regions and zones for the regional and zonal ones), paged as
// Compute Engine pages (nextPageToken).
func (p *Provider) observe(ctx context.Context) (*world, error) {
	w := &world{taken: map[string]bool{}}
	for _, step := range []func(context.Context, *world) error{
		p.listNetworks, p.listSubnets, p.listFirewalls, p.listRoutes, p.listAddresses, p.listInstances,
		p.listRouters, p.listAttachments,
	} {
		if err := step(ctx, w); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// other records that another owner's object holds a name.
func (w *world) other(coll, name string) {
	if w.taken != nil {
		w.taken[coll+"/"+name] = true
	}
}

func (p *Provider) listNetworks(ctx context.Context, w *world) error {
	var objs []*netObj
	err := p.svc.Networks.List(p.project).Pages(ctx, func(l *compute.NetworkList) error {
		for _, n := range l.Items {
			key, mine := p.owned(n.Description)
			if !mine {
				w.other("networks", n.Name)
				continue
			}
			objs = append(objs, &netObj{Object: cloud.Object{Key: key, ID: path(n.SelfLink)}, link: n.SelfLink})
		}
		return nil
	})
	w.nets = cloud.Index(objs)
	return wrapList("networks", err)
}

func (p *Provider) listSubnets(ctx context.Context, w *world) error {
	var objs []*subnetObj
	err := p.svc.Subnetworks.AggregatedList(p.project).Pages(ctx, func(l *compute.SubnetworkAggregatedList) error {
		for _, scoped := range l.Items {
			for _, s := range scoped.Subnetworks {
				key, mine := p.owned(s.Description)
				if !mine {
					w.other("subnetworks", s.Name)
					continue
				}
				o := &subnetObj{Object: cloud.Object{Key: key, ID: path(s.SelfLink)}, link: s.SelfLink, network: path(s.Network), region: nameOf(s.Region)}
				o.cidr, _ = netip.ParsePrefix(s.IpCidrRange)
				objs = append(objs, o)
			}
		}
		return nil
	})
	w.subnets = cloud.Index(objs)
	return wrapList("subnetworks", err)
}

func (p *Provider) listFirewalls(ctx context.Context, w *world) error {
	var objs []*fwObj
	err := p.svc.Firewalls.List(p.project).Pages(ctx, func(l *compute.FirewallList) error {
		for _, f := range l.Items {
			key, mine := p.owned(f.Description)
			if !mine {
				w.other("firewalls", f.Name)
				continue
			}
			objs = append(objs, &fwObj{Object: cloud.Object{Key: key, ID: path(f.SelfLink)}, spec: toFirewall(f)})
		}
		return nil
	})
	w.fws = cloud.Index(objs)
	return wrapList("firewalls", err)
}

// toFirewall reads a firewall rule in the form the provider writes: one
// allowed entry, one source range, one target tag (anything else reads
// as a spec the plan replaces).
func toFirewall(f *compute.Firewall) fwSpec {
	s := fwSpec{name: f.Name, network: path(f.Network), target: strings.Join(f.TargetTags, ","), source: strings.Join(f.SourceRanges, ",")}
	var allowed []string
	for _, a := range f.Allowed {
		e := a.IPProtocol
		if len(a.Ports) > 0 {
			e += ":" + strings.Join(a.Ports, ",")
		}
		allowed = append(allowed, e)
	}
	s.allowed = strings.Join(allowed, ";")
	if len(f.Denied) > 0 || f.Disabled || f.Direction != "INGRESS" || f.Priority != fwPriority || len(f.SourceTags)+len(f.TargetServiceAccounts)+len(f.SourceServiceAccounts) > 0 {
		s.allowed += ";other"
	}
	return s
}

func (p *Provider) listRoutes(ctx context.Context, w *world) error {
	var objs []*routeObj
	err := p.svc.Routes.List(p.project).Pages(ctx, func(l *compute.RouteList) error {
		for _, r := range l.Items {
			key, mine := p.owned(r.Description)
			if !mine {
				w.other("routes", r.Name)
				continue
			}
			o := &routeObj{Object: cloud.Object{Key: key, ID: path(r.SelfLink)}, name: r.Name, network: path(r.Network), priority: r.Priority}
			o.dst, _ = netip.ParsePrefix(r.DestRange)
			if len(r.Tags) == 1 {
				o.tag = r.Tags[0]
			}
			switch {
			case r.NextHopGateway != "":
				o.hop = "global/gateways/" + nameOf(r.NextHopGateway)
			case r.NextHopInstance != "":
				o.hop = path(r.NextHopInstance)
			default:
				o.hop = "other"
			}
			objs = append(objs, o)
		}
		return nil
	})
	// Routes are indexed by name: many share their subnet's key.
	w.routes = map[string]*routeObj{}
	for _, o := range objs {
		w.routes[o.name] = o
	}
	return wrapList("routes", err)
}

func (p *Provider) listAddresses(ctx context.Context, w *world) error {
	var objs []*addrObj
	err := p.svc.Addresses.AggregatedList(p.project).Pages(ctx, func(l *compute.AddressAggregatedList) error {
		for _, scoped := range l.Items {
			for _, a := range scoped.Addresses {
				key, mine := p.owned(a.Description)
				if !mine {
					w.other("addresses", a.Name)
					continue
				}
				o := &addrObj{Object: cloud.Object{Key: key, ID: path(a.SelfLink)}, name: a.Name, region: nameOf(a.Region)}
				o.addr, _ = netip.ParseAddr(a.Address)
				objs = append(objs, o)
			}
		}
		return nil
	})
	w.addrs = cloud.Index(objs)
	return wrapList("addresses", err)
}

func (p *Provider) listInstances(ctx context.Context, w *world) error {
	var objs []*instObj
	err := p.svc.Instances.AggregatedList(p.project).Pages(ctx, func(l *compute.InstanceAggregatedList) error {
		for _, scoped := range l.Items {
			for _, i := range scoped.Instances {
				key, mine := p.owned(i.Description)
				if !mine {
					w.other("instances", i.Name)
					continue
				}
				objs = append(objs, toInstance(key, i))
			}
		}
		return nil
	})
	w.insts = cloud.Index(objs)
	return wrapList("instances", err)
}

// toInstance reads an instance and its first interface.
func toInstance(key string, i *compute.Instance) *instObj {
	o := &instObj{Object: cloud.Object{Key: key, ID: path(i.SelfLink)}, link: i.SelfLink, name: i.Name, zone: nameOf(i.Zone),
		machineType: nameOf(i.MachineType), image: word(i.Description, imageWord), forward: i.CanIpForward}
	if i.Tags != nil {
		o.tags = sortedTags(i.Tags.Items)
	}
	if len(i.NetworkInterfaces) > 0 {
		n := i.NetworkInterfaces[0]
		o.subnet = path(n.Subnetwork)
		o.ip, _ = netip.ParseAddr(n.NetworkIP)
		for _, ac := range n.AccessConfigs {
			if a, err := netip.ParseAddr(ac.NatIP); err == nil {
				o.nat = a
			}
		}
	}
	return o
}

func wrapList(what string, err error) error {
	if err != nil {
		return fmt.Errorf("list %s: %w", what, err)
	}
	return nil
}
