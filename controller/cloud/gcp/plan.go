package gcp

import (
	"context"
	"errors"
	"fmt"
	"net/netip"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// The phases of a plan, in the order their calls are made: deletions in
// reverse dependency order, then creations and changes in dependency
// order.
const (
	phDelInst = iota
	phDelAtt
	phDelRouter
	phDelAddr
	phDelRoute
	phDelFirewall
	phDelSubnet
	phDelNet
	phNet
	phSubnet
	phFirewall
	phRoute
	phAddr
	// phInstFixed creates the instances with a fixed internal IP before
	// phInst creates those whose IP GCP chooses: created together, one
	// of the latter could take the IP a fixed one asks for.
	phInstFixed
	phInst
	phTags
	phRouter
	phAtt
	phPeer
	nPhases
)

// service is the API the plan's calls are in; each call's action is the
// method as Compute Engine names it (networks.insert).
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1 — the Compute Engine API's resources and methods
const service = "compute"

// planner computes the ops that bring a world to a desired state.
type planner struct {
	p   *Provider
	d   cloud.Desired
	w   *world
	x   cloud.Wanted
	ops cloud.Phased

	// errs are the problems found while planning: each fails the plan.
	errs []error

	goneNet, goneSubnet, goneFw, goneAddr, goneInst cloud.Gone
	goneRouter, goneAtt                             cloud.Gone
	wantFw                                          map[string]fwSpec // by SECURITYGROUP#N
}

func newPlanner(p *Provider, d cloud.Desired, w *world) *planner {
	pl := &planner{p: p, d: d, w: w, x: d.Index(), ops: cloud.NewPhased(nPhases),
		goneNet: cloud.Gone{}, goneSubnet: cloud.Gone{}, goneFw: cloud.Gone{}, goneAddr: cloud.Gone{}, goneInst: cloud.Gone{},
		goneRouter: cloud.Gone{}, goneAtt: cloud.Gone{}, wantFw: map[string]fwSpec{}}
	for _, g := range d.SecurityGroups {
		for k, s := range pl.firewallsOf(g) {
			pl.wantFw[k] = s
		}
	}
	return pl
}

// region is the region of a VPC's subnets and everything in them.
func (pl *planner) region(vpc string) string {
	if r := pl.x.VPCs[vpc].Region; r != "" {
		return r
	}
	return pl.p.region
}

// zone is the zone of an instance in subnet: the subnet's Zone where it
// names one of the region's, else the region's zone b, which every region
// has but few.
// GCP: https://cloud.google.com/compute/docs/regions-zones#available — zones are REGION-a..f; not every region has a
func (pl *planner) zone(subnet string) string {
	r := pl.region(pl.x.SubnetVPC[subnet])
	if z := pl.x.Subnets[subnet].Zone; z != "" && regionOfZone(z) == r {
		return z
	}
	return r + "-b"
}

// plan returns the ops in phase order.
func (pl *planner) plan() ([]cloud.Op, error) {
	pl.findGone()
	pl.planNetworks()
	pl.planSubnets()
	pl.planFirewalls()
	pl.planStaticRoutes()
	pl.planAddresses()
	pl.planInstances()
	pl.planInterconnects()
	if err := errors.Join(pl.errs...); err != nil {
		return nil, err
	}
	return pl.ops.Ops(), nil
}

// findGone decides what is deleted: objects d no longer has, objects whose
// immutable properties differ from d (replaced), and objects inside or on
// something deleted. Each kind is decided after those it depends on.
func (pl *planner) findGone() {
	w := pl.w
	cloud.FindGone(pl.goneNet, w.nets, pl.x.VPCs, nil)
	cloud.FindGone(pl.goneSubnet, w.subnets, pl.x.Subnets, func(k string, o *subnetObj, want cloud.Subnet) (string, bool) {
		vk := pl.x.SubnetVPC[k]
		switch {
		case pl.goneNet.Has(vk) || !cloud.Keeps(w.nets, pl.goneNet, vk) || w.nets[vk].ID != o.network:
			return cloud.Replace("replace with network " + vk)
		case o.region != pl.region(vk):
			return cloud.Replace(fmt.Sprintf("replace: region %s -> %s", o.region, pl.region(vk)))
		case o.cidr != want.CIDR:
			return cloud.Replace(fmt.Sprintf("replace: ipCidrRange %s -> %s", o.cidr, want.CIDR))
		}
		return "", false
	})
	cloud.FindGone(pl.goneFw, w.fws, pl.wantFw, func(_ string, o *fwObj, want fwSpec) (string, bool) {
		if vk := want.network; !cloud.Keeps(w.nets, pl.goneNet, vk) || o.spec.network != w.nets[vk].ID {
			return cloud.Replace("replace with network " + vk)
		}
		return "", false
	})
	cloud.FindGone(pl.goneAddr, w.addrs, pl.x.Instances, func(_ string, o *addrObj, i cloud.Instance) (string, bool) {
		if !i.PublicIP {
			return "", true
		}
		if r := pl.region(i.VPC); o.region != r {
			return cloud.Replace(fmt.Sprintf("replace: region %s -> %s", o.region, r))
		}
		return "", false
	})
	cloud.FindGone(pl.goneInst, w.insts, pl.x.Instances, pl.replaceInstance)
	pl.findGoneInterconnects()
}

// replaceInstance replaces an instance whose placement, interface, image,
// machine type, forwarding or external address differ: those are set at
// creation (the plan changes only its tags in place).
func (pl *planner) replaceInstance(k string, o *instObj, want cloud.Instance) (string, bool) {
	w := pl.w
	sub, ok := w.subnets[want.Subnet]
	image, mt := pl.p.images[want.Image], machineType(want.Size)
	switch {
	case !ok || pl.goneSubnet.Has(want.Subnet) || sub.ID != o.subnet:
		return cloud.Replace("replace with subnetwork " + want.Subnet)
	case o.zone != pl.zone(want.Subnet):
		return cloud.Replace(fmt.Sprintf("replace: zone %s -> %s", o.zone, pl.zone(want.Subnet)))
	case want.PrivateIP.IsValid() && o.ip != want.PrivateIP:
		return cloud.Replace(fmt.Sprintf("replace: networkIP %s -> %s", o.ip, want.PrivateIP))
	case o.image != image:
		return cloud.Replace(fmt.Sprintf("replace: sourceImage %s -> %s", o.image, image))
	case o.machineType != mt:
		return cloud.Replace(fmt.Sprintf("replace: machineType %s -> %s", o.machineType, mt))
	case o.forward == want.SourceDestCheck:
		return cloud.Replace(fmt.Sprintf("replace: canIpForward %t -> %t", o.forward, !want.SourceDestCheck))
	case want.PublicIP && (pl.goneAddr.Has(k) || w.addrs[k] == nil || w.addrs[k].addr != o.nat):
		return cloud.Replace("replace: natIP " + o.nat.String() + " -> <" + k + ">")
	case !want.PublicIP && o.nat.IsValid():
		return cloud.Replace("replace: natIP " + o.nat.String() + " -> none")
	}
	return "", false
}

// free reports whether the name a new object would take in a collection
// is free; if another owner's object has it, it records why not.
func (pl *planner) free(coll, name, key string) bool {
	if !pl.w.taken[coll+"/"+name] {
		return true
	}
	pl.errs = append(pl.errs, fmt.Errorf("%s: %s %s of project %s is not owner %s's (its description does not say so); rename the key",
		key, coll, name, pl.p.project, pl.p.owner))
	return false
}

// add appends an op to a phase.
func (pl *planner) add(ph int, action, object, detail, what string, run func(context.Context) error) {
	pl.ops.Add(ph, cloud.Call{Service: service, Action: action, Object: object, Detail: detail}, what, run)
}

// machineType is the machine type of a size class.
func machineType(s cloud.Size) string {
	if v, ok := MachineTypes[s]; ok {
		return v
	}
	return MachineTypes[cloud.SizeSmall]
}

// addrOf parses an address the API returned; invalid for none.
func addrOf(s string) netip.Addr {
	a, _ := netip.ParseAddr(s)
	return a
}
