package topologies

import (
	"bytes"
	"fmt"
	"strconv"

	"gopkg.in/yaml.v3"
)

// Marshal writes a valid topology as v1 YAML that Parse reads back to an
// equal topology (positions and File aside). Links that use the default MTU
// leave it out; rates are written in the largest exact unit. A transit's
// approved routes are written grouped by site (in the order each site
// first appears), which is their order when read from a file.
func Marshal(t *Topology) ([]byte, error) {
	if err := Validate(t); err != nil {
		return nil, fmt.Errorf("marshal topology %q: %w", t.Name, err)
	}
	root := mapping(
		"name", str(t.Name),
		"version", integer(int64(t.Version)),
		"defaults", mapping("mtu", integer(int64(t.Defaults.MTU))),
	)
	if len(t.Nodes) > 0 || t.Cloud == nil {
		nodes := mapping()
		for _, n := range t.Nodes {
			nodes.Content = append(nodes.Content, str(n.Name), marshalNode(n))
		}
		root.Content = append(root.Content, str("nodes"), nodes)
	}
	if len(t.Links) > 0 {
		links := &yaml.Node{Kind: yaml.SequenceNode}
		for _, l := range t.Links {
			links.Content = append(links.Content, marshalLink(l, t.Defaults.MTU))
		}
		root.Content = append(root.Content, str("links"), links)
	}
	if len(t.Tunnels) > 0 {
		tunnels := &yaml.Node{Kind: yaml.SequenceNode}
		for _, tn := range t.Tunnels {
			tunnels.Content = append(tunnels.Content, marshalTunnel(tn))
		}
		root.Content = append(root.Content, str("tunnels"), tunnels)
	}
	if t.Cloud != nil {
		marshalCloud(root, t.Cloud)
	}
	if t.Internet != nil {
		root.Content = append(root.Content, str("internet"), marshalInternet(t.Internet))
	}
	if t.UserVPN != nil {
		root.Content = append(root.Content, str("user-vpn"), marshalUserVPN(t.UserVPN))
	}
	if len(t.Site2Cloud) > 0 {
		root.Content = append(root.Content, str("site2cloud"), marshalSite2Cloud(t.Site2Cloud))
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# yaml-language-server: $schema=./schema.json\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return nil, fmt.Errorf("marshal topology %q: %w", t.Name, err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("marshal topology %q: %w", t.Name, err)
	}
	return buf.Bytes(), nil
}

// marshalNode writes one node's mapping.
func marshalNode(n *Node) *yaml.Node {
	m := mapping("kind", str(string(n.Kind)))
	if len(n.Routes) > 0 {
		routes := &yaml.Node{Kind: yaml.SequenceNode}
		for _, r := range n.Routes {
			rm := mapping("to", str(destination(r)), "via", str(r.Via.String()))
			rm.Style = yaml.FlowStyle
			routes.Content = append(routes.Content, rm)
		}
		m.Content = append(m.Content, str("routes"), routes)
	}
	if len(n.Exec) > 0 {
		exec := &yaml.Node{Kind: yaml.SequenceNode}
		for _, e := range n.Exec {
			exec.Content = append(exec.Content, str(e))
		}
		m.Content = append(m.Content, str("exec"), exec)
	}
	if n.BGP != nil {
		m.Content = append(m.Content, str("bgp"), marshalBGP(n.BGP))
	}
	if n.Config != "" {
		m.Content = append(m.Content, str("config"), &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: n.Config, Style: yaml.LiteralStyle})
	}
	return m
}

// destination writes a route's destination, "default" where Parse reads it back.
func destination(r Route) string {
	if r.To.Bits() == 0 && r.To.Addr().Is6() == r.Via.Is6() {
		return "default"
	}
	return r.To.String()
}

// marshalLink writes one link's mapping.
func marshalLink(l *Link, defaultMTU int) *yaml.Node {
	eps := &yaml.Node{Kind: yaml.SequenceNode}
	for _, e := range []Endpoint{l.A, l.B} {
		em := mapping("node", str(e.Node), "interface", str(e.Interface))
		if e.Address.IsValid() {
			em.Content = append(em.Content, str("address"), str(e.Address.String()))
		}
		em.Style = yaml.FlowStyle
		eps.Content = append(eps.Content, em)
	}
	m := mapping("endpoints", eps)
	if l.MTU != defaultMTU {
		m.Content = append(m.Content, str("mtu"), integer(int64(l.MTU)))
	}
	if l.Rate != 0 {
		m.Content = append(m.Content, str("rate"), rateNode(l.Rate))
	}
	return m
}

// rateNode writes a rate with a unit, or as an integer of bits/s.
func rateNode(r uint64) *yaml.Node {
	s := formatRate(r)
	if _, err := strconv.ParseUint(s, 10, 64); err == nil {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: s}
	}
	return str(s)
}

// mapping builds a block mapping from alternating keys and values.
func mapping(kv ...any) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode}
	for i := 0; i+1 < len(kv); i += 2 {
		m.Content = append(m.Content, str(kv[i].(string)), kv[i+1].(*yaml.Node))
	}
	return m
}

// str builds a string scalar; the encoder quotes it where YAML would read
// another type.
func str(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}

// integer builds an integer scalar.
func integer(v int64) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatInt(v, 10)}
}
