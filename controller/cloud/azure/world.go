package azure

import (
	"net/netip"
	"strings"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// world is what the owner has in the subscription: observed, then updated
// by Apply's operations as they succeed. Each map is by key (cloud.Index:
// duplicates and keyless objects are set apart, so they are deleted).
// Every object but a subnet carries the tags cloud.TagKey and
// cloud.TagOwner; a subnet, which ARM does not tag, is its VNet's and
// keyed VNETKEY/NAME.
type world struct {
	groups map[string]*groupObj // the owner's resource groups, by name
	// allGroups holds the lower-case name of every resource group of the
	// subscription, the owner's or not; foreign those of the groups that
	// hold another's objects (of the kinds listed).
	allGroups, foreign map[string]bool
	// taken holds the lower-case IDs of the objects of the kinds listed
	// that are not the owner's: a PUT to one would take it over.
	taken   map[string]bool
	vnets   map[string]*vnetObj
	subnets map[string]*subnetObj
	tables  map[string]*tableObj // by subnet key
	nsgs    map[string]*nsgObj
	pips    map[string]*pipObj // by instance key (a further interface's: its cloud.InterfaceKey)
	nics    map[string]*nicObj // by instance key (a further interface's: its cloud.InterfaceKey)
	vms     map[string]*vmObj
	// circuits and erconns are by virtual interface key (erConnKey),
	// ergws by VPC key (ergwKey): expressroute.go.
	circuits map[string]*circuitObj
	ergws    map[string]*ergwObj
	erconns  map[string]*erConnObj
}

// groupObj is a resource group; its key is its name.
type groupObj struct {
	cloud.Object
	location string
}

type vnetObj struct {
	cloud.Object
	group, location string
	space           []netip.Prefix
}

type subnetObj struct {
	cloud.Object
	vnetID     string
	prefix     netip.Prefix
	tableID    string // its route table's ID, "" without one
	name       string // its name in the VNet
	vnetName   string
	vnetGroup  string
	hasNICs    bool // IP configurations use it
	nsgID      string
	natGateway string
}

type tableObj struct {
	cloud.Object
	group, location string
	routes          map[string]routeObj // by route name
}

// routeObj is one user-defined route.
type routeObj struct {
	name    string
	dst     netip.Prefix
	hopType string // nextHopType as ARM spells it
	hopIP   netip.Addr
}

type nsgObj struct {
	cloud.Object
	group, location string
	rules           map[string]ruleObj // by rule name
}

type pipObj struct {
	cloud.Object
	group, location string
	addr            netip.Addr
}

type nicObj struct {
	cloud.Object
	group, location string
	subnetID        string
	ip              netip.Addr
	static          bool // the private address is fixed
	forwarding      bool
	nsgID, pipID    string
	vmID            string
	ipConfig        string // its IP configuration's name
	mac             string // its MAC address as cloud.InstanceInfo has it ("02:1a:…"); "" until ARM reports one
}

type vmObj struct {
	cloud.Object
	group, location string
	nicID           string   // its primary NIC's ID
	nicIDs          []string // all its NICs' IDs, by device index (the primary first)
	image, size     string
}

// tagsOf is what a new object is tagged with: its key and owner.
func (p *Provider) tagsOf(key string) map[string]*string {
	k, o := key, p.owner
	return map[string]*string{cloud.TagKey: &k, cloud.TagOwner: &o}
}

// owned returns an object's key and whether its tags name the owner.
func (p *Provider) owned(tags map[string]*string) (string, bool) {
	v := func(k string) string {
		if s := tags[k]; s != nil {
			return *s
		}
		return ""
	}
	return v(cloud.TagKey), v(cloud.TagOwner) == p.owner
}

// azName is a key as an Azure resource name: characters other than
// letters, digits, '_', '.' and '-' become '-'
// (Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/resource-name-rules#microsoftnetwork).
func azName(key string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '.', r == '-':
			return r
		}
		return '-'
	}, key)
}

// nicName and pipName name an instance's network interface and public IP.
func nicName(instance string) string { return azName(instance) + "-nic" }
func pipName(instance string) string { return azName(instance) + "-pip" }

// subnetName is a subnet's name in its VNet: its key's part after the
// VNet's key (validate requires the key to be VNETKEY/NAME).
func subnetName(vnet, key string) string { return strings.TrimPrefix(key, vnet+"/") }

// inventory lists what exists by key; duplicates are left out.
func (w *world) inventory() cloud.Inventory {
	inv := cloud.Inventory{VPCs: cloud.KeyIDs(w.vnets), Subnets: cloud.KeyIDs(w.subnets), RouteTables: cloud.KeyIDs(w.tables),
		Groups: cloud.KeyIDs(w.nsgs), Instances: map[string]cloud.InstanceInfo{}}
	for k, vm := range w.vms {
		if k != vm.Key {
			continue
		}
		info := cloud.InstanceInfo{ID: vm.ID, Interface: vm.nicID}
		if n, ok := w.nics[k]; ok && strings.EqualFold(n.ID, vm.nicID) {
			info.PrivateIP, info.MAC = n.ip, n.mac
			if pip, ok := w.pips[k]; ok && strings.EqualFold(pip.ID, n.pipID) {
				info.PublicIP = pip.addr
			}
		}
		if len(vm.nicIDs) > 1 {
			k1 := cloud.InterfaceKey(k, 1)
			if n, ok := w.nics[k1]; ok && strings.EqualFold(n.ID, vm.nicIDs[1]) {
				info.Second = cloud.InterfaceInfo{ID: n.ID, PrivateIP: n.ip}
				if pip, ok := w.pips[k1]; ok && strings.EqualFold(pip.ID, n.pipID) {
					info.Second.PublicIP = pip.addr
				}
			}
		}
		inv.Instances[k] = info
	}
	return inv
}

// nicsOf lists the NICs instance in has, by device index, as instances of
// their own: its primary one, keyed like it, then one per further
// interface, keyed cloud.InterfaceKey, in the interface's subnet with its
// NSG and public IP, IP forwarding on as on the instance's own where that
// forwards (an appliance sends what it forwards out of it, as AWS's
// further interfaces of an appliance have the source/destination check
// off).
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-network-network-interface-vm#constraints — a VM's NICs are all in its VNet, one of them primary
func nicsOf(in cloud.Instance) []cloud.Instance {
	out := []cloud.Instance{in}
	for i, f := range in.Interfaces {
		out = append(out, cloud.Instance{Key: cloud.InterfaceKey(in.Key, i+1), VPC: in.VPC, Subnet: f.Subnet, PrivateIP: f.PrivateIP,
			SecurityGroups: f.SecurityGroups, PublicIP: f.PublicIP, SourceDestCheck: in.SourceDestCheck})
	}
	return out
}
