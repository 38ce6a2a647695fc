package azure

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// The phases of a plan, in the order their calls are made: deletions in
// reverse dependency order, then creations and changes in dependency
// order, then deletions of what a surviving object held until it changed.
const (
	phDelERConn = iota
	phDelERGW
	phDelVM
	phDelNIC
	phDelPIP
	phDelRoute
	phDelSubnet
	phDelCircuit // after the GatewaySubnet: the reverse of their making
	phDelTable
	phDelNSG
	phDelVNet
	phDelGroup
	phGroup
	phTable
	phNSG
	phVNet
	phSubnet
	phRoute
	phPIP
	// phNICFixed makes the NICs with a static private address before
	// phNIC makes those whose address Azure chooses: made together, one
	// of the latter could take the address a static one asks for.
	phNICFixed
	phNIC
	phVM
	phCircuit
	phPeering
	phGWSubnet
	phERGW
	phERConn
	phLateDelPIP
	phLateDelNSG
	phLateDelTable
	nPhases
)

// The ARM namespaces the plan's calls are in; each call's action is its
// operation as Azure names it for access control
// (Azure: https://learn.microsoft.com/en-us/azure/role-based-access-control/resource-provider-operations).
const (
	nsResources = "Microsoft.Resources"
	nsNetwork   = "Microsoft.Network"
	nsCompute   = "Microsoft.Compute"
)

// planner computes the ops that bring a world to a desired state.
type planner struct {
	p   *Provider
	d   cloud.Desired
	w   *world
	ops cloud.Phased

	wantVPC    map[string]cloud.VPC
	wantSubnet map[string]cloud.Subnet
	subnetVPC  map[string]string // subnet key -> VPC key
	wantGroup  map[string]cloud.SecurityGroup
	wantInst   map[string]cloud.Instance
	// wantNIC are the NICs (and their public IPs) by key: each instance's
	// own, keyed like it, and each further interface's (nicsOf).
	wantNIC    map[string]cloud.Instance
	wantRG     map[string]string // resource group -> its location
	wantRoutes map[string]map[netip.Prefix]cloud.TargetKind

	// errs are the problems found while planning: each fails the plan.
	errs []error

	goneRG, goneVNet, goneSubnet, goneTable, goneNSG, gonePIP, goneNIC, goneVM cloud.Gone
	goneCircuit, goneERGW, goneERConn                                          cloud.Gone
}

func newPlanner(p *Provider, d cloud.Desired, w *world) *planner {
	x := d.Index()
	pl := &planner{p: p, d: d, w: w, ops: cloud.NewPhased(nPhases),
		wantVPC: x.VPCs, wantSubnet: x.Subnets, subnetVPC: x.SubnetVPC, wantGroup: x.Groups, wantInst: x.Instances,
		wantRoutes: x.Routes, wantRG: map[string]string{}, wantNIC: map[string]cloud.Instance{},
		goneRG: cloud.Gone{}, goneVNet: cloud.Gone{}, goneSubnet: cloud.Gone{}, goneTable: cloud.Gone{},
		goneNSG: cloud.Gone{}, gonePIP: cloud.Gone{}, goneNIC: cloud.Gone{}, goneVM: cloud.Gone{}, goneCircuit: cloud.Gone{}, goneERGW: cloud.Gone{}, goneERConn: cloud.Gone{}}
	for _, in := range d.Instances {
		for _, n := range nicsOf(in) {
			pl.wantNIC[n.Key] = n
		}
	}
	for _, v := range d.VPCs {
		if _, ok := pl.wantRG[pl.group(v.Key)]; !ok {
			pl.wantRG[pl.group(v.Key)] = pl.location(v.Key)
		}
	}
	return pl
}

// group is the resource group of a VPC and everything in it.
func (pl *planner) group(vpc string) string {
	if g := pl.wantVPC[vpc].Group; g != "" {
		return g
	}
	return DefaultGroup(pl.p.owner)
}

// DefaultGroup is the resource group of a VPC that names none.
func DefaultGroup(owner string) string { return "mcnlab-" + azName(owner) }

// location is the region of a VPC and everything in it.
func (pl *planner) location(vpc string) string {
	if r := pl.wantVPC[vpc].Region; r != "" {
		return r
	}
	return pl.p.region
}

// plan returns the ops in phase order.
func (pl *planner) plan() ([]cloud.Op, error) {
	pl.findGone()
	pl.planGroups()
	pl.planVNets()
	pl.planTables()
	pl.planSubnets()
	if err := pl.planRoutes(); err != nil {
		return nil, err
	}
	pl.planNSGs()
	pl.planInstances()
	pl.planLines()
	if err := errors.Join(pl.errs...); err != nil {
		return nil, err
	}
	return pl.ops.Ops(), nil
}

// findGone decides what is deleted: objects d no longer has, objects whose
// immutable properties differ from d (replaced), and objects inside or
// on something deleted. Each kind is decided after those it depends on.
func (pl *planner) findGone() {
	w := pl.w
	cloud.FindGone(pl.goneRG, w.groups, pl.wantRG, nil)
	cloud.FindGone(pl.goneVNet, w.vnets, pl.wantVPC, pl.replaceVNet)
	cloud.FindGone(pl.goneSubnet, w.subnets, pl.wantSubnet, pl.replaceSubnet)
	cloud.FindGone(pl.goneTable, w.tables, pl.wantSubnet, func(k string, o *tableObj, _ cloud.Subnet) (string, bool) {
		return pl.replacePlaced(o.group, o.location, pl.subnetVPC[k])
	})
	cloud.FindGone(pl.goneNSG, w.nsgs, pl.wantGroup, func(_ string, o *nsgObj, g cloud.SecurityGroup) (string, bool) {
		return pl.replacePlaced(o.group, o.location, g.VPC)
	})
	cloud.FindGone(pl.gonePIP, w.pips, pl.wantNIC, func(_ string, o *pipObj, i cloud.Instance) (string, bool) {
		if !i.PublicIP {
			return "", true
		}
		return pl.replacePlaced(o.group, o.location, i.VPC)
	})
	cloud.FindGone(pl.goneNIC, w.nics, pl.wantNIC, pl.replaceNIC)
	cloud.FindGone(pl.goneVM, w.vms, pl.wantInst, pl.replaceVM)
	pl.findGoneLines()
}

