package scenario

import (
	"fmt"
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/mcnlab/mcnlab/dataplane/capture"
)

// during decodes the faults and actions an outage, capture or counter
// runs; path names the during field.
func (d *decoder) during(n *yaml.Node, path string) []Step {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		d.errf(n, path, "want a non-empty list of steps (kill, restart, stop, exec, sleep, ...)")
		return nil
	}
	var out []Step
	for i, sn := range n.Content {
		if s, ok := d.step(sn, fmt.Sprintf("%s[%d]", path, i), true); ok {
			out = append(out, s)
		}
	}
	return out
}

// capture decodes {node, interface, filter, at-least, at-most, during}.
func (d *decoder) capture(n *yaml.Node, path string, nested bool) *Capture {
	if nested {
		d.errf(n, path, "a capture cannot run inside another step")
		return nil
	}
	m := d.fields(n, path, []string{"node", "interface", "filter", "at-least", "at-most", "during"})
	if m == nil || !d.required(n, path, m, "node", "during") {
		return nil
	}
	c := &Capture{Node: d.str(m["node"], path+".node"), Interface: "eth0", AtLeast: 1, AtMost: -1}
	if v := m["interface"]; v != nil {
		c.Interface = d.str(v, path+".interface")
	}
	if v := m["filter"]; v != nil {
		c.Filter = d.str(v, path+".filter")
		if _, err := capture.ParseFilter(c.Filter); err != nil {
			d.errf(v, path+".filter", "%v", err)
		}
	}
	if v := m["at-least"]; v != nil {
		c.AtLeast = d.count(v, path+".at-least")
	}
	if v := m["at-most"]; v != nil {
		c.AtMost = d.count(v, path+".at-most")
		if m["at-least"] == nil {
			c.AtLeast = 0
		}
	}
	if c.AtMost >= 0 && c.AtLeast > c.AtMost {
		d.errf(n, path, "at-least %d is more than at-most %d", c.AtLeast, c.AtMost)
	}
	c.During = d.during(m["during"], path+".during")
	return c
}

// counter decodes {firewall, rule} or {gateway, domains}, with grew-by
// and during.
func (d *decoder) counter(n *yaml.Node, path string, nested bool) *Counter {
	if nested {
		d.errf(n, path, "a counter cannot run inside another step")
		return nil
	}
	m := d.fields(n, path, []string{"firewall", "rule", "gateway", "domains", "grew-by", "during"})
	if m == nil || !d.required(n, path, m, "grew-by", "during") {
		return nil
	}
	c := &Counter{GrewBy: uint64(d.count(m["grew-by"], path+".grew-by"))}
	switch {
	case m["firewall"] != nil && m["gateway"] == nil && m["domains"] == nil:
		if v := m["firewall"]; v.Kind == yaml.SequenceNode {
			for i, f := range v.Content {
				c.Firewalls = append(c.Firewalls, d.str(f, index(path+".firewall", i)))
			}
		} else {
			c.Firewalls = []string{d.str(v, path+".firewall")}
		}
		if v := m["rule"]; v != nil {
			c.Rule = d.str(v, path+".rule")
		}
	case m["gateway"] != nil && m["firewall"] == nil && m["rule"] == nil:
		c.Gateway = d.str(m["gateway"], path+".gateway")
		v := m["domains"]
		if v == nil || v.Kind != yaml.SequenceNode || len(v.Content) != 2 {
			d.errf(n, path+".domains", "a gateway's counter needs domains: [FROM, TO], the pair whose dropped packets it counts")
			return nil
		}
		c.Domains = [2]string{d.str(v.Content[0], path+".domains[0]"), d.str(v.Content[1], path+".domains[1]")}
	default:
		d.errf(n, path, "want firewall: NAME or [NAME, ...] (with an optional rule:), or gateway: NAME with domains: [FROM, TO]")
		return nil
	}
	c.During = d.during(m["during"], path+".during")
	return c
}

// count is a non-negative packet count.
func (d *decoder) count(n *yaml.Node, path string) int {
	v, err := strconv.Atoi(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil || v < 0 {
		d.errf(n, path, "%s is not a packet count (valid: 0, 1, 2, ...)", describe(n))
		return 0
	}
	return v
}
