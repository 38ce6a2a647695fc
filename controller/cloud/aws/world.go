package aws

import (
	"net/netip"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// TagKey is the tag that holds an object's key.
const TagKey = cloud.TagKey

// TagOwner is the tag that names the lab or deployment owning an object.
const TagOwner = cloud.TagOwner

// world is what the owner has in the account: observed, then updated by
// Apply's operations as they succeed. Each map is by key; an object whose
// key another object already holds (a duplicate) or that has no key is
// under key+"\x00"+ID, which no desired object matches, so it is deleted.
type world struct {
	vpcs      map[string]*vpcObj
	subnets   map[string]*subnetObj
	tables    map[string]*tableObj // by subnet key
	igws      map[string]*gwObj    // by VPC key
	vgws      map[string]*gwObj    // by VPC key
	groups    map[string]*groupObj
	instances map[string]*instanceObj
	eips      map[string]*eipObj // by instance key, or interface key
	enis      map[string]*eniObj // further interfaces, by interface key
	acls      map[string]*aclObj // by subnet key (acl.go)
	vifs      map[string]*vifObj
	// conns maps Direct Connect connection names to their IDs; filled
	// only for the connections desired virtual interfaces name.
	conns map[string][]string
}

// base is the key and ID every object has.
type base struct{ key, id string }

func (b *base) KeyID() (string, string) { return b.key, b.id }

// name is how calls and errors name the object: its key, or its ID when
// it has no key.
func (b *base) name() string {
	if b.key == "" {
		return b.id
	}
	return b.key
}

type vpcObj struct {
	base
	cidr netip.Prefix
}

type subnetObj struct {
	base
	vpcID string
	cidr  netip.Prefix
	zone  string
}

type tableObj struct {
	base
	vpcID  string
	assocs []tableAssoc
	edge   []tableAssoc // its gateway associations (an ingress table's)
	routes []types.Route
}

// tableAssoc is a table's association with a subnet (subnetID) or, in
// tableObj.edge, with a gateway (gatewayID).
type tableAssoc struct{ id, subnetID, gatewayID string }

type gwObj struct {
	base
	vpcIDs []string // the VPCs it is attached (or attaching) to
}

type groupObj struct {
	base
	vpcID   string
	ingress []perm
}

type instanceObj struct {
	base
	vpcID, subnetID string
	eni             string
	mac             string // the primary interface's
	ip              netip.Addr
	image, typ      string
	sourceDestCheck bool
	groups          []string
	launched        bool // by this Apply, and maybe still pending
}

type eipObj struct {
	base
	publicIP   netip.Addr
	assocID    string
	instanceID string
	eniID      string // the interface it is associated with
}

type vifObj struct {
	base
	connID, vgwID            string
	vlan                     int32
	asn                      int64
	amazonAddr, customerAddr string
}

// keyOf returns the mcnlab:key tag's value.
func keyOf(tags []types.Tag) string { return tagValue(tags, TagKey) }

func tagValue(tags []types.Tag, key string) string {
	for _, t := range tags {
		if sdkaws.ToString(t.Key) == key {
			return sdkaws.ToString(t.Value)
		}
	}
	return ""
}

// owns reports whether tags carry the provider's owner tag. Describe calls
// already filter on it; this check keeps the rule true even against an
// endpoint that ignored a filter.
func (p *Provider) owns(tags []types.Tag) bool { return tagValue(tags, TagOwner) == p.owner }

// tagSpecs tags a new object with its key and owner.
func (p *Provider) tagSpecs(rt types.ResourceType, key string) []types.TagSpecification {
	return []types.TagSpecification{{ResourceType: rt, Tags: []types.Tag{
		{Key: sdkaws.String("Name"), Value: sdkaws.String(key)},
		{Key: sdkaws.String(TagKey), Value: sdkaws.String(key)},
		{Key: sdkaws.String(TagOwner), Value: sdkaws.String(p.owner)},
	}}}
}

// ownerFilters selects the owner's objects, and what extra selects.
func (p *Provider) ownerFilters(extra ...types.Filter) []types.Filter {
	return append([]types.Filter{filter("tag:"+TagOwner, p.owner)}, extra...)
}

func filter(name string, values ...string) types.Filter {
	return types.Filter{Name: sdkaws.String(name), Values: values}
}

// vpcKey returns the key of the VPC with the given ID, or "".
func (w *world) vpcKey(id string) string { return cloud.KeyByID(w.vpcs, id) }

// subnetKey returns the key of the subnet with the given ID, or "".
func (w *world) subnetKey(id string) string { return cloud.KeyByID(w.subnets, id) }

// vgwKey returns the key of the VPN gateway with the given ID, or "".
func (w *world) vgwKey(id string) string { return cloud.KeyByID(w.vgws, id) }

// inventory lists what exists by key; duplicates are left out.
func (w *world) inventory() cloud.Inventory {
	inv := cloud.Inventory{
		VPCs:        cloud.KeyIDs(w.vpcs),
		Subnets:     cloud.KeyIDs(w.subnets),
		RouteTables: cloud.KeyIDs(w.tables),
		Groups:      cloud.KeyIDs(w.groups),
		Instances:   map[string]cloud.InstanceInfo{},
	}
	for k, i := range w.instances {
		if k != i.key {
			continue
		}
		info := cloud.InstanceInfo{ID: i.id, Interface: i.eni, PrivateIP: i.ip, MAC: i.mac, Second: w.second(i.id)}
		if e, ok := w.eips[k]; ok && e.instanceID == i.id {
			info.PublicIP = e.publicIP
		}
		inv.Instances[k] = info
	}
	return inv
}
