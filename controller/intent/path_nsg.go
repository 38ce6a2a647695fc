package intent

import (
	"fmt"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// nsgs applies the NSGs of workload e's interface (es.NSGs) to a packet
// in one direction, in the order Azure applies them (cloud.NSGOrder:
// inbound the subnet's then the interface's, outbound the interface's
// then the subnet's); in each the first rule by priority that matches
// decides, a default rule included, and the packet passes when every NSG
// allows it. NSGs are stateful: the reply is not filtered.
// Azure: https://learn.microsoft.com/azure/virtual-network/network-security-group-how-it-works
func (t *tracer) nsgs(e *Endpoint, es cloud.EndState, pk packet, inbound bool) bool {
	np := cloud.NSGPacket{Src: pk.src, Dst: pk.dst, Protocol: pk.proto, Port: pk.port}
	dir := map[bool]string{true: "inbound", false: "outbound"}[inbound]
	what := fmt.Sprintf("%s %s -> %s", pk.describe(), pk.src, pk.dst)
	for _, g := range cloud.NSGOrder(es.NSGs, inbound) {
		name, kind, verb := fmt.Sprintf("%s (the %s NSG of %s)", g.Name, g.Level, e.Name), "network security group", "denies"
		if g.Level == cloud.NSGNetwork {
			// GCP: https://cloud.google.com/firewall/docs/firewalls — the VPC network's firewall rules
			name, kind, verb = fmt.Sprintf("the %s that apply to %s", g.Name, e.Name), "VPC firewall", "deny"
		}
		r, ok := g.Decide(inbound, np)
		if !ok {
			return t.block(Step{Kind: StepFilter, Object: g.ID, Rule: "no " + dir + " rule matches", Action: ActionDeny, Detail: what},
				fmt.Sprintf("%s: %s has no %s rule that matches %s", kind, name, dir, what))
		}
		rule := dir + " " + r.String()
		if r.Allow {
			t.step(Step{Kind: StepFilter, Object: g.ID, Rule: rule, Action: ActionAllow})
			continue
		}
		return t.block(Step{Kind: StepFilter, Object: g.ID, Rule: rule, Action: ActionDeny, Detail: what},
			fmt.Sprintf("%s: %s %s %s by %s rule %s", kind, name, verb, what, dir, r))
	}
	return true
}
