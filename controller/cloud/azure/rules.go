package azure

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// ruleObj is one security rule in a comparable form.
type ruleObj struct {
	name      string
	priority  int32
	allow     bool
	inbound   bool
	protocol  string // as ARM spells it: "*", "Tcp", "Udp", "Icmp"
	src, dst  string // address prefixes ("*" for any)
	dstPorts  string // "*", "443" or "1000-1999"
	srcPorts  string
	hasRanges bool // the rule uses the plural fields, which Apply does not write
}

// A security group's ingress rules are allow rules from priority
// firstPriority up, in the order given; a deny of everything else inbound
// at lastPriority stands in for the default AllowVnetInBound, which would
// admit the whole VNet and its peers where a security group admits its
// sources only. Outbound stays as Azure makes it (open to the VNet and
// the internet), as a security group's egress stays open.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/network-security-groups-overview#security-rules — priority 100 to 4096, lower first; the default rules at 65000 and above
const (
	firstPriority = 100
	lastPriority  = 4096
	denyRuleName  = "deny-other-inbound"
)

// azProtocols are the protocols as ARM names them.
var azProtocols = map[cloud.Protocol]armnetwork.SecurityRuleProtocol{cloud.ProtocolAll: armnetwork.SecurityRuleProtocolAsterisk,
	cloud.ProtocolTCP: armnetwork.SecurityRuleProtocolTCP, cloud.ProtocolUDP: armnetwork.SecurityRuleProtocolUDP,
	cloud.ProtocolICMP: armnetwork.SecurityRuleProtocolIcmp}

// wantRules are the security rules of a security group, by name.
func wantRules(g cloud.SecurityGroup) map[string]ruleObj {
	out := map[string]ruleObj{}
	var seen []ruleObj
	for _, r := range g.Ingress {
		q := ruleObj{allow: true, inbound: true, protocol: string(azProtocols[r.Protocol]), src: r.Source.Masked().String(),
			dst: "*", dstPorts: "*", srcPorts: "*"}
		if r.Protocol == cloud.ProtocolTCP || r.Protocol == cloud.ProtocolUDP {
			q.dstPorts = portRange(r.FromPort, r.ToPort)
		}
		if r.Source.Bits() == 0 {
			q.src = "*" // any address, as ARM writes it back
		}
		if slices.Contains(seen, q) {
			continue
		}
		seen = append(seen, q)
		q.priority = int32(firstPriority + len(seen) - 1)
		q.name = "allow-in-" + strconv.Itoa(int(q.priority))
		out[q.name] = q
	}
	out[denyRuleName] = ruleObj{name: denyRuleName, priority: lastPriority, inbound: true, protocol: "*", src: "*", dst: "*", dstPorts: "*", srcPorts: "*"}
	return out
}

// portRange is a port range as ARM writes it.
func portRange(from, to int32) string {
	switch {
	case from == to:
		return strconv.Itoa(int(from))
	case from <= 0 && to >= 65535 || from < 0:
		return "*"
	}
	return fmt.Sprintf("%d-%d", from, to)
}

// toRule reads a security rule.
func toRule(r *armnetwork.SecurityRule) ruleObj {
	o := ruleObj{name: str(r.Name)}
	pr := r.Properties
	if pr == nil {
		return o
	}
	if pr.Priority != nil {
		o.priority = *pr.Priority
	}
	o.allow = pr.Access != nil && *pr.Access == armnetwork.SecurityRuleAccessAllow
	o.inbound = pr.Direction != nil && *pr.Direction == armnetwork.SecurityRuleDirectionInbound
	if pr.Protocol != nil {
		o.protocol = string(*pr.Protocol)
	}
	o.src, o.dst = str(pr.SourceAddressPrefix), str(pr.DestinationAddressPrefix)
	o.dstPorts, o.srcPorts = str(pr.DestinationPortRange), str(pr.SourcePortRange)
	o.hasRanges = len(pr.SourceAddressPrefixes)+len(pr.DestinationAddressPrefixes)+len(pr.DestinationPortRanges)+len(pr.SourcePortRanges) > 0 ||
		len(pr.SourceApplicationSecurityGroups)+len(pr.DestinationApplicationSecurityGroups) > 0
	return o
}

// sdk is the rule as the SDK takes it.
func (r ruleObj) sdk() *armnetwork.SecurityRule {
	access, dir := armnetwork.SecurityRuleAccessDeny, armnetwork.SecurityRuleDirectionOutbound
	if r.allow {
		access = armnetwork.SecurityRuleAccessAllow
	}
	if r.inbound {
		dir = armnetwork.SecurityRuleDirectionInbound
	}
	return &armnetwork.SecurityRule{Name: to.Ptr(r.name), Properties: &armnetwork.SecurityRulePropertiesFormat{
		Priority: to.Ptr(r.priority), Access: &access, Direction: &dir, Protocol: to.Ptr(armnetwork.SecurityRuleProtocol(r.protocol)),
		SourceAddressPrefix: to.Ptr(r.src), SourcePortRange: to.Ptr(r.srcPorts),
		DestinationAddressPrefix: to.Ptr(r.dst), DestinationPortRange: to.Ptr(r.dstPorts)}}
}

