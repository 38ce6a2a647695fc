package topologies

import (
	"fmt"
	"net/netip"
	"strings"

	"gopkg.in/yaml.v3"
)

// topology decodes the root mapping; nil when it is not a mapping.
func (d *decoder) topology(root *yaml.Node) *Topology {
	root = resolve(root)
	f := d.fields(root, "", "topology")
	if f == nil {
		return nil
	}
	t := &Topology{Defaults: Defaults{MTU: DefaultMTU}}
	if n := f["name"]; n != nil {
		t.Name, _ = d.str(n, "name")
	}
	if n := f["version"]; n != nil {
		t.Version, _ = d.integer(n, "version")
	}
	if n := f["defaults"]; n != nil {
		if df := d.fields(n, "defaults", "defaults"); df != nil && df["mtu"] != nil {
			if m, ok := d.integer(df["mtu"], "defaults.mtu"); ok {
				t.Defaults.MTU = m
			}
		}
	}
	if n := f["nodes"]; n != nil {
		t.Nodes = d.nodes(n)
	}
	if n := f["links"]; n != nil {
		if items, ok := d.list(n, "links", "links"); ok {
			for i, item := range items {
				t.Links = append(t.Links, d.link(item, index("links", i), t.Defaults.MTU))
			}
		}
	}
	if n := f["tunnels"]; n != nil {
		if items, ok := d.list(n, "tunnels", "tunnels"); ok {
			for i, item := range items {
				t.Tunnels = append(t.Tunnels, d.tunnel(item, index("tunnels", i)))
			}
		}
	}
	t.Cloud = d.cloud(f)
	t.Internet = d.internet(f["internet"])
	t.UserVPN = d.userVPN(f["user-vpn"])
	t.Site2Cloud = d.site2cloud(f["site2cloud"])
	return t
}

// nodes decodes the nodes mapping, keeping file order.
func (d *decoder) nodes(n *yaml.Node) []*Node {
	if n.Kind != yaml.MappingNode {
		d.errf(n, "nodes", "expected a mapping of node names to nodes, got %s", describe(n))
		return nil
	}
	var out []*Node
	first := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolve(n.Content[i+1])
		if k.Kind != yaml.ScalarNode || k.ShortTag() == "!!null" {
			d.add(k.Line, k.Column, "nodes", fmt.Sprintf("expected a node name, got %s", describe(k)))
			continue
		}
		path := join("nodes", k.Value)
		if f := first[k.Value]; f != nil {
			d.add(k.Line, k.Column, path, fmt.Sprintf("duplicate node %q; first defined at line %d:%d", k.Value, f.Line, f.Column))
			continue
		}
		first[k.Value] = k
		d.at(k, path)
		out = append(out, d.node(k.Value, k, v, path))
	}
	return out
}

// node decodes one node; key is its name in the nodes mapping.
func (d *decoder) node(name string, key, n *yaml.Node, path string) *Node {
	node := &Node{Name: name, Pos: Pos{Line: key.Line, Col: key.Column}}
	f := d.fields(n, path, "node")
	d.at(key, path) // errors about the node point at its name
	if f == nil {
		return node
	}
	if v := f["kind"]; v != nil {
		k, _ := d.str(v, join(path, "kind"))
		node.Kind = NodeKind(k)
	}
	if v := f["exec"]; v != nil {
		if items, ok := d.list(v, join(path, "exec"), "shell commands"); ok {
			for i, item := range items {
				s, _ := d.str(item, index(join(path, "exec"), i))
				d.at(item, index(join(path, "exec"), i))
				node.Exec = append(node.Exec, s)
			}
		}
	}
	if v := f["routes"]; v != nil {
		if items, ok := d.list(v, join(path, "routes"), "routes"); ok {
			for i, item := range items {
				node.Routes = append(node.Routes, d.route(item, index(join(path, "routes"), i)))
			}
		}
	}
	if v := f["bgp"]; v != nil {
		d.at(v, join(path, "bgp"))
		node.BGP = d.bgp(v, join(path, "bgp"))
	}
	if v := f["config"]; v != nil {
		d.at(v, join(path, "config"))
		node.Config, _ = d.str(v, join(path, "config"))
	}
	return node
}

