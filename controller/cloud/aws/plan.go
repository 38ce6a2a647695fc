package aws

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// op is one API call of a plan: how plan prints it, how an error names
// it, and how Apply makes it. run looks up the IDs it needs in the world
// when it runs, so that it sees objects created by earlier ops, and
// records what it created or deleted there.
type op struct {
	call cloud.Call
	what string // "create subnet prod-vpc/app"
	run  func(ctx context.Context) error
}

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
	phDelVPC
	phVPC
	phSubnet
	phTable
	phIGW
	phVGW
	phGroup
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
	ops [nPhases][]op

	wantVPC    map[string]cloud.VPC
	wantSubnet map[string]cloud.Subnet
	subnetVPC  map[string]string // subnet key -> VPC key
	wantGroup  map[string]cloud.SecurityGroup
	wantInst   map[string]cloud.Instance
	wantRoutes map[string]map[netip.Prefix]cloud.TargetKind // by subnet key
	wantVIF    map[string]cloud.VirtualInterface

	// gone* hold the world keys of the objects to delete, each with why
	// ("" when d no longer has it, "replace: ..." when it is recreated).
	goneVPC, goneSubnet, goneTable, goneIGW, goneVGW, goneGroup, goneInst, goneEIP, goneVIF map[string]string
}

func newPlanner(p *Provider, d cloud.Desired, w *world) *planner {
	pl := &planner{p: p, d: d, w: w,
		wantVPC: map[string]cloud.VPC{}, wantSubnet: map[string]cloud.Subnet{}, subnetVPC: map[string]string{},
		wantGroup: map[string]cloud.SecurityGroup{}, wantInst: map[string]cloud.Instance{},
		wantRoutes: map[string]map[netip.Prefix]cloud.TargetKind{}, wantVIF: map[string]cloud.VirtualInterface{},
		goneVPC: map[string]string{}, goneSubnet: map[string]string{}, goneTable: map[string]string{},
		goneIGW: map[string]string{}, goneVGW: map[string]string{}, goneGroup: map[string]string{},
		goneInst: map[string]string{}, goneEIP: map[string]string{}, goneVIF: map[string]string{}}
	for _, v := range d.VPCs {
		pl.wantVPC[v.Key] = v
		for _, s := range v.Subnets {
			pl.wantSubnet[s.Key], pl.subnetVPC[s.Key] = s, v.Key
		}
	}
	for _, g := range d.SecurityGroups {
		pl.wantGroup[g.Key] = g
	}
	for _, i := range d.Instances {
		pl.wantInst[i.Key] = i
	}
	for _, r := range d.Routes {
		if pl.wantRoutes[r.Subnet] == nil {
			pl.wantRoutes[r.Subnet] = map[netip.Prefix]cloud.TargetKind{}
		}
		pl.wantRoutes[r.Subnet][r.Destination] = r.Target
	}
	for _, v := range d.VirtualInterfaces {
		pl.wantVIF[v.Key] = v
	}
	return pl
}

// plan returns the ops in phase order.
func (pl *planner) plan() ([]op, error) {
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
	var out []op
	for _, ops := range pl.ops {
		out = append(out, ops...)
	}
	return out, nil
}

