package gcp

import (
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
	"slices"
	"strings"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// world is what the owner has in the project: observed, then updated by
// Apply's operations as they succeed. Each map is by key (cloud.Index:
// duplicates and keyless objects are set apart, so they are deleted).
type world struct {
	nets    map[string]*netObj
	subnets map[string]*subnetObj
	fws     map[string]*fwObj    // by SECURITYGROUP#N
	routes  map[string]*routeObj // by route name: a route's key is its subnet's
	addrs   map[string]*addrObj  // by instance key
	insts   map[string]*instObj
	routers map[string]*routerObj // by virtual interface key
	atts    map[string]*attObj    // by virtual interface key
	// taken holds the names (COLLECTION/NAME) of others' objects, which a
	// new object of the owner must not take.
	taken map[string]bool
}

type netObj struct {
	cloud.Object // ID: the network's path, projects/P/global/networks/N
	link         string
}

type subnetObj struct {
	cloud.Object
	link, network, region string
	cidr                  netip.Prefix
}

// fwObj is a firewall rule in a comparable form.
type fwObj struct {
	cloud.Object
	spec fwSpec
}

type fwSpec struct {
	// network is the network's path where observed, the VPC's key where
	// wanted.
	name, network, target, source string
	allowed                       string // "tcp:443" / "udp:51820-51827" / "icmp" / "all"
}

type routeObj struct {
	cloud.Object // Key: the subnet's key
	name         string
	network, tag string
	dst          netip.Prefix
	priority     int64
	hop          string // the next hop's path: global/gateways/default-internet-gateway or projects/P/zones/Z/instances/N
}

type addrObj struct {
	cloud.Object
	name, region string
	addr         netip.Addr
}

type instObj struct {
	cloud.Object
	link, name, zone   string
	subnet             string // the subnet's path
	ip, nat            netip.Addr
	machineType, image string
	forward            bool
	tags               []string
}

// The words a description holds: the owner and the key.
const (
	ownerWord = cloud.TagOwner + "="
	keyWord   = cloud.TagKey + "="
	imageWord = "mcnlab:image="
)

// describe is the description an object of key is made with.
func (p *Provider) describe(key string) string { return ownerWord + p.owner + " " + keyWord + key }

// owned reads a description: the key, and whether it names the owner.
func (p *Provider) owned(desc string) (string, bool) {
	key, owner := word(desc, keyWord), word(desc, ownerWord)
	return key, owner == p.owner && strings.Contains(desc, ownerWord)
}

// word returns the value of the word w ("mcnlab:key=") in a description.
func word(desc, w string) string {
	for _, f := range strings.Fields(desc) {
		if v, ok := strings.CutPrefix(f, w); ok {
			return v
		}
	}
	return ""
}

// gcpName is the name of the owner's object of kind and key: a readable
// part of the key and 10 hex digits of a hash of owner, kind and key, so
// that two owners' (or two keys' alike once cut) never meet in the
// project's one namespace per collection.
// GCP: https://cloud.google.com/compute/docs/naming-resources#resource-name-format — 1-63 of lowercase letters, digits and hyphens, starting with a letter, not ending with a hyphen
func (p *Provider) gcpName(kind, key string) string {
	sum := sha256.Sum256([]byte(p.owner + "\x00" + kind + "\x00" + key))
	var b strings.Builder
	b.WriteString(kind)
	b.WriteByte('-')
	for _, r := range strings.ToLower(key) {
		if b.Len() >= 48 {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	b.WriteByte('-')
	b.WriteString(hex.EncodeToString(sum[:5]))
	return b.String()
}

// subnetTag is the network tag of a subnet's instances, which its routes
// are scoped to: the subnet's name.
// GCP: https://cloud.google.com/vpc/docs/routes#instance_tags — a route with tags applies to the instances with one of them
func (p *Provider) subnetTag(subnet string) string { return p.gcpName("sn", subnet) }

// groupTag is the network tag of a security group's instances, which its
// firewall rules target.
// GCP: https://cloud.google.com/firewall/docs/firewalls#rule_assignment — targetTags: the rule applies to instances with one of the tags
func (p *Provider) groupTag(group string) string { return p.gcpName("sg", group) }

// path is a link or reference without its host: projects/P/global/...
// (the API's links are absolute, under the endpoint's base).
func path(link string) string {
	if i := strings.Index(link, "projects/"); i >= 0 {
		return link[i:]
	}
	return link
}

// nameOf is the last word of a link: the object's name.
func nameOf(link string) string { return link[strings.LastIndex(link, "/")+1:] }

// regionOfZone is a zone's region: us-central1-b -> us-central1.
func regionOfZone(zone string) string {
	if i := strings.LastIndexByte(zone, '-'); i > 0 {
		return zone[:i]
	}
	return zone
}

// inventory lists what exists by key; duplicates are left out. A
// subnet's "route table" is its tag, which its routes are scoped to.
func (w *world) inventory() cloud.Inventory {
	inv := cloud.Inventory{VPCs: cloud.KeyIDs(w.nets), Subnets: cloud.KeyIDs(w.subnets), RouteTables: map[string]string{},
		Groups: map[string]string{}, Instances: map[string]cloud.InstanceInfo{}}
	for k, s := range w.subnets {
		if k == s.Key {
			inv.RouteTables[k] = "tag:" + nameOf(s.ID)
		}
	}
	for k, f := range w.fws {
		if g, _, ok := strings.Cut(k, "#"); ok && k == f.Key {
			inv.Groups[g] = "tag:" + f.spec.target
		}
	}
	for k, i := range w.insts {
		if k != i.Key {
			continue
		}
		info := cloud.InstanceInfo{ID: i.ID, Interface: i.ID + "/nic0", PrivateIP: i.ip}
		if a, ok := w.addrs[k]; ok && a.addr == i.nat {
			info.PublicIP = a.addr
		}
		inv.Instances[k] = info
	}
	return inv
}

// sortedTags returns tags sorted, each once.
func sortedTags(tags []string) []string {
	out := slices.Clone(tags)
	slices.Sort(out)
	return slices.Compact(out)
}
