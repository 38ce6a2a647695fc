// Package s2c is the gateway's side of site-to-cloud IPsec: for each
// gateway node that site2cloud connections name (as their gateway or HA
// gateway), strongSwan's charon in the gateway's namespace for IKEv2 and
// ESP (kernel-libipsec: ESP in the process, over the TUN device ipsec0),
// the routes into ipsec0 (route-based tunnels), and for mapped
// connections the one-to-one translation between real and virtual
// prefixes (nftables, stateless, through dataplane/policy) with the
// policy routing that sends translated traffic into the tunnel.
//
// The gateway runs charon rather than an IKEv2 of mcnlab's own: IKEv2 is
// the part that must interoperate with every on-prem vendor (proposal
// negotiation, NAT traversal, rekeying, DPD), and charon is the reference
// implementation the on-prem strongSwan routers speak to; the gateways'
// own ESP (dataplane/esp) keys its SAs from the controller and has no
// IKE to key it from a peer of another make.
package s2c

import (
	"net/netip"
	"slices"

	"github.com/mcnlab/mcnlab/dataplane/policy"
	"github.com/mcnlab/mcnlab/emulator/ipsec"
	"github.com/mcnlab/mcnlab/topologies"
)

// Kernel objects of the gateway side.
const (
	// Interface is the TUN device of kernel-libipsec.
	Interface = ipsec.TUN
	// TableName is the nftables table of the mapped connections.
	TableName = "mcnlab-s2c"
	// RouteMark marks packets bound for a site's virtual prefix, which
	// policy routing (RouteTable) sends into Interface once translated.
	RouteMark = 0x5c2
	// RouteTable holds the default route into Interface.
	RouteTable = 0x5c2
)

// Gateway is one gateway's side of its site2cloud connections.
type Gateway struct {
	Node string
	// Namespace, when set, is where the gateway runs: a cloud gateway
	// instance's namespace (Node then names its charon's directory
	// only); else the namespace of node Node.
	Namespace string
	// Socket, when set, is the management socket of the gateway daemon
	// beside the charon (a cloud instance's); else node Node's.
	Socket string
	// Conns are the connections as the gateway's charon loads them.
	Conns []ipsec.Conn
	// Routes are the site prefixes routed into Interface: those of
	// unmapped connections without bgp, the virtual ones of mapped
	// connections.
	Routes []netip.Prefix
	// Inside are the gateway's inside addresses on Interface, of the
	// connections with bgp: the sessions go over the tunnels to the
	// sites' inside addresses on the connected network, and the sites'
	// prefixes come by BGP with those as next hops.
	Inside []netip.Prefix
	// Mapped is set when a connection is mapped.
	Mapped bool
	// Table is the gateway's nftables table: the mapped connections'
	// translation and the policy-based connections' marks (no rules: no
	// table is needed).
	Table policy.Table
	// Wait are the connections whose site the lab configures (a
	// strongswan node): the sites initiate them.
	Wait []Wait
}

// Wait is a connection of a gateway that its site initiates.
type Wait struct {
	Conn, Site string
}

// Gateways returns the gateway side of t's connections in lab, one per
// gateway node, in the order the connections name them. psk gives a
// connection's key; a connection with certificates gets its gateway's
// (ipsec.Certs).
func Gateways(t *topologies.Topology, lab string, psk func(conn string) (string, error)) ([]Gateway, error) {
	var out []Gateway
	idx := map[string]int{}
	for _, s := range t.Site2Cloud {
		key, err := psk(s.Name)
		if err != nil {
			return nil, err
		}
		for _, gw := range []string{s.Gateway, s.HAGateway} {
			if gw == "" {
				continue
			}
			j, ok := idx[gw]
			if !ok {
				j = len(out)
				idx[gw] = j
				out = append(out, Gateway{Node: gw, Table: policy.Table{Family: policy.FamilyIPv4, Name: TableName}})
			}
			g := &out[j]
			end := ipsec.EndGateway
			if gw == s.HAGateway {
				end = ipsec.EndHAGateway
			}
			c := ipsec.WithCerts(lab, s, end, []ipsec.Conn{ipsec.GatewayConn(s, gw, key)})[0]
			g.Conns = append(g.Conns, c)
			if site := t.Node(s.Site); site != nil && site.Kind == topologies.KindStrongSwan {
				g.Wait = append(g.Wait, Wait{c.Name, s.Site})
			}
			switch {
			case s.Mapped():
				g.Mapped = true
				addMappings(g, s.Mappings, s.BGP == nil)
				if s.BGP != nil {
					g.Inside = append(g.Inside, gatewayInside(s, gw))
				}
			case s.Type == topologies.S2CPolicyBased:
				addPolicyMarks(&g.Table, s.SiteSubnets)
			case s.BGP != nil:
				g.Inside = append(g.Inside, gatewayInside(s, gw))
			default:
				g.Routes = append(g.Routes, s.SiteSubnets...)
			}
		}
	}
	for i := range out {
		slices.SortFunc(out[i].Routes, func(a, b netip.Prefix) int { return a.Addr().Compare(b.Addr()) })
	}
	return out, nil
}