// String renders a rule for plans: "100:allow:in:Tcp:443:from:0.0.0.0/0".
func (r ruleObj) String() string {
	access := "deny"
	if r.allow {
		access = "allow"
	}
	return fmt.Sprintf("%d %s %s/%s from %s", r.priority, access, r.protocol, r.dstPorts, r.src)
}

func ruleList(m map[string]ruleObj) string {
	rs := make([]string, 0, len(m))
	for _, k := range cloud.SortedKeys(m) {
		rs = append(rs, m[k].String())
	}
	return strings.Join(rs, "; ")
}

// planNSGs plans the network security groups and their rules: a new NSG
// is made with its rules in one call, an existing one's rules are
// written and deleted one by one.
func (pl *planner) planNSGs() {
	p, w := pl.p, pl.w
	for _, k := range cloud.SortedKeys(pl.goneNSG) {
		g := w.nsgs[k]
		ph := phDelNSG
		if pl.held(g.ID, func(n *nicObj) string { return n.nsgID }) {
			ph = phLateDelNSG
		}
		pl.add(ph, nsNetwork, "networkSecurityGroups/delete", g.Name(), cloud.Why("id="+g.ID, pl.goneNSG[k]), "delete network security group "+g.Name(), func(ctx context.Context) error {
			if _, err := begun(p.nsgs.BeginDelete(ctx, g.group, nameOf(g.ID), nil)).wait(ctx, p.freq); err != nil {
				return err
			}
			cloud.Drop(w.nsgs, k, g)
			return nil
		})
	}
	for _, sg := range pl.d.SecurityGroups {
		want := wantRules(sg)
		if !cloud.Keeps(w.nsgs, pl.goneNSG, sg.Key) {
			rg, loc, name := pl.group(sg.VPC), pl.location(sg.VPC), azName(sg.Key)
			if !pl.free("Microsoft.Network/networkSecurityGroups", rg, name, sg.Key) {
				continue
			}
			detail := "resourceGroup=" + rg + " location=" + loc + " securityRules=[" + ruleList(want) + "]"
			pl.add(phNSG, nsNetwork, "networkSecurityGroups/write", sg.Key, detail, "create network security group "+sg.Key, func(ctx context.Context) error {
				props := &armnetwork.SecurityGroupPropertiesFormat{}
				for _, k := range cloud.SortedKeys(want) {
					props.SecurityRules = append(props.SecurityRules, want[k].sdk())
				}
				out, err := begun(p.nsgs.BeginCreateOrUpdate(ctx, rg, name, armnetwork.SecurityGroup{Location: &loc, Tags: p.tagsOf(sg.Key), Properties: props}, nil)).wait(ctx, p.freq)
				if err != nil {
					return err
				}
				w.nsgs[sg.Key] = &nsgObj{Object: cloud.Object{Key: sg.Key, ID: str(out.ID)}, group: rg, location: loc, rules: want}
				return nil
			})
			continue
		}
		pl.planRules(sg.Key, w.nsgs[sg.Key], want)
	}
}

// planRules writes the rules of an existing NSG that differ from want and
// deletes those want lacks.
func (pl *planner) planRules(key string, g *nsgObj, want map[string]ruleObj) {
	p := pl.p
	for _, name := range cloud.SortedKeys(g.rules) {
		if _, ok := want[name]; ok {
			continue
		}
		pl.add(phNSG, nsNetwork, "networkSecurityGroups/securityRules/delete", key, "networkSecurityGroup="+g.ID+" name="+name,
			"delete security rule "+key+" "+name, func(ctx context.Context) error {
				if _, err := begun(p.rules.BeginDelete(ctx, g.group, nameOf(g.ID), name, nil)).wait(ctx, p.freq); err != nil {
					return err
				}
				delete(g.rules, name)
				return nil
			})
	}
	for _, name := range cloud.SortedKeys(want) {
		r := want[name]
		if g.rules[name] == r {
			continue
		}
		pl.add(phNSG, nsNetwork, "networkSecurityGroups/securityRules/write", key, "networkSecurityGroup="+g.ID+" name="+name+" rule="+r.String(),
			"write security rule "+key+" "+name, func(ctx context.Context) error {
				if _, err := begun(p.rules.BeginCreateOrUpdate(ctx, g.group, nameOf(g.ID), name, *r.sdk(), nil)).wait(ctx, p.freq); err != nil {
					return err
				}
				g.rules[name] = r
				return nil
			})
	}
}
