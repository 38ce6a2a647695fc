package aws

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// The phases of a plan, in the order their calls are made: deletions in
// reverse dependency order, then creations and changes in dependency order.
const (
	phDelVIF = iota
	phDelRoute
	phTerminate
	phRelease
	phDelGroup
	phDelIGW
	phDelVGW
	phDelTable
	phDelSubnet
	phDelACL
	phDelVPC
	phVPC
	phSubnet
	phACL
	phTable
	phIGW
	phVGW
	phGroup
	// phInstanceFixed launches the instances with a fixed private
	// address before phInstance launches those whose address the cloud
	// chooses: launched together, one of the latter could take the
	// address a fixed one asks for (InvalidIPAddress.InUse).
	phInstanceFixed
	phInstance
	phInstanceAttr
	phEIP
	phRoute
	phVIF
	// phLateDelGroup deletes groups that surviving instances leave only
	// once phInstance has changed their groups.
	phLateDelGroup
	nPhases
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
	wantRoutes map[string]map[netip.Prefix]cloud.TargetKind // by subnet key
	wantVIF    map[string]cloud.VirtualInterface
	wantENI    map[string]wantedENI
	wantEIP    map[string]bool // instance and interface keys with an elastic IP

	// gone* hold the world keys of the objects to delete, each with why
	// ("" when d no longer has it, "replace: ..." when it is recreated).
	goneVPC, goneSubnet, goneTable, goneIGW, goneVGW, goneGroup, goneInst, goneEIP, goneVIF, goneENI, goneACL cloud.Gone
	// wantTable are the route tables by key (a subnet's, or a VPC's
	// ingress table), each with its VPC's key.
	wantTable map[string]string
	// wantACL are the subnets' own network ACLs by key (the subnet's),
	// each with its VPC's key (acl.go).
	wantACL map[string]string
}

func newPlanner(p *Provider, d cloud.Desired, w *world) *planner {
	x := d.Index()
	pl := &planner{p: p, d: d, w: w, ops: cloud.NewPhased(nPhases),
		wantVPC: x.VPCs, wantSubnet: x.Subnets, subnetVPC: x.SubnetVPC, wantGroup: x.Groups, wantInst: x.Instances,
		wantRoutes: x.Routes, wantVIF: x.VIFs,
		goneVPC: cloud.Gone{}, goneSubnet: cloud.Gone{}, goneTable: cloud.Gone{},
		goneIGW: cloud.Gone{}, goneVGW: cloud.Gone{}, goneGroup: cloud.Gone{},
		goneInst: cloud.Gone{}, goneEIP: cloud.Gone{}, goneVIF: cloud.Gone{}, goneENI: cloud.Gone{}, goneACL: cloud.Gone{},
		wantENI: wantENIs(d), wantEIP: map[string]bool{},
		wantTable: map[string]string{}, wantACL: map[string]string{}}
	for _, i := range d.Instances {
		pl.wantEIP[i.Key] = i.PublicIP
	}
	for k, f := range pl.wantENI {
		pl.wantEIP[k] = f.PublicIP
	}
	for _, v := range d.VPCs {
		for _, s := range v.Subnets {
			pl.wantTable[s.Key] = v.Key
			if s.OwnACL {
				pl.wantACL[s.Key] = v.Key
			}
		}
		if v.IngressRouting {
			pl.wantTable[cloud.IngressTableKey(v.Key)] = v.Key
		}
	}
	return pl
}

// plan returns the ops in phase order.
func (pl *planner) plan() ([]cloud.Op, error) {
	pl.findGone()
	pl.planNetworks()
	pl.planGroups()
	pl.planInstances()
	if err := pl.planRoutes(); err != nil {
		return nil, err
	}
	if err := pl.planVIFs(); err != nil {
		return nil, err
	}
	return pl.ops.Ops(), nil
}

