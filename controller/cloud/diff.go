package cloud

import (
	"maps"
	"net/netip"
	"slices"
)

// This file holds the keyed-diff helpers that providers share: objects
// found in the cloud and objects desired are both held by key, and a plan
// is what differs between the two maps.

// Gone holds the keys of existing objects that a plan deletes, each with
// why: "" when the desired state no longer holds the object, "replace:
// ..." (or another reason) when it is deleted to be made again.
type Gone map[string]string

// Has reports whether the object under key is deleted.
func (g Gone) Has(key string) bool {
	_, ok := g[key]
	return ok
}

// FindGone records in gone every key of have that want lacks (reason "")
// and every key for which replace says the object goes, with its reason
// ("" when the desired object no longer wants it, "replace: ..." when it
// is made again). replace is called only for keys in both maps; nil keeps
// them all.
func FindGone[H, W any](gone Gone, have map[string]H, want map[string]W, replace func(key string, h H, w W) (why string, goes bool)) {
	for k, h := range have {
		w, ok := want[k]
		if !ok {
			gone[k] = ""
			continue
		}
		if replace == nil {
			continue
		}
		if why, goes := replace(k, h, w); goes {
			gone[k] = why
		}
	}
}

// Replace is a reason for FindGone's replace to return: the object goes,
// made again for why ("" keeps it).
func Replace(why string) (string, bool) { return why, why != "" }

// Keeps reports whether the object under key exists in have and is not
// deleted.
func Keeps[T any](have map[string]T, gone Gone, key string) bool {
	_, ok := have[key]
	return ok && !gone.Has(key)
}

// Why appends the reason for a deletion to a call's detail:
// "VpcId=vpc-1 (replace: CidrBlock ...)".
func Why(detail, reason string) string {
	if reason == "" {
		return detail
	}
	return detail + " (" + reason + ")"
}

// SortedKeys returns a map's keys in order, for stable plans.
func SortedKeys[T any](m map[string]T) []string { return slices.Sorted(maps.Keys(m)) }

// NewInventory returns an empty inventory whose maps are made.
func NewInventory() Inventory {
	return Inventory{VPCs: map[string]string{}, Subnets: map[string]string{}, RouteTables: map[string]string{},
		Groups: map[string]string{}, Instances: map[string]InstanceInfo{}}
}

// Merge copies from's entries into inv (made with NewInventory), from's
// winning where both hold a key.
func (inv *Inventory) Merge(from Inventory) {
	maps.Copy(inv.VPCs, from.VPCs)
	maps.Copy(inv.Subnets, from.Subnets)
	maps.Copy(inv.RouteTables, from.RouteTables)
	maps.Copy(inv.Groups, from.Groups)
	maps.Copy(inv.Instances, from.Instances)
}

// Wanted is a desired state by key, as planners look it up.
type Wanted struct {
	VPCs      map[string]VPC
	Subnets   map[string]Subnet
	SubnetVPC map[string]string // subnet key -> VPC key
	Groups    map[string]SecurityGroup
	Instances map[string]Instance
	// Routes are the static routes by subnet key and destination.
	Routes map[string]map[netip.Prefix]TargetKind
	VIFs   map[string]VirtualInterface
}

// Index returns d's objects by key.
func (d Desired) Index() Wanted {
	x := Wanted{VPCs: map[string]VPC{}, Subnets: map[string]Subnet{}, SubnetVPC: map[string]string{},
		Groups: map[string]SecurityGroup{}, Instances: map[string]Instance{},
		Routes: map[string]map[netip.Prefix]TargetKind{}, VIFs: map[string]VirtualInterface{}}
	for _, v := range d.VPCs {
		x.VPCs[v.Key] = v
		for _, s := range v.Subnets {
			x.Subnets[s.Key], x.SubnetVPC[s.Key] = s, v.Key
		}
	}
	for _, g := range d.SecurityGroups {
		x.Groups[g.Key] = g
	}
	for _, i := range d.Instances {
		x.Instances[i.Key] = i
	}
	for _, r := range d.Routes {
		if x.Routes[r.Subnet] == nil {
			x.Routes[r.Subnet] = map[netip.Prefix]TargetKind{}
		}
		x.Routes[r.Subnet][r.Destination] = r.Target
	}
	for _, v := range d.VirtualInterfaces {
		x.VIFs[v.Key] = v
	}
	return x
}
