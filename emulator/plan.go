// Package emulator builds a lab's Linux fabric: one network namespace per
// node, veth links between node interfaces, addresses, static routes,
// forwarding sysctls, rate limits and start-up commands, all through the
// netlink and netns Go libraries. It records every object in the lab's state
// (package state) before creating it, and removes exactly what the state
// records. It never adds anything to the root namespace: links are created
// directly inside their two namespaces.
package emulator

import (
	"fmt"
	"hash/fnv"
	"net/netip"
	"time"

	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/topologies"
)

// Prefix starts the name of every namespace, link and process mcnlab makes.
const Prefix = "mcn-"

// NamespaceName is the namespace of a node: mcn-<lab>-<node>. Namespace names
// are file names under /run/netns, so the 15-byte limit of interface names
// does not apply to them.
func NamespaceName(lab, node string) string { return Prefix + lab + "-" + node }

// Plan is everything a deploy will create, derived from a topology without
// touching the kernel.
type Plan struct {
	Lab   string
	Nodes []*PlanNode
	Links []*PlanLink
}

// PlanNode is one namespace and what goes into it.
type PlanNode struct {
	Name      string
	Kind      topologies.NodeKind
	Namespace string
	// Forwarding turns on IPv4 and IPv6 forwarding (routers).
	Forwarding bool
	Routes     []topologies.Route
	Exec       []string
	// BGP and Config drive the routing daemon of frr and bird nodes.
	BGP    *topologies.BGP
	Config string
	// VXLAN are the node's point-to-point overlays, with Port and MTU
	// defaults filled in; they are made once the node's links are up.
	VXLAN []topologies.VXLAN
	// Loopback are addresses on the node's lo (topologies.Node.Loopback).
	Loopback []netip.Prefix
	// Site2Cloud are the connections whose site a strongswan node is.
	Site2Cloud []*topologies.Site2Cloud
}

// PlanLink is one veth pair.
type PlanLink struct {
	A, B PlanEnd
	MTU  int
	Rate uint64 // bits per second, 0 for none
}

// PlanEnd is one end of a veth pair: the node and the kernel name of the
// interface inside the node's namespace.
type PlanEnd struct {
	Node     string
	Friendly string // the interface name in the topology
	Ifname   string // the kernel's name for it (KernelName)
	Address  netip.Prefix
}

// IfnameMax is the longest interface name the kernel takes (IFNAMSIZ-1).
const IfnameMax = 15

// KernelNames maps each friendly interface name of one node to the name the
// kernel gets: the name itself when it fits in 15 bytes, else its first 10
// bytes, '-' and 4 hex digits of a hash of the whole name. Names that fit
// are kept first, so a derived name never takes a user's name; a clash
// between derived names is resolved by rehashing.
func KernelNames(friendly []string) map[string]string {
	out := map[string]string{}
	used := map[string]bool{}
	for _, f := range friendly {
		if len(f) <= IfnameMax {
			out[f] = f
			used[f] = true
		}
	}
	for _, f := range friendly {
		if len(f) <= IfnameMax || out[f] != "" {
			continue
		}
		for salt := uint32(0); ; salt++ {
			h := fnv.New32a()
			fmt.Fprintf(h, "%s/%d", f, salt)
			k := fmt.Sprintf("%s-%04x", f[:IfnameMax-5], h.Sum32()&0xffff)
			if !used[k] {
				out[f], used[k] = k, true
				break
			}
		}
	}
	return out
}