// findGone decides what is deleted: objects d no longer has, objects whose
// immutable properties differ from d (replaced), and objects inside
// something deleted. Each kind is decided after the kinds it lives in.
func (pl *planner) findGone() {
	w := pl.w
	cloud.FindGone(pl.goneVPC, w.vpcs, pl.wantVPC, pl.replaceVPC)
	cloud.FindGone(pl.goneSubnet, w.subnets, pl.wantSubnet, pl.replaceSubnet)
	cloud.FindGone(pl.goneTable, w.tables, pl.wantTable, pl.replaceTable)
	cloud.FindGone(pl.goneACL, w.acls, pl.wantACL, pl.replaceACL)
	cloud.FindGone(pl.goneIGW, w.igws, pl.wantVPC, pl.replaceGateway(func(v cloud.VPC) bool { return v.Internet }))
	cloud.FindGone(pl.goneVGW, w.vgws, pl.wantVPC, pl.replaceGateway(func(v cloud.VPC) bool { return v.PrivateLines }))
	cloud.FindGone(pl.goneGroup, w.groups, pl.wantGroup, pl.replaceGroup)
	cloud.FindGone(pl.goneInst, w.instances, pl.wantInst, pl.replaceInstance)
	cloud.FindGone(pl.goneEIP, w.eips, pl.wantEIP, func(_ string, _ *eipObj, public bool) (string, bool) {
		return "", !public
	})
	cloud.FindGone(pl.goneENI, w.enis, pl.wantENI, pl.replaceENI)
	cloud.FindGone(pl.goneVIF, w.vifs, pl.wantVIF, pl.replaceVIF)
}

func (pl *planner) replaceVPC(_ string, o *vpcObj, want cloud.VPC) (string, bool) {
	if o.cidr != want.CIDR {
		return cloud.Replace(fmt.Sprintf("replace: CidrBlock %s -> %s", o.cidr, want.CIDR))
	}
	return "", false
}

func (pl *planner) replaceSubnet(k string, o *subnetObj, want cloud.Subnet) (string, bool) {
	vk := pl.w.vpcKey(o.vpcID)
	switch {
	case vk != pl.subnetVPC[k]:
		return cloud.Replace(fmt.Sprintf("replace: VpcId %s -> <%s>", o.vpcID, pl.subnetVPC[k]))
	case pl.goneVPC.Has(vk):
		return cloud.Replace("replace with VPC " + vk)
	case o.cidr != want.CIDR:
		return cloud.Replace(fmt.Sprintf("replace: CidrBlock %s -> %s", o.cidr, want.CIDR))
	case o.zone != pl.zone(want):
		return cloud.Replace(fmt.Sprintf("replace: AvailabilityZone %s -> %s", o.zone, pl.zone(want)))
	}
	return "", false
}

func (pl *planner) replaceTable(k string, o *tableObj, vpcKey string) (string, bool) {
	if _, ok := pl.wantSubnet[k]; !ok { // a VPC's ingress table
		vpc, exists := pl.w.vpcs[vpcKey]
		switch {
		case !exists || pl.goneVPC.Has(vpcKey):
			return cloud.Replace("replace with VPC " + vpcKey)
		case vpc.id != o.vpcID:
			return cloud.Replace(fmt.Sprintf("replace: VpcId %s -> %s", o.vpcID, vpc.id))
		}
		return "", false
	}
	return pl.replaceWithSubnet(k, o.vpcID)
}

// replaceWithSubnet decides on an object of subnet k in VPC vpcID (its
// route table, its network ACL): it goes with the subnet, and when the
// subnet is in another VPC.
func (pl *planner) replaceWithSubnet(k, vpcID string) (string, bool) {
	s, exists := pl.w.subnets[k]
	switch {
	case !exists || pl.goneSubnet.Has(k):
		return cloud.Replace("replace with subnet " + k)
	case s.vpcID != vpcID:
		return cloud.Replace(fmt.Sprintf("replace: VpcId %s -> %s", vpcID, s.vpcID))
	}
	return "", false
}

// replaceGateway decides on a VPC's internet or VPN gateway, which want
// says the VPC has.
func (pl *planner) replaceGateway(want func(cloud.VPC) bool) func(string, *gwObj, cloud.VPC) (string, bool) {
	return func(k string, o *gwObj, v cloud.VPC) (string, bool) {
		if !want(v) {
			return "", true
		}
		if pl.goneVPC.Has(k) {
			return cloud.Replace("replace with VPC " + k)
		}
		vpc, vpcExists := pl.w.vpcs[k]
		for _, id := range o.vpcIDs {
			if !vpcExists || id != vpc.id {
				return cloud.Replace("replace: attached to " + id)
			}
		}
		return "", false
	}
}

