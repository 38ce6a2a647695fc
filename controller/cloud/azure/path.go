package azure

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

var _ cloud.PathReader = (*Provider)(nil)

// errNoInstance says that no network interface of the owner carries a key.
var errNoInstance = errors.New("no such instance")

// ReadEnd reads what FlightPath lays out for the VM of key: its network
// interface (address, subnet), the NSGs that filter it, its subnet's and
// its own, with their rules and default rules (SecurityGroups.Get), and
// the interface's effective routes (GetEffectiveRouteTable: the system
// routes and the subnet route table's user-defined routes, those
// overridden marked Invalid). Azure has no network ACL.
func (p *Provider) ReadEnd(ctx context.Context, key string) (cloud.EndState, error) {
	w := &world{}
	if err := p.listNICs(ctx, w); err != nil {
		return cloud.EndState{}, err
	}
	n, ok := w.nics[key]
	if !ok || n.Key != key {
		return cloud.EndState{}, fmt.Errorf("instance %s of owner %s: %w", key, p.owner, errNoInstance)
	}
	e := cloud.EndState{Instance: n.vmID, Address: n.ip, Subnet: n.subnetID}
	if e.Instance == "" {
		e.Instance = n.ID
	}
	rg, vnet, name, err := subnetParts(n.subnetID)
	if err != nil {
		return e, fmt.Errorf("network interface of %s: %w", key, err)
	}
	sn, err := p.subnets.Get(ctx, rg, vnet, name, nil)
	if err != nil {
		return e, fmt.Errorf("get subnet %s of %s: %w", n.subnetID, key, err)
	}
	var subnetNSG string
	if pr := sn.Properties; pr != nil {
		e.SubnetCIDR = toSubnet(&vnetObj{}, &sn.Subnet).prefix
		if pr.RouteTable != nil {
			e.Table.ID = str(pr.RouteTable.ID)
		}
		if pr.NetworkSecurityGroup != nil {
			subnetNSG = str(pr.NetworkSecurityGroup.ID)
		}
	}
	if e.Table.ID == "" {
		e.Table.ID = "system routes of " + vnet + "/" + name
	}
	vnetTag, err := p.readRoutes(ctx, n, &e)
	if err != nil {
		return e, fmt.Errorf("%s: %w", key, err)
	}
	for _, g := range []struct{ id, level string }{{subnetNSG, cloud.NSGSubnet}, {n.nsgID, cloud.NSGInterface}} {
		if g.id == "" {
			continue
		}
		ns, err := p.readNSG(ctx, g.id, g.level)
		if err != nil {
			return e, fmt.Errorf("%s: %w", key, err)
		}
		ns.VirtualNetwork = vnetTag
		e.NSGs = append(e.NSGs, ns)
	}
	return e, nil
}

// subnetParts splits a subnet's resource ID into its resource group,
// VNet and name.
func subnetParts(id string) (group, vnet, name string, err error) {
	w := strings.Split(id, "/")
	for i := 0; i+3 < len(w); i++ {
		if strings.EqualFold(w[i], "virtualNetworks") && strings.EqualFold(w[i+2], "subnets") {
			return groupOf(id), w[i+1], w[i+3], nil
		}
	}
	return "", "", "", fmt.Errorf("%q is not a subnet's resource ID", id)
}

// readNSG reads an NSG with its rules and default rules.
func (p *Provider) readNSG(ctx context.Context, id, level string) (cloud.NSGState, error) {
	g, err := p.nsgs.Get(ctx, groupOf(id), nameOf(id), nil)
	if err != nil {
		return cloud.NSGState{}, fmt.Errorf("get network security group %s: %w", id, err)
	}
	ns := cloud.NSGState{ID: str(g.ID), Name: str(g.Name), Level: level}
	if pr := g.Properties; pr != nil {
		for _, r := range pr.SecurityRules {
			ns.Rules = append(ns.Rules, nsgRule(r, false))
		}
		for _, r := range pr.DefaultSecurityRules {
			ns.Rules = append(ns.Rules, nsgRule(r, true))
		}
	}
	return ns, nil
}

// nsgRule reads a security rule, singular and plural fields alike.
func nsgRule(r *armnetwork.SecurityRule, def bool) cloud.NSGRule {
	o := cloud.NSGRule{Name: str(r.Name), Default: def}
	pr := r.Properties
	if pr == nil {
		return o
	}
	if pr.Priority != nil {
		o.Priority = *pr.Priority
	}
	o.Allow = pr.Access != nil && *pr.Access == armnetwork.SecurityRuleAccessAllow
	o.Inbound = pr.Direction != nil && *pr.Direction == armnetwork.SecurityRuleDirectionInbound
	if pr.Protocol != nil {
		for cp, ap := range azProtocols {
			if strings.EqualFold(string(ap), string(*pr.Protocol)) {
				o.Protocol = cp
			}
		}
	}
	o.Source = nsgAddresses(pr.SourceAddressPrefix, pr.SourceAddressPrefixes)
	o.Dest = nsgAddresses(pr.DestinationAddressPrefix, pr.DestinationAddressPrefixes)
	o.DstPorts = portRanges(pr.DestinationPortRange, pr.DestinationPortRanges)
	o.SrcPorts = portRanges(pr.SourcePortRange, pr.SourcePortRanges)
	return o
}