// gatewayInside is gateway gw's inside address on its tunnel of s (a
// connection with bgp): the backup tunnel's at the HA gateway.
func gatewayInside(s *topologies.Site2Cloud, gw string) netip.Prefix {
	a, _ := s.BGP.Tunnel(gw == s.HAGateway)
	return a
}

// addMappings adds the rules of mappings ms to g's table and, with route
// (else the site announces them over BGP), routes each site's virtual
// prefix into Interface: for each pair, both ways,
//
//	from the site (in ipsec0), before routing and before conntrack:
//	  site → cloud-virtual becomes site-virtual → cloud
//	to the site (routed into ipsec0 by its virtual prefix), after the
//	  forward filter, on the way out: cloud → site-virtual becomes
//	  cloud-virtual → site
//
// The translation is stateless, packet by packet, so that it holds
// whichever gateway of an HA pair each direction of a flow passes (the
// site sends into one of its tunnels, the VPC routes replies over either
// gateway). Conntrack, and so a cloud's security group filtering the
// instance's forwarded traffic, sees each flow with the cloud's real and
// the site's virtual addresses, as on the VPC's wire, in both directions.
func addMappings(g *Gateway, ms []topologies.S2CMapping, route bool) {
	for _, m := range ms {
		// Each chain is looked up afresh: making one may move the other.
		in := mapChain(&g.Table)
		in.Rules = append(in.Rules,
			policy.Rule{Match: policy.Match{IIF: Interface, Src: m.Site, Dst: m.CloudVirtual},
				Rewrite: []policy.Rewrite{{Prefix: m.Cloud}, {Src: true, Prefix: m.SiteVirtual}}})
		out := unmapChain(&g.Table)
		out.Rules = append(out.Rules,
			policy.Rule{Match: policy.Match{OIF: Interface, Src: m.Cloud, Dst: m.SiteVirtual},
				Rewrite: []policy.Rewrite{{Prefix: m.Site}, {Src: true, Prefix: m.CloudVirtual}}})
		if route && !slices.Contains(g.Routes, m.SiteVirtual) {
			g.Routes = append(g.Routes, m.SiteVirtual)
		}
	}
}

// addPolicyMarks marks what goes to a policy-based connection's site
// prefixes with RouteMark, so that it takes the routes charon installs in
// RouteTable while the connection's child SA is up (its policies), and
// the gateway's other routes while it is not.
func addPolicyMarks(t *policy.Table, sites []netip.Prefix) {
	ch := mapChain(t)
	for _, p := range sites {
		ch.Rules = append(ch.Rules, policy.Rule{Match: policy.Match{IIF: Interface, NotIIF: true, Dst: p}, SetMark: RouteMark})
	}
}

// mapChain is t's prerouting chain (priority raw), made if missing.
func mapChain(t *policy.Table) *policy.Chain {
	return chain(t, policy.Chain{Name: "map", Hook: policy.HookPrerouting, Type: policy.TypeFilter, Priority: policy.PriorityRaw})
}

// unmapChain is t's postrouting chain (priority srcnat: after the
// forward filter), made if missing.
func unmapChain(t *policy.Table) *policy.Chain {
	return chain(t, policy.Chain{Name: "unmap", Hook: policy.HookPostrouting, Type: policy.TypeFilter, Priority: policy.PrioritySrcNAT})
}

// chain returns t's chain named as c, appending c if t has none.
func chain(t *policy.Table, c policy.Chain) *policy.Chain {
	for i := range t.Chains {
		if t.Chains[i].Name == c.Name {
			return &t.Chains[i]
		}
	}
	t.Chains = append(t.Chains, c)
	return &t.Chains[len(t.Chains)-1]
}