func (pl *planner) replaceGroup(_ string, o *groupObj, want cloud.SecurityGroup) (string, bool) {
	vk := pl.w.vpcKey(o.vpcID)
	switch {
	case vk != want.VPC:
		return cloud.Replace(fmt.Sprintf("replace: VpcId %s -> <%s>", o.vpcID, want.VPC))
	case pl.goneVPC.Has(vk):
		return cloud.Replace("replace with VPC " + vk)
	}
	return "", false
}

// replaceAt decides on an object in subnet subnetID with address ip
// where want wants it in subnet with wantIP (invalid: any): replaced when
// either differs, or when its subnet goes.
func (pl *planner) replaceAt(subnetID string, ip netip.Addr, subnet string, wantIP netip.Addr) (string, bool) {
	sk := pl.w.subnetKey(subnetID)
	switch {
	case sk != subnet:
		return cloud.Replace(fmt.Sprintf("replace: SubnetId %s -> <%s>", subnetID, subnet))
	case pl.goneSubnet.Has(sk):
		return cloud.Replace("replace with subnet " + sk)
	case wantIP.IsValid() && ip != wantIP:
		return cloud.Replace(fmt.Sprintf("replace: PrivateIpAddress %s -> %s", ip, wantIP))
	}
	return "", false
}

func (pl *planner) replaceInstance(_ string, o *instanceObj, want cloud.Instance) (string, bool) {
	if why, gone := pl.replaceAt(o.subnetID, o.ip, want.Subnet, want.PrivateIP); gone {
		return why, gone
	}
	switch {
	case o.image != pl.p.imageID(want.Image):
		return cloud.Replace(fmt.Sprintf("replace: ImageId %s -> %s", o.image, pl.p.imageID(want.Image)))
	case o.typ != pl.p.instanceType(want.Size):
		return cloud.Replace(fmt.Sprintf("replace: InstanceType %s -> %s", o.typ, pl.p.instanceType(want.Size)))
	}
	return "", false
}

func (pl *planner) replaceVIF(_ string, o *vifObj, want cloud.VirtualInterface) (string, bool) {
	vk := pl.w.vgwKey(o.vgwID)
	conns := pl.w.conns[want.Connection]
	switch {
	case vk != want.VPC:
		return cloud.Replace(fmt.Sprintf("replace: VirtualGatewayId %s -> <%s>", o.vgwID, want.VPC))
	case pl.goneVGW.Has(vk):
		return cloud.Replace("replace with the VPN gateway of " + vk)
	case len(conns) == 1 && conns[0] != o.connID:
		return cloud.Replace(fmt.Sprintf("replace: ConnectionId %s -> %s", o.connID, conns[0]))
	case o.vlan != want.VLAN:
		return cloud.Replace(fmt.Sprintf("replace: Vlan %d -> %d", o.vlan, want.VLAN))
	case o.asn != int64(want.ASN):
		return cloud.Replace(fmt.Sprintf("replace: Asn %d -> %d", o.asn, want.ASN))
	case o.amazonAddr != want.CloudAddress.String() || o.customerAddr != want.CustomerAddress.String():
		return cloud.Replace(fmt.Sprintf("replace: addresses %s %s -> %s %s", o.amazonAddr, o.customerAddr, want.CloudAddress, want.CustomerAddress))
	}
	return "", false
}

// zone is the availability zone a subnet goes in.
func (pl *planner) zone(s cloud.Subnet) string {
	if s.Zone != "" {
		return s.Zone
	}
	return pl.p.region + "a"
}

// add appends an op to a phase. The ops on a desired further interface
// (its creation, attachment, elastic IP) run in its instance's chain,
// after the instance's own changes of the phase (cloud.Op.Chain): an
// instance with two interfaces takes no source/dest check of its own.
func (pl *planner) add(ph int, service, action, object, detail, what string, run func(context.Context) error) {
	chain := ""
	if f, ok := pl.wantENI[object]; ok {
		chain = f.inst.Key
	}
	pl.ops.AddChained(ph, chain, cloud.Call{Service: service, Action: action, Object: object, Detail: detail}, what, run)
}

// ec2 appends an EC2 op to a phase.
func (pl *planner) ec2(ph int, action, object, detail, what string, run func(context.Context) error) {
	pl.add(ph, "ec2", action, object, detail, what, run)
}

func joinRefs(refs []string) string { return strings.Join(refs, ",") }
