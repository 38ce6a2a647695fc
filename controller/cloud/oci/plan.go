package oci

import (
	"context"
	"errors"
	"fmt"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// The phases of a plan, in the order their calls are made: deletions of
// what depends on others first, creations in dependency order, and last
// the deletions that must wait for the VNICs to leave an NSG and for the
// VCN to be empty.
const (
	phDelPub = iota
	phDelVc
	phDelInst
	phDelSubnet
	phDelTable
	phDelList
	phDelIgw
	phVcn
	phIgw
	phDrg
	phDrgAtt
	phList
	phNsg
	phNsgRules
	phTable
	phSubnet
	// phInstFixed launches the instances with a fixed private IP before
	// phInst launches those whose IP the cloud chooses: launched
	// together, one of the latter could take the IP a fixed one asks for.
	phInstFixed
	phInst
	phVnic
	phPub
	phVc
	// A table's rules to a DRG are gone (phTable) before the DRG goes.
	phDelDrgAtt
	phDelDrg
	phDelNsg
	phDelVcn
	nPhases
)

// service is the API the plan's calls are in; each call's action is the
// operation as the Core Services API reference names it (CreateVcn).
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/ — the Core Services API
const service = "core"

// baseList is the key of a VCN's base security list.
func baseList(vpc string) string { return vpc + "/base" }

// planner computes the ops that bring a world to a desired state.
type planner struct {
	p   *Provider
	d   cloud.Desired
	w   *world
	x   cloud.Wanted
	ops cloud.Phased

	errs []error

	goneVcn, goneIgw, goneList, goneTable, goneSubnet, goneNsg, goneInst, gonePub cloud.Gone
	goneDrg, goneDrgAtt, goneVc                                                   cloud.Gone
}

func newPlanner(p *Provider, d cloud.Desired, w *world) *planner {
	return &planner{p: p, d: d, w: w, x: d.Index(), ops: cloud.NewPhased(nPhases),
		goneVcn: cloud.Gone{}, goneIgw: cloud.Gone{}, goneList: cloud.Gone{}, goneTable: cloud.Gone{}, goneSubnet: cloud.Gone{},
		goneNsg: cloud.Gone{}, goneInst: cloud.Gone{}, gonePub: cloud.Gone{}, goneDrg: cloud.Gone{}, goneDrgAtt: cloud.Gone{}, goneVc: cloud.Gone{}}
}

// plan returns the ops in phase order.
func (pl *planner) plan() ([]cloud.Op, error) {
	pl.findGone()
	pl.planVcns()
	pl.planChildren()
	pl.planFastConnect()
	pl.planNSGs()
	pl.planTables()
	pl.planSubnets()
	pl.planInstances()
	pl.planPublicIPs()
	if err := errors.Join(pl.errs...); err != nil {
		return nil, err
	}
	return pl.ops.Ops(), nil
}

// wantChildren are the VPCs by the keys of their internet gateways (those
// with Internet) and base security lists.
func (pl *planner) wantChildren() (igws, lists map[string]string) {
	igws, lists = map[string]string{}, map[string]string{}
	for _, v := range pl.d.VPCs {
		if v.Internet {
			igws[v.Key] = v.Key
		}
		lists[baseList(v.Key)] = v.Key
	}
	return igws, lists
}

// findGone decides what is deleted: objects d no longer has, objects whose
// immutable properties differ from d (replaced), and objects inside or on
// something deleted. Each kind is decided after those it depends on.
func (pl *planner) findGone() {
	w := pl.w
	cloud.FindGone(pl.goneVcn, w.vcns, pl.x.VPCs, func(_ string, o *vcnObj, want cloud.VPC) (string, bool) {
		if o.cidr != want.CIDR {
			return cloud.Replace(fmt.Sprintf("replace: cidrBlock %s -> %s", o.cidr, want.CIDR))
		}
		return "", false
	})
	inVcn := func(vk, vcn string) (string, bool) {
		if !cloud.Keeps(w.vcns, pl.goneVcn, vk) || w.vcns[vk].ID != vcn {
			return cloud.Replace("replace with vcn " + vk)
		}
		return "", false
	}
	igws, lists := pl.wantChildren()
	cloud.FindGone(pl.goneIgw, w.igws, igws, func(_ string, o *childObj, vk string) (string, bool) { return inVcn(vk, o.vcn) })
	cloud.FindGone(pl.goneList, w.lists, lists, func(_ string, o *childObj, vk string) (string, bool) { return inVcn(vk, o.vcn) })
	cloud.FindGone(pl.goneNsg, w.nsgs, pl.x.Groups, func(_ string, o *nsgObj, g cloud.SecurityGroup) (string, bool) { return inVcn(g.VPC, o.vcn) })
	cloud.FindGone(pl.goneTable, w.tables, pl.x.Subnets, func(k string, o *rtObj, _ cloud.Subnet) (string, bool) {
		return inVcn(pl.x.SubnetVPC[k], o.vcn)
	})
	cloud.FindGone(pl.goneSubnet, w.subnets, pl.x.Subnets, func(k string, o *subnetObj, want cloud.Subnet) (string, bool) {
		vk := pl.x.SubnetVPC[k]
		switch {
		case o.cidr != want.CIDR:
			return cloud.Replace(fmt.Sprintf("replace: cidrBlock %s -> %s", o.cidr, want.CIDR))
		case !cloud.Keeps(w.tables, pl.goneTable, k) || w.tables[k].ID != o.rt:
			return cloud.Replace("replace with route table " + k)
		case !cloud.Keeps(w.lists, pl.goneList, baseList(vk)) || len(o.lists) != 1 || o.lists[0] != w.lists[baseList(vk)].ID:
			return cloud.Replace("replace with security list " + baseList(vk))
		}
		return inVcn(vk, o.vcn)
	})
	pl.findGoneFastConnect()
	cloud.FindGone(pl.goneInst, w.insts, pl.x.Instances, pl.replaceInstance)
	cloud.FindGone(pl.gonePub, w.pubs, pl.x.Instances, func(_ string, _ *pubObj, i cloud.Instance) (string, bool) {
		return "", !i.PublicIP
	})
}

// replaceInstance replaces an instance whose subnet, address, image or
// shape differ: those are set at launch (its NSGs and its
// source/destination check change in place, on its VNIC).
func (pl *planner) replaceInstance(_ string, o *instObj, want cloud.Instance) (string, bool) {
	sub, ok := pl.w.subnets[want.Subnet]
	switch {
	case !ok || pl.goneSubnet.Has(want.Subnet) || sub.ID != o.subnet:
		return cloud.Replace("replace with subnet " + want.Subnet)
	case want.PrivateIP.IsValid() && o.ip != want.PrivateIP:
		return cloud.Replace(fmt.Sprintf("replace: privateIp %s -> %s", o.ip, want.PrivateIP))
	case o.image != pl.p.images[want.Image]:
		return cloud.Replace(fmt.Sprintf("replace: imageId %s -> %s", o.image, pl.p.images[want.Image]))
	case o.shape != shape(want.Size):
		return cloud.Replace(fmt.Sprintf("replace: shape %s -> %s", o.shape, shape(want.Size)))
	}
	return "", false
}

// add appends an op to a phase.
func (pl *planner) add(ph int, action, object, detail, what string, run func(context.Context) error) {
	pl.ops.Add(ph, cloud.Call{Service: service, Action: action, Object: object, Detail: detail}, what, run)
}

// shape is the shape of a size class.
func shape(s cloud.Size) string {
	if v, ok := Shapes[s]; ok {
		return v
	}
	return Shapes[cloud.SizeSmall]
}
