package oci

import (
	"net/netip"
	"slices"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// world is what the owner has in the compartment: observed, then updated
// by Apply's operations as they succeed. Each map is by key (cloud.Index:
// duplicates and keyless objects are set apart, so they are deleted).
type world struct {
	vcns    map[string]*vcnObj
	igws    map[string]*childObj // by VPC key
	lists   map[string]*childObj // the VCNs' base security lists, by VPC key
	tables  map[string]*rtObj    // by subnet key
	subnets map[string]*subnetObj
	nsgs    map[string]*nsgObj
	insts   map[string]*instObj
	pubs    map[string]*pubObj       // by instance key
	drgs    map[string]*cloud.Object // by drgKey of their VPC (fastconnect.go)
	drgAtts map[string]*drgAttObj    // their VCN attachments, by the same key
	vcs     map[string]*vcObj        // private virtual circuits, by virtual interface key
}

type vcnObj struct {
	cloud.Object
	cidr netip.Prefix
}

// childObj is an object of a VCN that the provider makes as it is and
// never changes: an internet gateway, a base security list.
type childObj struct {
	cloud.Object
	vcn string // the VCN's OCID
}

type rtObj struct {
	cloud.Object
	vcn   string
	rules []rule // in the table's order
}

// rule is a route rule in a comparable form.
type rule struct {
	dst    netip.Prefix
	target string // a gateway's or private IP's OCID
}

type subnetObj struct {
	cloud.Object
	vcn, rt string
	lists   []string
	cidr    netip.Prefix
}

type nsgObj struct {
	cloud.Object
	vcn   string
	rules map[ruleSpec]string // rule -> its ID
}

type instObj struct {
	cloud.Object
	subnet, shape, image string
	vnic, privateIPID    string
	mac                  string // the VNIC's macAddress
	ip, public           netip.Addr
	skip                 bool     // skipSourceDestCheck
	nsgs                 []string // sorted OCIDs
}

type pubObj struct {
	cloud.Object
	addr     netip.Addr
	assigned string // the private IP's OCID it is assigned to; "" when free
}

// tags are the freeform tags an object of key is made with.
func (p *Provider) tags(key string) map[string]string {
	return map[string]string{cloud.TagOwner: p.owner, cloud.TagKey: key}
}

// owned reads an object's freeform tags: its key, and whether it is the
// owner's.
func (p *Provider) owned(tags map[string]string) (string, bool) {
	return tags[cloud.TagKey], tags[cloud.TagOwner] == p.owner && p.owner != ""
}

// inventory lists what exists by key; duplicates are left out.
func (w *world) inventory() cloud.Inventory {
	inv := cloud.Inventory{VPCs: cloud.KeyIDs(w.vcns), Subnets: cloud.KeyIDs(w.subnets), RouteTables: cloud.KeyIDs(w.tables),
		Groups: cloud.KeyIDs(w.nsgs), Instances: map[string]cloud.InstanceInfo{}}
	for k, i := range w.insts {
		if k != i.Key {
			continue
		}
		info := cloud.InstanceInfo{ID: i.ID, Interface: i.vnic, PrivateIP: i.ip, MAC: i.mac}
		if pub, ok := w.pubs[k]; ok && pub.assigned == i.privateIPID {
			info.PublicIP = pub.addr
		}
		inv.Instances[k] = info
	}
	return inv
}

// sorted returns ids sorted, each once.
func sorted(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}
