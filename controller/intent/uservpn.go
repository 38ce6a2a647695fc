package intent

import (
	"net/netip"
	"sort"
	"time"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/dataplane/uservpn"
	"github.com/mcnlab/mcnlab/topologies"
)

// User VPN: each gateway of the user-vpn block is a cloud instance of the
// VPN image in its access VPC's spoke subnet (which routes to the
// internet), with an elastic IP and the source/destination check off, in
// a security group that admits OpenVPN (UDP 1194) from anywhere and
// everything from its VPC. It translates its clients to its own address,
// so the access VPC's route tables (kept by the spoke's route sync) carry
// their traffic to the transit and back. The controller pushes it its
// configuration (VPNConfig). Laptops are lab host namespaces with an
// internet uplink each, as a tunnel site's router has.
// Aviatrix: https://docs.aviatrix.com/documentation/latest/user-vpn/user-vpn-overview.html — VPN gateways launched in a VPC, with an elastic IP, that users reach with an OpenVPN client

// VPNGateway is one user VPN gateway.
type VPNGateway struct {
	Key     string // its instance's key: the topology's gateway name
	VPC     *topologies.VPC
	Account string
	*topologies.VPNGateway
}

// VPNPort is the UDP port the gateways serve OpenVPN on.
const VPNPort = uservpn.DefaultPort

// VPNGateways lists the topology's VPN gateways in file order.
func (p *Plan) VPNGateways() []VPNGateway {
	u := p.Topology.UserVPN
	if u == nil || p.Topology.Cloud == nil {
		return nil
	}
	var out []VPNGateway
	for _, g := range u.Gateways {
		for _, v := range p.Topology.Cloud.VPCs {
			if v.Name == g.VPC {
				out = append(out, VPNGateway{Key: g.Name, VPC: v, Account: v.Account, VPNGateway: g})
			}
		}
	}
	return out
}

// VPNGateway returns the VPN gateway named key, or nil.
func (p *Plan) VPNGateway(key string) *VPNGateway {
	for _, g := range p.VPNGateways() {
		if g.Key == key {
			return &g
		}
	}
	return nil
}

// VPNGroupKey is the key of the security group of a VPN gateway.
func VPNGroupKey(vpc, gw string) string { return vpc + "/vpn-" + gw }

// userVPN adds the VPN gateways to their accounts' desired states.
func (dc *desiredCompiler) userVPN() {
	for _, g := range dc.p.VPNGateways() {
		v := g.VPC
		d := &dc.p.Accounts[dc.byName[v.Account]].Desired
		group := VPNGroupKey(v.Name, g.Key)
		d.SecurityGroups = append(d.SecurityGroups, cloud.SecurityGroup{Key: group, VPC: v.Name, Ingress: []cloud.Rule{
			{Protocol: cloud.ProtocolUDP, FromPort: VPNPort, ToPort: VPNPort, Source: netip.MustParsePrefix("0.0.0.0/0")},
			{Protocol: cloud.ProtocolAll, Source: v.CIDR.Masked()},
		}})
		d.Instances = append(d.Instances, cloud.Instance{Key: g.Key, VPC: v.Name, Subnet: SubnetKey(v.Name, g.Subnet),
			Image: cloud.ImageVPN, PublicIP: true, SecurityGroups: []string{group}})
	}
}

// VPNPool is gateway g's client pool.
func (g VPNGateway) VPNPool() netip.Prefix {
	if g.Pool.IsValid() {
		return g.Pool
	}
	return topologies.DefaultVPNPool
}

// VPNTunnel is gateway g's tunnel mode.
func (g VPNGateway) VPNTunnel() string {
	if g.Tunnel == "" {
		return topologies.TunnelSplit
	}
	return g.Tunnel
}

// VPNConfig is what gateway g is to hold, but for the certificates: its
// pool, tunnel mode, the cloud's prefixes (every VPC's range) that a split
// tunnel pushes, and every profile.
func (p *Plan) VPNConfig(g VPNGateway) uservpn.Config {
	cfg := uservpn.Config{Name: g.Key, Port: VPNPort, Pool: g.VPNPool(), Tunnel: g.VPNTunnel(), Uplink: "eth0",
		Profiles: map[string]uservpn.Profile{}}
	for _, v := range p.Topology.Cloud.VPCs {
		cfg.Routes = append(cfg.Routes, v.CIDR.Masked())
	}
	sort.Slice(cfg.Routes, func(i, j int) bool { return cfg.Routes[i].String() < cfg.Routes[j].String() })
	for _, pr := range p.Topology.UserVPN.Profiles {
		up := uservpn.Profile{Base: pr.Base}
		for _, r := range pr.Rules {
			proto := r.Protocol
			if proto == "any" {
				proto = ""
			}
			up.Rules = append(up.Rules, uservpn.Rule{CIDR: r.CIDR, Protocol: proto, Port: uint16(r.Port)})
		}
		cfg.Profiles[pr.Name] = up
	}
	return cfg
}

// VPNLifetime is the longest credential the user VPN issues.
func (p *Plan) VPNLifetime() time.Duration {
	if u := p.Topology.UserVPN; u != nil && u.Lifetime != 0 {
		return u.Lifetime
	}
	return topologies.DefaultVPNLifetime
}

// Laptop is a laptop namespace and its internet uplink.
type Laptop struct {
	Name   string
	Uplink netip.Prefix
}

// Laptops lists the user VPN's laptops with their uplinks: from the top
// of the tunnel sites' uplink range down, 198.51.100.126/30 first.
func (p *Plan) Laptops() []Laptop {
	u := p.Topology.UserVPN
	if u == nil {
		return nil
	}
	var out []Laptop
	for j, l := range u.Laptops {
		out = append(out, Laptop{Name: l.Name, Uplink: uplink(31 - j)})
	}
	return out
}

// addLaptops adds a host node per laptop; it has no link of its own:
// the cloud gives it its uplink.
func (p *Plan) addLaptops() {
	for _, l := range p.Laptops() {
		p.SiteNodes = append(p.SiteNodes, &topologies.Node{Name: l.Name, Kind: topologies.KindHost})
	}
}