// replacePlaced replaces an object that is not in the resource group and
// location of VPC vpc.
func (pl *planner) replacePlaced(group, location, vpc string) (string, bool) {
	switch g, l := pl.group(vpc), pl.location(vpc); {
	case !strings.EqualFold(group, g):
		return cloud.Replace(fmt.Sprintf("replace: resourceGroup %s -> %s", group, g))
	case !strings.EqualFold(location, l):
		return cloud.Replace(fmt.Sprintf("replace: location %s -> %s", location, l))
	}
	return "", false
}

func (pl *planner) replaceVNet(k string, o *vnetObj, want cloud.VPC) (string, bool) {
	if why, goes := pl.replacePlaced(o.group, o.location, k); goes {
		return why, goes
	}
	if len(o.space) != 1 || o.space[0] != want.CIDR {
		return cloud.Replace(fmt.Sprintf("replace: addressSpace %s -> %s", prefixList(o.space), want.CIDR))
	}
	return "", false
}

func (pl *planner) replaceSubnet(k string, o *subnetObj, want cloud.Subnet) (string, bool) {
	vk := pl.subnetVPC[k]
	switch {
	case pl.goneVNet.Has(vk):
		return cloud.Replace("replace with virtual network " + vk)
	case o.prefix != want.CIDR:
		return cloud.Replace(fmt.Sprintf("replace: addressPrefix %s -> %s", o.prefix, want.CIDR))
	}
	return "", false
}

func (pl *planner) replaceNIC(k string, o *nicObj, want cloud.Instance) (string, bool) {
	if why, goes := pl.replacePlaced(o.group, o.location, want.VPC); goes {
		return why, goes
	}
	sk := cloud.KeyByID(pl.w.subnets, o.subnetID)
	switch {
	case sk != want.Subnet:
		return cloud.Replace(fmt.Sprintf("replace: subnet %s -> <%s>", o.subnetID, want.Subnet))
	case pl.goneSubnet.Has(sk):
		return cloud.Replace("replace with subnet " + sk)
	case want.PrivateIP.IsValid() && (o.ip != want.PrivateIP || !o.static):
		return cloud.Replace(fmt.Sprintf("replace: privateIPAddress %s -> %s", o.ip, want.PrivateIP))
	}
	return "", false
}

func (pl *planner) replaceVM(k string, o *vmObj, want cloud.Instance) (string, bool) {
	if why, goes := pl.replacePlaced(o.group, o.location, want.VPC); goes {
		return why, goes
	}
	image, size := pl.p.images[want.Image].String(), vmSize(want.Size)
	nics := nicsOf(want)
	if len(o.nicIDs) != len(nics) {
		return cloud.Replace(fmt.Sprintf("replace: %d network interfaces -> %d", len(o.nicIDs), len(nics)))
	}
	for i, n := range nics {
		if have, ok := pl.w.nics[n.Key]; !ok || !strings.EqualFold(have.ID, o.nicIDs[i]) {
			return cloud.Replace("replace: networkInterface " + o.nicIDs[i] + " -> <" + n.Key + ">")
		}
		if pl.goneNIC.Has(n.Key) {
			return cloud.Replace("replace with network interface " + n.Key)
		}
	}
	switch {
	case o.image != image:
		return cloud.Replace(fmt.Sprintf("replace: imageReference %s -> %s", o.image, image))
	case o.size != size:
		return cloud.Replace(fmt.Sprintf("replace: vmSize %s -> %s", o.size, size))
	}
	return "", false
}

// free reports whether the name a new object of type typ (such as
// Microsoft.Network/virtualNetworks) would take in resource group rg is
// free; if another owner's object has it, it records why not: a PUT
// there would take that object over.
func (pl *planner) free(typ, rg, name, key string) bool {
	id := "/subscriptions/" + pl.p.sub + "/resourceGroups/" + rg + "/providers/" + typ + "/" + name
	if !pl.w.taken[strings.ToLower(id)] {
		return true
	}
	pl.errs = append(pl.errs, fmt.Errorf("%s: %s %s in resource group %s is not owner %s's (its tags do not say so); rename the key or use another resource group",
		key, typ[strings.LastIndex(typ, "/")+1:], name, rg, pl.p.owner))
	return false
}

// vmSize is the VM size of a size class.
func vmSize(s cloud.Size) string {
	if v, ok := VMSizes[s]; ok {
		return v
	}
	return VMSizes[cloud.SizeSmall]
}

// add appends an op to a phase.
func (pl *planner) add(ph int, ns, action, object, detail, what string, run func(context.Context) error) {
	pl.ops.Add(ph, cloud.Call{Service: ns, Action: action, Object: object, Detail: detail}, what, run)
}

// held reports whether an object with the given ID is referred to by a
// NIC that stays (so it is deleted late, once the NIC has let it go).
func (pl *planner) held(id string, ref func(*nicObj) string) bool {
	for k, n := range pl.w.nics {
		if !pl.goneNIC.Has(k) && strings.EqualFold(ref(n), id) {
			return true
		}
	}
	return false
}

func prefixList(ps []netip.Prefix) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	slices.Sort(s)
	return strings.Join(s, ",")
}
