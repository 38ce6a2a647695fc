package main

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"github.com/vishvananda/netlink"

	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/emulator/state"
	mcnlab "github.com/mcnlab/mcnlab/lab"
)

// labNode is a node of a lab that exec, capture and traceroute reach: its
// name (the topology's: a host, a site router, a cloud instance such as
// transit-1, or the emulator's vpc-<handle>), what it is, and its network
// namespace.
type labNode struct {
	Name, Kind, Namespace string
	// Label names it for a person: "gateway transit-1", "VPC router of
	// prod-vpc", "instance prod-app", "router dc1-r1".
	Label string
}

// labNodes lists every node of the lab: the emulator's nodes (site
// routers and hosts, VPC routers, the internet) and, in a cloud lab, every
// cloud instance by its name in the topology (gateways, firewalls,
// workloads), which it asks the lab's emulated cloud for.
func labNodes(ctx context.Context, r *state.Lab) ([]labNode, error) {
	var out []labNode
	for _, n := range r.Nodes {
		if n.Kind == "instance" && mcnlab.IsCloudLab(r.Name) {
			continue // listed below by name
		}
		out = append(out, labNode{Name: n.Name, Kind: n.Kind, Namespace: n.Namespace, Label: n.Kind + " " + n.Name})
	}
	if !mcnlab.IsCloudLab(r.Name) {
		return out, nil
	}
	plan, instances, err := mcnlab.PlanAndInstances(ctx, r.Name)
	if err != nil {
		return nil, fmt.Errorf("lab %s: cloud instances: %w", r.Name, err)
	}
	firewalls := map[string]bool{}
	for _, fw := range plan.Firewalls() {
		firewalls[fw.Key] = true
	}
	for name, in := range instances {
		kind := "instance"
		switch {
		case plan.Gateway(name) != nil:
			kind = "gateway"
		case firewalls[name]:
			kind = "firewall"
		}
		out = append(out, labNode{Name: name, Kind: kind, Namespace: emulator.InstanceNamespace(r.Name, in.ID), Label: kind + " " + name})
	}
	labelVPCRouters(out, plan)
	return out, nil
}

// labelVPCRouters names each emulated VPC router (node vpc-<handle>) by
// the topology's VPC whose CIDR holds one of its addresses.
func labelVPCRouters(nodes []labNode, plan *intent.Plan) {
	for i, n := range nodes {
		if n.Kind != "cloud" || !strings.HasPrefix(n.Name, "vpc-") {
			continue
		}
		nodes[i].Label = "VPC router " + n.Name
		addrs, _ := nodeAddrs(n.Namespace)
		for _, v := range plan.Topology.Cloud.VPCs {
			for _, a := range addrs {
				if v.CIDR.Contains(a.Addr) {
					nodes[i].Label = "VPC router of " + v.Name
				}
			}
		}
	}
}

// findNode returns the node named name.
func findNode(nodes []labNode, lab, name string) (labNode, error) {
	for _, n := range nodes {
		if n.Name == name {
			return n, nil
		}
	}
	return labNode{}, fmt.Errorf("lab %s has no node or cloud instance %q", lab, name)
}

// nodeAddr is one address of a node's interface.
type nodeAddr struct {
	Addr      netip.Addr
	Interface string
	// Tunnel says that the interface is a tunnel's (a WireGuard TUN, or
	// another device with no link-layer header).
	Tunnel bool
}

// nodeAddrs lists the addresses of a namespace's interfaces, loopback's
// and link-local ones left out.
func nodeAddrs(ns string) ([]nodeAddr, error) {
	nl, err := netns.Netlink(ns)
	if err != nil {
		return nil, err
	}
	defer nl.Close()
	links, err := nl.LinkList()
	if err != nil {
		return nil, fmt.Errorf("links of %s: %w", ns, err)
	}
	var out []nodeAddr
	for _, l := range links {
		addrs, err := nl.AddrList(l, netlink.FAMILY_ALL)
		if err != nil {
			return nil, fmt.Errorf("addresses of %s in %s: %w", l.Attrs().Name, ns, err)
		}
		for _, a := range addrs {
			ip, ok := netip.AddrFromSlice(a.IP)
			if !ok || ip.IsLoopback() || ip.IsLinkLocalUnicast() && !ip.Is4() {
				continue
			}
			tunnel := l.Attrs().EncapType == "none" || l.Type() == "wireguard"
			out = append(out, nodeAddr{Addr: ip.Unmap(), Interface: l.Attrs().Name, Tunnel: tunnel})
		}
	}
	return out, nil
}
