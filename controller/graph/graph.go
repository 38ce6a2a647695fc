// Package graph draws a cloud lab's topology: its clouds, regions,
// networks, gateways, firewalls and on-prem sites as nested nodes, and the
// tunnels, private lines and FireNet attachments between them as edges,
// with each tunnel's and BGP session's live state when the gateways'
// status is given. It renders the graph as Graphviz DOT, Mermaid, JSON or
// (through Graphviz's dot program) SVG. Building the graph makes no calls.
package graph

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/dataplane/mgmt"
)

// Node kinds.
const (
	KindCloud    = "cloud"
	KindRegion   = "region"
	KindNetwork  = "network"
	KindGateway  = "gateway"
	KindFirewall = "firewall"
	KindSite     = "site"
)

// Edge kinds.
const (
	EdgeTunnels     = "tunnels"      // the encrypted tunnels between two gateways
	EdgePrivateLine = "private-line" // a transit gateway's BGP overlay to a site over its private line
	EdgeFireNet     = "firenet"      // a transit gateway steering traffic to a firewall
)

// States of a node or an edge; "" where no live state was given.
const (
	StateUp       = "up"
	StateDown     = "down"
	StateDegraded = "degraded" // some of an edge's tunnels or sessions are down
)

// Graph is a lab's topology.
type Graph struct {
	Name string `json:"name"`
	// Live is set when the gateways' status was given: nodes and edges
	// carry a state.
	Live  bool   `json:"live"`
	Nodes []Node `json:"nodes"`
	Edges []Edge `json:"edges"`
}

// Node is a cloud, region, network, gateway, firewall or site.
type Node struct {
	ID    string `json:"id"`
	Kind  string `json:"kind"`
	Label string `json:"label"`
	// Parent is the ID of the node that holds it ("" at the top).
	Parent string `json:"parent,omitempty"`
	// Detail is a second line: a network's CIDR, a gateway's role, ASN
	// and address.
	Detail string `json:"detail,omitempty"`
	// State is a gateway's: up while it answers; "" without live state.
	State string `json:"state,omitempty"`
}

// Edge joins two nodes.
type Edge struct {
	From string `json:"from"`
	To   string `json:"to"`
	Kind string `json:"kind"`
	// Tunnels and TunnelsUp count the tunnels an EdgeTunnels edge stands
	// for (HPE has several between two gateways); Sessions and
	// SessionsUp the BGP sessions over the edge, as From reports them.
	Tunnels    int `json:"tunnels,omitempty"`
	TunnelsUp  int `json:"tunnels_up,omitempty"`
	Sessions   int `json:"sessions,omitempty"`
	SessionsUp int `json:"sessions_up,omitempty"`
	// State is up, down or degraded; "" without live state.
	State string `json:"state,omitempty"`
}

// Label is the edge's text: what it is and, live, how much of it is up.
func (e Edge) Label() string {
	var s string
	switch e.Kind {
	case EdgeTunnels:
		s = fmt.Sprintf("%d tunnel", e.Tunnels)
		if e.Tunnels != 1 {
			s += "s"
		}
	case EdgePrivateLine:
		s = "private line"
	case EdgeFireNet:
		s = "firenet"
	}
	if e.State == "" {
		return s
	}
	if e.Kind == EdgeTunnels {
		s += fmt.Sprintf(" %d up", e.TunnelsUp)
	}
	if e.Sessions > 0 {
		s += fmt.Sprintf(", BGP %d/%d", e.SessionsUp, e.Sessions)
	}
	if e.Kind == EdgeFireNet {
		s += " " + e.State
	}
	return s
}

// IDs of the nodes, by kind and name.
func cloudID(provider string) string     { return "cloud:" + provider }
func regionID(provider, r string) string { return "region:" + provider + "/" + r }
func networkID(vpc string) string        { return "network:" + vpc }
func gatewayID(key string) string        { return "gateway:" + key }
func firewallID(key string) string       { return "firewall:" + key }
func siteID(site string) string          { return "site:" + site }

// onPrem is the top node that holds the sites.
const onPrem = "on-prem"

// Build draws plan's topology; live, when not nil, is each gateway's
// status by gateway key (a gateway missing from it is down).
func Build(plan *intent.Plan, live map[string]mgmt.Status) *Graph {
	g := &Graph{Name: plan.Topology.Name, Live: live != nil}
	b := builder{g: g, seen: map[string]bool{}, live: live}
	b.networks(plan)
	b.gateways(plan)
	b.tunnels(plan)
	b.overlays(plan)
	b.firewalls(plan)
	return g
}

// builder adds each node once.
type builder struct {
	g    *Graph
	seen map[string]bool
	live map[string]mgmt.Status
}

func (b *builder) node(n Node) {
	if !b.seen[n.ID] {
		b.seen[n.ID] = true
		b.g.Nodes = append(b.g.Nodes, n)
	}
}