// NewPlan derives the plan of a validated topology deployed as lab.
func NewPlan(lab string, t *topologies.Topology) (*Plan, error) {
	p := &Plan{Lab: lab}
	idx := map[string]*PlanNode{}
	for _, n := range t.Nodes {
		pn := &PlanNode{
			Name:       n.Name,
			Kind:       n.Kind,
			Namespace:  NamespaceName(lab, n.Name),
			Forwarding: n.Kind.Forwards(),
			Routes:     n.Routes,
			Exec:       n.Exec,
			BGP:        n.BGP,
			Config:     n.Config,
			Loopback:   n.Loopback,
		}
		if n.Kind == topologies.KindStrongSwan {
			pn.Site2Cloud = siteConnections(t, n.Name)
			withBGP := siteBGPConnections(t, n.Name, pn.Site2Cloud)
			pn.BGP = siteBGP(t, n.BGP, withBGP)
			conf, err := siteFRR(lab, t, n, withBGP)
			if err != nil {
				return nil, fmt.Errorf("plan lab %s: node %s: %w", lab, n.Name, err)
			}
			if conf != "" {
				pn.Config = conf
			}
		}
		for j, v := range n.VXLAN {
			if err := checkVXLAN(&v); err != nil {
				return nil, fmt.Errorf("plan lab %s: node %s: vxlan[%d] %q: %w", lab, n.Name, j, v.Name, err)
			}
			pn.VXLAN = append(pn.VXLAN, v)
		}
		idx[n.Name] = pn
		p.Nodes = append(p.Nodes, pn)
	}
	names := map[string][]string{} // node -> friendly interface names
	for _, l := range t.Links {
		names[l.A.Node] = append(names[l.A.Node], l.A.Interface)
		names[l.B.Node] = append(names[l.B.Node], l.B.Interface)
	}
	kernel := map[string]map[string]string{}
	for n, f := range names {
		kernel[n] = KernelNames(f)
	}
	for _, pn := range p.Nodes {
		for _, v := range pn.VXLAN {
			for _, k := range kernel[pn.Name] {
				if k == v.Name {
					return nil, fmt.Errorf("plan lab %s: node %s: vxlan %q: a link of the node has that interface name", lab, pn.Name, v.Name)
				}
			}
		}
	}
	mtu := t.Defaults.MTU
	if mtu == 0 {
		mtu = 1500
	}
	for i, l := range t.Links {
		for _, e := range []topologies.Endpoint{l.A, l.B} {
			if idx[e.Node] == nil {
				return nil, fmt.Errorf("plan lab %s: links[%d]: unknown node %q", lab, i, e.Node)
			}
		}
		pl := &PlanLink{
			A:    PlanEnd{Node: l.A.Node, Friendly: l.A.Interface, Ifname: kernel[l.A.Node][l.A.Interface], Address: l.A.Address},
			B:    PlanEnd{Node: l.B.Node, Friendly: l.B.Interface, Ifname: kernel[l.B.Node][l.B.Interface], Address: l.B.Address},
			MTU:  l.MTU,
			Rate: l.Rate,
		}
		if pl.MTU == 0 {
			pl.MTU = mtu
		}
		p.Links = append(p.Links, pl)
	}
	return p, nil
}

// Record returns the lab state that describes the plan, written before any
// of it is created.
func (p *Plan) Record(topologyFile string) *state.Lab {
	l := &state.Lab{Name: p.Lab, Topology: topologyFile, Created: time.Now().UTC(), Phase: state.PhaseDeploying, Owner: state.Self()}
	for _, n := range p.Nodes {
		sn := state.Node{Name: n.Name, Kind: string(n.Kind), Namespace: n.Namespace}
		for _, v := range n.VXLAN {
			sn.VXLAN = append(sn.VXLAN, state.VXLAN{
				Interface: v.Name, VNI: v.VNI, Local: v.Local.String(), Remote: v.Remote.String(),
				Port: v.Port, Address: v.Address.String(), MTU: v.MTU,
			})
		}
		l.Nodes = append(l.Nodes, sn)
	}
	for _, k := range p.Links {
		l.Links = append(l.Links, state.Link{
			A:    end(k.A),
			B:    end(k.B),
			MTU:  k.MTU,
			Rate: k.Rate,
		})
	}
	return l
}

func end(e PlanEnd) state.LinkEnd {
	le := state.LinkEnd{Node: e.Node, Interface: e.Friendly, Kernel: e.Ifname}
	if e.Address.IsValid() {
		le.Address = e.Address.String()
	}
	return le
}

// checkVXLAN checks one overlay of a node and fills its defaults (port
// 4789, MTU 1450).
func checkVXLAN(v *topologies.VXLAN) error {
	if v.Name == "" || len(v.Name) > IfnameMax {
		return fmt.Errorf("interface name must be 1..%d bytes", IfnameMax)
	}
	if v.VNI == 0 || v.VNI > 1<<24-1 {
		return fmt.Errorf("vni %d out of range 1..16777215", v.VNI)
	}
	if !v.Local.IsValid() || !v.Remote.IsValid() || v.Local.Is4() != v.Remote.Is4() {
		return fmt.Errorf("local %s and remote %s must be addresses of one family", v.Local, v.Remote)
	}
	if !v.Address.IsValid() || v.Address.Addr().Is4() != v.Local.Is4() {
		return fmt.Errorf("address %s must be set, in the family of local %s", v.Address, v.Local)
	}
	if v.Port == 0 {
		v.Port = 4789
	}
	if v.MTU == 0 {
		v.MTU = 1450
	}
	return nil
}
