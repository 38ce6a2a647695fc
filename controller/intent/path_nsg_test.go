package intent

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// azureNSG is an NSG as the controller's Azure provider makes it for a
// workload (allow rules from 100, deny-other-inbound at 4096) with
// Azure's default rules
// (Azure: https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview#default-security-rules).
func azureNSG(name, level string, rules ...cloud.NSGRule) cloud.NSGState {
	anyA := cloud.NSGAddresses{Any: true}
	vnet := cloud.NSGAddresses{Tags: []string{"VirtualNetwork"}}
	mk := func(name string, prio int32, in, allow, def bool, src, dst cloud.NSGAddresses) cloud.NSGRule {
		return cloud.NSGRule{Name: name, Priority: prio, Inbound: in, Allow: allow, Default: def, Protocol: cloud.ProtocolAll, Source: src, Dest: dst}
	}
	rules = append(rules, mk("deny-other-inbound", 4096, true, false, false, anyA, anyA),
		mk("AllowVnetInBound", 65000, true, true, true, vnet, vnet), mk("DenyAllInBound", 65500, true, false, true, anyA, anyA),
		mk("AllowVnetOutBound", 65000, false, true, true, vnet, vnet), mk("DenyAllOutBound", 65500, false, false, true, anyA, anyA))
	return cloud.NSGState{ID: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/" + name, Name: name,
		Level: level, Rules: rules, VirtualNetwork: []netip.Prefix{pfx("10.0.0.0/8")}}
}

// rule is an NSG rule of one protocol and port from src.
func rule(name string, prio int32, inbound, allow bool, proto cloud.Protocol, port int32, peer string) cloud.NSGRule {
	r := cloud.NSGRule{Name: name, Priority: prio, Inbound: inbound, Allow: allow, Protocol: proto,
		Source: cloud.NSGAddresses{Any: true}, Dest: cloud.NSGAddresses{Any: true}}
	if port > 0 {
		r.DstPorts = [][2]int32{{port, port}}
	}
	side := &r.Source
	if !inbound {
		side = &r.Dest
	}
	*side = cloud.NSGAddresses{Prefixes: []netip.Prefix{pfx(peer)}}
	return r
}

// The trace applies NSGs in Azure's order and blocks at the first deny,
// naming the NSG by its ID and the rule by name and priority: inbound the
// subnet's NSG before the NIC's (a subnet deny wins over a NIC allow),
// outbound the NIC's before the subnet's; within an NSG the lowest
// priority that matches decides; a rule added at a lower priority than
// deny-other-inbound makes the flow reachable, both NSGs' allows shown.
// Azure: https://learn.microsoft.com/azure/virtual-network/network-security-group-how-it-works
func TestTraceNSGs(t *testing.T) {
	p := demo(t)
	v := p.DesiredView(nil, nil)
	tcp := Flow{Protocol: cloud.ProtocolTCP, Port: 5432}
	onlyProd := rule("allow-in-100", 100, true, true, cloud.ProtocolAll, 0, "10.1.0.0/16")
	nsgs := func(k string, ns ...cloud.NSGState) *View {
		return mutate(v, k, func(e *cloud.EndState) { e.Groups, e.NSGs = nil, ns })
	}
	for _, c := range []struct {
		name      string
		v         *View
		reach     bool
		object    string
		rule      string
		reasonHas string
	}{
		{"nic deny-other-inbound", nsgs("shared-db", azureNSG("db-nic", cloud.NSGInterface, onlyProd)), false, "db-nic", "inbound deny-other-inbound (4096): deny all from any to any",
			"network security group: db-nic (the network interface NSG of shared-db) denies tcp/5432 10.2.1.10 -> 10.3.1.20 by inbound rule deny-other-inbound (4096)"},
		{"added allow", nsgs("shared-db", azureNSG("db-nic", cloud.NSGInterface, onlyProd, rule("allow-dev", 200, true, true, cloud.ProtocolTCP, 5432, "10.2.1.10/32"))), true, "", "", ""},
		{"subnet deny before nic allow", nsgs("shared-db", azureNSG("db-nic", cloud.NSGInterface, rule("allow-dev", 200, true, true, cloud.ProtocolTCP, 5432, "10.2.1.10/32")),
			azureNSG("app-subnet", cloud.NSGSubnet, rule("deny-dev", 300, true, false, cloud.ProtocolAll, 0, "10.2.0.0/16"))), false, "app-subnet", "inbound deny-dev (300): deny all from 10.2.0.0/16 to any", "the subnet NSG of shared-db"},
		{"nic outbound deny before subnet allow", nsgs("dev-app", azureNSG("app-subnet", cloud.NSGSubnet, rule("allow-out", 100, false, true, cloud.ProtocolAll, 0, "10.0.0.0/8")),
			azureNSG("dev-nic", cloud.NSGInterface, rule("deny-pg", 100, false, false, cloud.ProtocolTCP, 5432, "10.3.0.0/16"))), false, "dev-nic", "outbound deny-pg (100): deny tcp 5432 from any to 10.3.0.0/16", "by outbound rule deny-pg"},
		{"default DenyAllOutBound", nsgs("dev-app", cloud.NSGState{ID: "bare", Name: "bare", Level: cloud.NSGInterface, Rules: azureNSG("x", "").Rules}), false, "bare", "outbound DenyAllOutBound (65500, default): deny all from any to any", "DenyAllOutBound"},
	} {
		got := p.Trace("dev-app", "shared-db", tcp, c.v)
		if got.Reachable != c.reach {
			t.Errorf("%s: reachable %v (%s), want %v", c.name, got.Reachable, got.Reason, c.reach)
			continue
		}
		if c.reach {
			var allows []string
			for _, h := range got.Hops {
				for _, s := range h.Steps {
					if s.Kind == StepFilter && s.Action == ActionAllow && strings.Contains(s.Object, "networkSecurityGroups/") {
						allows = append(allows, s.Rule)
					}
				}
			}
			if len(allows) != 1 || !strings.Contains(allows[0], "allow-dev (200)") {
				t.Errorf("%s: NSG allows %v, want allow-dev (200)", c.name, allows)
			}
			continue
		}
		if b := got.Block; b == nil || !strings.HasSuffix(b.Object, c.object) || b.Rule != c.rule || !strings.Contains(got.Reason, c.reasonHas) {
			t.Errorf("%s: block %+v, reason %q; want %s rule %q, reason with %q", c.name, got.Block, got.Reason, c.object, c.rule, c.reasonHas)
		}
	}
}