// networks adds each account's clouds, regions and networks, and the
// sites.
func (b *builder) networks(plan *intent.Plan) {
	for _, a := range plan.Accounts {
		pv := string(a.Account.Provider)
		b.node(Node{ID: cloudID(pv), Kind: KindCloud, Label: pv})
		for _, v := range a.Desired.VPCs {
			reg := cmp.Or(v.Region, a.Region)
			b.node(Node{ID: regionID(pv, reg), Kind: KindRegion, Label: reg, Parent: cloudID(pv)})
			b.node(Node{ID: networkID(v.Key), Kind: KindNetwork, Label: v.Key, Parent: regionID(pv, reg),
				Detail: v.CIDR.String() + " (" + a.Account.Name + ")"})
		}
	}
	for _, s := range plan.Topology.Cloud.Sites {
		b.node(Node{ID: onPrem, Kind: KindCloud, Label: onPrem})
		detail := fmt.Sprintf("%s AS%d", s.Router, s.ASN)
		b.node(Node{ID: siteID(s.Name), Kind: KindSite, Label: s.Name, Parent: onPrem, Detail: detail})
	}
}

// gateways adds the gateways, in their networks (a site's gateway in its
// site).
func (b *builder) gateways(plan *intent.Plan) {
	for _, gw := range plan.Gateways {
		parent := networkID(gw.VPC)
		if gw.Role == intent.RoleSite {
			parent = siteID(gw.Group)
		}
		n := Node{ID: gatewayID(gw.Key), Kind: KindGateway, Label: gw.Key, Parent: parent,
			Detail: fmt.Sprintf("%s AS%d %s", gw.Role, gw.ASN, gw.PrivateIP)}
		if b.live != nil {
			n.State = StateDown
			if _, ok := b.live[gw.Key]; ok {
				n.State = StateUp
			}
		}
		b.node(n)
	}
}

// tunnels adds an edge per pair of gateways joined by tunnels, with how
// many of them, and of their BGP sessions, are up at the first end.
func (b *builder) tunnels(plan *intent.Plan) {
	at := map[[2]string]int{}
	for _, t := range plan.Tunnels {
		k := [2]string{t.A, t.B}
		i, ok := at[k]
		if !ok {
			i = len(b.g.Edges)
			at[k] = i
			b.g.Edges = append(b.g.Edges, Edge{From: gatewayID(t.A), To: gatewayID(t.B), Kind: EdgeTunnels})
		}
		e := &b.g.Edges[i]
		e.Tunnels++
		e.Sessions++
		if b.live == nil {
			continue
		}
		st := b.live[t.A]
		if slices.ContainsFunc(st.Tunnels, func(x mgmt.Tunnel) bool { return x.Peer == t.Name[0] && x.State == mgmt.TunnelUp }) {
			e.TunnelsUp++
		}
		if established(st, t.Name[0]) {
			e.SessionsUp++
		}
	}
	for i := range b.g.Edges {
		if b.live != nil {
			b.g.Edges[i].State = state(b.g.Edges[i].TunnelsUp+b.g.Edges[i].SessionsUp, b.g.Edges[i].Tunnels+b.g.Edges[i].Sessions)
		}
	}
}

// overlays adds a transit gateway's private-line overlay to its site.
func (b *builder) overlays(plan *intent.Plan) {
	for _, o := range plan.Overlays {
		e := Edge{From: gatewayID(o.Gateway), To: siteID(o.Site), Kind: EdgePrivateLine, Sessions: 1}
		if b.live != nil {
			if established(b.live[o.Gateway], plan.SiteNeighbor(o.Site)) {
				e.SessionsUp = 1
			}
			e.State = state(e.SessionsUp, e.Sessions)
		}
		b.g.Edges = append(b.g.Edges, e)
	}
}

// firewalls adds the FireNet firewalls, in their transit's network, each
// joined to the transit's gateways, up while the gateway finds it
// healthy.
func (b *builder) firewalls(plan *intent.Plan) {
	for _, fw := range plan.Firewalls() {
		gws := plan.GatewaysOf(fw.Transit)
		if len(gws) == 0 {
			continue
		}
		b.node(Node{ID: firewallID(fw.Key), Kind: KindFirewall, Label: fw.Key, Parent: networkID(gws[0].VPC)})
		for _, gw := range gws {
			e := Edge{From: gatewayID(gw.Key), To: firewallID(fw.Key), Kind: EdgeFireNet}
			if b.live != nil {
				healthy := 0
				if fs := b.live[gw.Key].FireNet; fs != nil && slices.ContainsFunc(fs.Firewalls, func(f mgmt.FirewallStatus) bool {
					return f.Name == fw.Key && f.Healthy
				}) {
					healthy = 1
				}
				e.State = state(healthy, 1)
			}
			b.g.Edges = append(b.g.Edges, e)
		}
	}
}

// established reports whether the gateway's session of that name is
// established.
func established(st mgmt.Status, name string) bool {
	return slices.ContainsFunc(st.Sessions, func(s mgmt.Session) bool { return s.Name == name && s.State == "established" })
}

// state is up when all of n are up, down when none, degraded between.
func state(up, n int) string {
	switch {
	case up >= n:
		return StateUp
	case up == 0:
		return StateDown
	}
	return StateDegraded
}