// nsgAddresses reads one side of a rule: "*" (or "Any", "0.0.0.0/0") is
// any address, a CIDR or an address a prefix, anything else a service
// tag.
func nsgAddresses(one *string, many []*string) cloud.NSGAddresses {
	var a cloud.NSGAddresses
	for _, s := range append([]*string{one}, many...) {
		v := str(s)
		if v == "" {
			continue
		}
		if v == "*" || strings.EqualFold(v, "any") {
			a.Any = true
			continue
		}
		if pr, err := netip.ParsePrefix(v); err == nil {
			a.Any = a.Any || pr.Bits() == 0
			a.Prefixes = append(a.Prefixes, pr.Masked())
		} else if ad, err := netip.ParseAddr(v); err == nil {
			a.Prefixes = append(a.Prefixes, netip.PrefixFrom(ad, ad.BitLen()))
		} else {
			a.Tags = append(a.Tags, v)
		}
	}
	return a
}

// portRanges reads a rule's ports: "*" (or nothing) is any port.
func portRanges(one *string, many []*string) [][2]int32 {
	var out [][2]int32
	for _, s := range append([]*string{one}, many...) {
		v := str(s)
		if v == "" {
			continue
		}
		if v == "*" {
			return nil
		}
		lo, hi, found := strings.Cut(v, "-")
		if !found {
			hi = lo
		}
		a, err1 := strconv.Atoi(strings.TrimSpace(lo))
		b, err2 := strconv.Atoi(strings.TrimSpace(hi))
		if err1 == nil && err2 == nil {
			out = append(out, [2]int32{int32(a), int32(b)})
		}
	}
	return out
}

// readRoutes reads the interface's effective routes into e's table, the
// user-defined routes first, and returns what the VirtualNetwork service
// tag stands for there: the VNet's and peered VNets' address spaces, the
// prefixes of user-defined and gateway routes, and the host's virtual IP.
// Azure: https://learn.microsoft.com/azure/virtual-network/service-tags-overview#available-service-tags — VirtualNetwork
// Azure: https://learn.microsoft.com/azure/virtual-network/virtual-networks-udr-overview#system-routes — the system routes every subnet has, which user-defined routes override
func (p *Provider) readRoutes(ctx context.Context, n *nicObj, e *cloud.EndState) ([]netip.Prefix, error) {
	res, err := begun(p.nics.BeginGetEffectiveRouteTable(ctx, n.group, nameOf(n.ID), nil)).wait(ctx, p.freq)
	if err != nil {
		return nil, fmt.Errorf("effective routes of network interface %s: %w", n.ID, err)
	}
	var tag []netip.Prefix
	for _, r := range res.Value {
		hop, src := "", ""
		if r.NextHopType != nil {
			hop = string(*r.NextHopType)
		}
		if r.Source != nil {
			src = string(*r.Source)
		}
		var target string
		for _, a := range r.NextHopIPAddress {
			target = str(a)
		}
		for _, a := range r.AddressPrefix {
			d := prefix(a)
			if !d.IsValid() || !d.Addr().Is4() {
				continue // IPv6: FlightPath traces IPv4 addresses
			}
			rs := cloud.RouteState{Destination: d, Kind: routeKind(hop), Target: cmp.Or(target, hop), Source: src,
				Inactive: r.State != nil && *r.State == armnetwork.EffectiveRouteStateInvalid}
			e.Table.Routes = append(e.Table.Routes, rs)
			if hop == "VnetLocal" || strings.EqualFold(hop, "VNetPeering") || src == "User" || src == "VirtualNetworkGateway" {
				if !slices.Contains(tag, d) {
					tag = append(tag, d)
				}
			}
		}
	}
	// User-defined routes first: of two active routes to one prefix,
	// Azure takes the user's.
	// Azure: https://learn.microsoft.com/azure/virtual-network/virtual-networks-udr-overview#how-azure-selects-a-route
	slices.SortStableFunc(e.Table.Routes, func(a, b cloud.RouteState) int {
		return map[bool]int{true: 0, false: 1}[a.Source == "User"] - map[bool]int{true: 0, false: 1}[b.Source == "User"]
	})
	return append(tag, cloud.AzureHostVIP), nil
}

// routeKind maps an Azure next hop type to a route kind.
func routeKind(hop string) cloud.RouteKind {
	switch strings.ToLower(hop) {
	case "vnetlocal":
		return cloud.RouteLocal
	case "virtualappliance":
		return cloud.RouteInstance
	case "internet":
		return cloud.RouteInternet
	case "virtualnetworkgateway":
		return cloud.RoutePrivateLine
	case "none":
		return cloud.RouteBlackhole
	}
	return cloud.RouteOther
}