// route decodes one static route.
func (d *decoder) route(n *yaml.Node, path string) Route {
	r := Route{Pos: Pos{Line: n.Line, Col: n.Column}}
	f := d.fields(n, path, "route")
	if f == nil {
		return r
	}
	if v := f["via"]; v != nil {
		if s, ok := d.str(v, join(path, "via")); ok {
			a, err := parseNextHop(s)
			if err != nil {
				d.errf(v, join(path, "via"), "%v", err)
			}
			r.Via = a
		}
	}
	if v := f["to"]; v != nil {
		if s, ok := d.str(v, join(path, "to")); ok {
			p, err := parseDestination(s, r.Via.Is6())
			if err != nil {
				d.errf(v, join(path, "to"), "%v", err)
			}
			r.To = p
		}
	}
	return r
}

// link decodes one link; mtu is the default MTU.
func (d *decoder) link(n *yaml.Node, path string, mtu int) *Link {
	l := &Link{MTU: mtu, Pos: Pos{Line: n.Line, Col: n.Column}}
	f := d.fields(n, path, "link")
	if f == nil {
		d.bad[join(path, "endpoints")] = true
		return l
	}
	if v := f["mtu"]; v != nil {
		if m, ok := d.integer(v, join(path, "mtu")); ok {
			l.MTU = m
		}
	}
	if v := f["rate"]; v != nil {
		l.Rate = d.rate(v, join(path, "rate"))
	}
	if v := f["endpoints"]; v != nil {
		epath := join(path, "endpoints")
		items, ok := d.list(v, epath, "2 endpoints")
		switch {
		case !ok:
		case len(items) != 2:
			d.errf(v, epath, "a link has exactly 2 endpoints, got %d; write them as [node:interface, node:interface] or as mappings with node, interface and address", len(items))
		default:
			l.A = d.endpoint(items[0], index(epath, 0))
			l.B = d.endpoint(items[1], index(epath, 1))
		}
	}
	return l
}

// rate decodes a link rate: an integer of bits/s or a string with a unit.
func (d *decoder) rate(n *yaml.Node, path string) uint64 {
	if n.Kind != yaml.ScalarNode || (n.ShortTag() != "!!int" && n.ShortTag() != "!!str") {
		d.errf(n, path, "expected a rate such as 100mbit or an integer of bits/s, got %s", describe(n))
		return 0
	}
	r, err := parseRate(n.Value)
	if err != nil {
		d.errf(n, path, "%v", err)
	}
	return r
}

// endpoint decodes "node:interface" or a mapping with node, interface and
// address.
func (d *decoder) endpoint(n *yaml.Node, path string) Endpoint {
	var e Endpoint
	d.at(n, path)
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str" {
		node, iface, ok := strings.Cut(n.Value, ":")
		if !ok || strings.Contains(iface, ":") {
			d.errf(n, path, "bad endpoint %q; write node:interface, such as h1:eth0, or a mapping with node, interface and address", n.Value)
			d.bad[join(path, "node")], d.bad[join(path, "interface")] = true, true
			return e
		}
		d.at(n, join(path, "node"))
		d.at(n, join(path, "interface"))
		return Endpoint{Node: node, Interface: iface}
	}
	if n.Kind == yaml.ScalarNode {
		d.errf(n, path, "expected an endpoint (node:interface or a mapping with node, interface and address), got %s", describe(n))
		d.bad[join(path, "node")], d.bad[join(path, "interface")] = true, true
		return e
	}
	f := d.fields(n, path, "endpoint")
	if f == nil {
		return e
	}
	if v := f["node"]; v != nil {
		e.Node, _ = d.str(v, join(path, "node"))
	}
	if v := f["interface"]; v != nil {
		e.Interface, _ = d.str(v, join(path, "interface"))
	}
	if v := f["address"]; v != nil {
		if s, ok := d.str(v, join(path, "address")); ok {
			p, err := parseAddress(s)
			if err != nil {
				d.errf(v, join(path, "address"), "%v", err)
				p = netip.Prefix{}
			}
			e.Address = p
		}
	}
	return e
}