// findGone decides what is deleted: objects d no longer has, objects whose
// immutable properties differ from d (replaced), and objects inside
// something deleted.
func (pl *planner) findGone() {
	w := pl.w
	for k, o := range w.vpcs {
		switch want, ok := pl.wantVPC[k]; {
		case !ok:
			pl.goneVPC[k] = ""
		case o.cidr != want.CIDR:
			pl.goneVPC[k] = fmt.Sprintf("replace: CidrBlock %s -> %s", o.cidr, want.CIDR)
		}
	}
	for k, o := range w.subnets {
		want, ok := pl.wantSubnet[k]
		vk := w.vpcKey(o.vpcID)
		_, vpcGone := pl.goneVPC[vk]
		switch {
		case !ok:
			pl.goneSubnet[k] = ""
		case vk != pl.subnetVPC[k]:
			pl.goneSubnet[k] = fmt.Sprintf("replace: VpcId %s -> <%s>", o.vpcID, pl.subnetVPC[k])
		case vpcGone:
			pl.goneSubnet[k] = "replace with VPC " + vk
		case o.cidr != want.CIDR:
			pl.goneSubnet[k] = fmt.Sprintf("replace: CidrBlock %s -> %s", o.cidr, want.CIDR)
		case o.zone != pl.zone(want):
			pl.goneSubnet[k] = fmt.Sprintf("replace: AvailabilityZone %s -> %s", o.zone, pl.zone(want))
		}
	}
	for k, o := range w.tables {
		s, exists := w.subnets[k]
		_, subnetGone := pl.goneSubnet[k]
		switch _, ok := pl.wantSubnet[k]; {
		case !ok:
			pl.goneTable[k] = ""
		case !exists || subnetGone:
			pl.goneTable[k] = "replace with subnet " + k
		case s.vpcID != o.vpcID:
			pl.goneTable[k] = fmt.Sprintf("replace: VpcId %s -> %s", o.vpcID, s.vpcID)
		}
	}
	gateway := func(gws map[string]*gwObj, gone map[string]string, want func(cloud.VPC) bool) {
		for k, o := range gws {
			v, ok := pl.wantVPC[k]
			_, vpcGone := pl.goneVPC[k]
			vpc, vpcExists := w.vpcs[k]
			switch {
			case !ok || !want(v):
				gone[k] = ""
			case vpcGone:
				gone[k] = "replace with VPC " + k
			default:
				for _, id := range o.vpcIDs {
					if !vpcExists || id != vpc.id {
						gone[k] = "replace: attached to " + id
					}
				}
			}
		}
	}
	gateway(w.igws, pl.goneIGW, func(v cloud.VPC) bool { return v.InternetGateway })
	gateway(w.vgws, pl.goneVGW, func(v cloud.VPC) bool { return v.VPNGateway })
	for k, o := range w.groups {
		want, ok := pl.wantGroup[k]
		vk := w.vpcKey(o.vpcID)
		_, vpcGone := pl.goneVPC[vk]
		switch {
		case !ok:
			pl.goneGroup[k] = ""
		case vk != want.VPC:
			pl.goneGroup[k] = fmt.Sprintf("replace: VpcId %s -> <%s>", o.vpcID, want.VPC)
		case vpcGone:
			pl.goneGroup[k] = "replace with VPC " + vk
		}
	}
	for k, o := range w.instances {
		want, ok := pl.wantInst[k]
		sk := w.subnetKey(o.subnetID)
		_, subnetGone := pl.goneSubnet[sk]
		switch {
		case !ok:
			pl.goneInst[k] = ""
		case sk != want.Subnet:
			pl.goneInst[k] = fmt.Sprintf("replace: SubnetId %s -> <%s>", o.subnetID, want.Subnet)
		case subnetGone:
			pl.goneInst[k] = "replace with subnet " + sk
		case want.PrivateIP.IsValid() && o.ip != want.PrivateIP:
			pl.goneInst[k] = fmt.Sprintf("replace: PrivateIpAddress %s -> %s", o.ip, want.PrivateIP)
		case o.image != want.Image:
			pl.goneInst[k] = fmt.Sprintf("replace: ImageId %s -> %s", o.image, want.Image)
		case o.typ != instanceType(want):
			pl.goneInst[k] = fmt.Sprintf("replace: InstanceType %s -> %s", o.typ, instanceType(want))
		}
	}
	for k := range w.eips {
		if i, ok := pl.wantInst[k]; !ok || !i.ElasticIP {
			pl.goneEIP[k] = ""
		}
	}
	for k, o := range w.vifs {
		want, ok := pl.wantVIF[k]
		vk := w.vgwKey(o.vgwID)
		_, vgwGone := pl.goneVGW[vk]
		conns := w.conns[want.Connection]
		switch {
		case !ok:
			pl.goneVIF[k] = ""
		case vk != want.VPC:
			pl.goneVIF[k] = fmt.Sprintf("replace: VirtualGatewayId %s -> <%s>", o.vgwID, want.VPC)
		case vgwGone:
			pl.goneVIF[k] = "replace with the VPN gateway of " + vk
		case len(conns) == 1 && conns[0] != o.connID:
			pl.goneVIF[k] = fmt.Sprintf("replace: ConnectionId %s -> %s", o.connID, conns[0])
		case o.vlan != want.VLAN:
			pl.goneVIF[k] = fmt.Sprintf("replace: Vlan %d -> %d", o.vlan, want.VLAN)
		case o.asn != int64(want.ASN):
			pl.goneVIF[k] = fmt.Sprintf("replace: Asn %d -> %d", o.asn, want.ASN)
		case o.amazonAddr != want.AmazonAddress.String() || o.customerAddr != want.CustomerAddress.String():
			pl.goneVIF[k] = fmt.Sprintf("replace: addresses %s %s -> %s %s", o.amazonAddr, o.customerAddr, want.AmazonAddress, want.CustomerAddress)
		}
	}
}

// zone is the availability zone a subnet goes in.
func (pl *planner) zone(s cloud.Subnet) string {
	if s.Zone != "" {
		return s.Zone
	}
	return pl.p.region + "a"
}

func instanceType(i cloud.Instance) string { return cmp.Or(i.Type, DefaultInstanceType) }

// add appends an op to a phase.
func (pl *planner) add(ph int, service, action, object, detail, what string, run func(context.Context) error) {
	pl.ops[ph] = append(pl.ops[ph], op{call: cloud.Call{Service: service, Action: action, Object: object, Detail: detail}, what: what, run: run})
}

// ec2 appends an EC2 op to a phase.
func (pl *planner) ec2(ph int, action, object, detail, what string, run func(context.Context) error) {
	pl.add(ph, "ec2", action, object, detail, what, run)
}

// keeps reports whether the object under key exists and is not deleted.
func keeps[T any](m map[string]T, gone map[string]string, key string) bool {
	_, ok := m[key]
	_, g := gone[key]
	return ok && !g
}

// ref names an object in a plan: its ID if it exists and stays, else its
// key in angle brackets.
func ref[T keyed](m map[string]T, gone map[string]string, key string) string {
	if keeps(m, gone, key) {
		_, id := m[key].keyID()
		return id
	}
	return "<" + key + ">"
}

// idOf looks an object's ID up when an op runs.
func idOf[T keyed](m map[string]T, kind, key string) (string, error) {
	if o, ok := m[key]; ok {
		_, id := o.keyID()
		return id, nil
	}
	return "", errNotExist(kind, key)
}

// drop removes an object from the world after its deletion, unless a new
// object has taken its key since.
func drop[T comparable](m map[string]T, key string, o T) {
	if m[key] == o {
		delete(m, key)
	}
}

// why appends the reason for a deletion to a call's detail.
func why(detail, reason string) string {
	if reason == "" {
		return detail
	}
	return detail + " (" + reason + ")"
}

// sortedKeys returns a map's keys in order, for stable plans.
func sortedKeys[T any](m map[string]T) []string { return slices.Sorted(maps.Keys(m)) }

func joinRefs(refs []string) string { return strings.Join(refs, ",") }
