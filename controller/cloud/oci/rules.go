package oci

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/core"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// A security group is an NSG of its VCN: its ingress rules stateful NSG
// rules from CIDR blocks, and one stateful egress rule to anywhere (a
// security group's egress is open).
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/networksecuritygroups.htm — NSG security rules, stateful by default
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/securityrules.htm#stateful — a stateful rule lets the replies through

// ruleSpec is an NSG rule in a comparable form.
type ruleSpec struct {
	egress   bool
	protocol string // "all", "6", "17", "1"
	peer     string // a CIDR block: the source, or the destination of an egress rule
	// min and max bound TCP and UDP destination ports (0: all); for ICMP
	// min is the type and max the code (-1: all).
	min, max int
}

// The IANA protocol numbers NSG rules name.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/SecurityRule — protocol: "all" or an IANA protocol number (1 ICMP, 6 TCP, 17 UDP)
var protocolNumbers = map[cloud.Protocol]string{cloud.ProtocolAll: "all", cloud.ProtocolTCP: "6", cloud.ProtocolUDP: "17", cloud.ProtocolICMP: "1"}

// String renders a rule for plans: "ingress 17 from 0.0.0.0/0 ports 51820-51827".
func (s ruleSpec) String() string {
	dir, prep := "ingress", "from"
	if s.egress {
		dir, prep = "egress", "to"
	}
	out := dir + " " + s.protocol + " " + prep + " " + s.peer
	switch {
	case s.protocol == "1" && s.min >= 0:
		out += fmt.Sprintf(" icmp %d/%d", s.min, s.max)
	case s.min > 0:
		out += fmt.Sprintf(" ports %d-%d", s.min, s.max)
	}
	return out
}

// specOf is a security group rule's NSG rule.
func specOf(r cloud.Rule) ruleSpec {
	s := ruleSpec{protocol: protocolNumbers[r.Protocol], peer: r.Source.Masked().String()}
	switch r.Protocol {
	case cloud.ProtocolICMP:
		s.min, s.max = int(r.FromPort), int(r.ToPort)
		if s.min < 0 {
			s.max = -1
		}
	case cloud.ProtocolTCP, cloud.ProtocolUDP:
		if !(r.FromPort <= 0 && (r.ToPort >= 65535 || r.ToPort < 0) || r.FromPort < 0) {
			s.min, s.max = int(r.FromPort), int(r.ToPort)
		}
	default:
		s.min, s.max = 0, 0
	}
	return s
}

// egressAll is every NSG's one egress rule.
var egressAll = ruleSpec{egress: true, protocol: "all", peer: "0.0.0.0/0"}

// wantRules are the NSG rules of a security group.
func wantRules(g cloud.SecurityGroup) map[ruleSpec]bool {
	out := map[ruleSpec]bool{egressAll: true}
	for _, r := range g.Ingress {
		out[specOf(r)] = true
	}
	return out
}

// sdk is the rule as AddNetworkSecurityGroupSecurityRules takes it.
func (s ruleSpec) sdk() core.AddSecurityRuleDetails {
	d := core.AddSecurityRuleDetails{Direction: core.AddSecurityRuleDetailsDirectionIngress, Protocol: common.String(s.protocol),
		Source: common.String(s.peer), SourceType: core.AddSecurityRuleDetailsSourceTypeCidrBlock, IsStateless: common.Bool(false)}
	if s.egress {
		d = core.AddSecurityRuleDetails{Direction: core.AddSecurityRuleDetailsDirectionEgress, Protocol: common.String(s.protocol),
			Destination: common.String(s.peer), DestinationType: core.AddSecurityRuleDetailsDestinationTypeCidrBlock, IsStateless: common.Bool(false)}
	}
	ports := &core.PortRange{Min: common.Int(s.min), Max: common.Int(s.max)}
	switch {
	case s.protocol == "6" && s.min > 0:
		d.TcpOptions = &core.TcpOptions{DestinationPortRange: ports}
	case s.protocol == "17" && s.min > 0:
		d.UdpOptions = &core.UdpOptions{DestinationPortRange: ports}
	case s.protocol == "1" && s.min >= 0:
		d.IcmpOptions = &core.IcmpOptions{Type: common.Int(s.min)}
		if s.max >= 0 {
			d.IcmpOptions.Code = common.Int(s.max)
		}
	}
	return d
}

// specOfSDK reads an NSG rule back.
func specOfSDK(r core.SecurityRule) ruleSpec {
	s := ruleSpec{egress: r.Direction == core.SecurityRuleDirectionEgress, protocol: str(r.Protocol), peer: str(r.Source)}
	if s.egress {
		s.peer = str(r.Destination)
	}
	var ports *core.PortRange
	switch {
	case r.TcpOptions != nil:
		ports = r.TcpOptions.DestinationPortRange
	case r.UdpOptions != nil:
		ports = r.UdpOptions.DestinationPortRange
	}
	if ports != nil && ports.Min != nil && ports.Max != nil {
		s.min, s.max = *ports.Min, *ports.Max
	}
	if s.protocol == "1" {
		s.min, s.max = -1, -1
		if o := r.IcmpOptions; o != nil && o.Type != nil {
			s.min = *o.Type
			if o.Code != nil {
				s.max = *o.Code
			}
		}
	}
	return s
}

func (p *Provider) listNSGs(ctx context.Context, w *world) error {
	var objs []*nsgObj
	err := pages(ctx, "networkSecurityGroups", func(ctx context.Context, page *string) (*string, error) {
		r, err := p.vn.ListNetworkSecurityGroups(ctx, core.ListNetworkSecurityGroupsRequest{CompartmentId: &p.compartment, Page: page})
		for _, g := range r.Items {
			if key, mine := p.owned(g.FreeformTags); mine && live(string(g.LifecycleState)) {
				objs = append(objs, &nsgObj{Object: cloud.Object{Key: key, ID: *g.Id}, vcn: *g.VcnId, rules: map[ruleSpec]string{}})
			}
		}
		return r.OpcNextPage, err
	})
	if err != nil {
		return err
	}
	for _, o := range objs {
		err := pages(ctx, "security rules of "+o.ID, func(ctx context.Context, page *string) (*string, error) {
			r, err := p.vn.ListNetworkSecurityGroupSecurityRules(ctx, core.ListNetworkSecurityGroupSecurityRulesRequest{NetworkSecurityGroupId: &o.ID, Page: page})
			for _, sr := range r.Items {
				o.rules[specOfSDK(sr)] = str(sr.Id)
			}
			return r.OpcNextPage, err
		})
		if err != nil {
			return err
		}
	}
	w.nsgs = cloud.Index(objs)
	return nil
}

// planNSGs plans the security groups' NSGs (deleted last, once no VNIC
// is in them) and their rules: missing ones added, others removed.
func (pl *planner) planNSGs() {
	p, w := pl.p, pl.w
	for _, k := range cloud.SortedKeys(pl.goneNsg) {
		o := w.nsgs[k]
		pl.add(phDelNsg, "DeleteNetworkSecurityGroup", o.Name(), cloud.Why(o.ID, pl.goneNsg[k]), "delete nsg "+o.Name(), func(ctx context.Context) error {
			if err := p.deleteAndWait(ctx, "nsg "+o.Name(), func(ctx context.Context) error {
				_, err := p.vn.DeleteNetworkSecurityGroup(ctx, core.DeleteNetworkSecurityGroupRequest{NetworkSecurityGroupId: &o.ID})
				return err
			}, func(ctx context.Context) (string, error) {
				r, err := p.vn.GetNetworkSecurityGroup(ctx, core.GetNetworkSecurityGroupRequest{NetworkSecurityGroupId: &o.ID})
				return string(r.LifecycleState), err
			}); err != nil {
				return err
			}
			cloud.Drop(w.nsgs, k, o)
			return nil
		})
	}
	for _, g := range pl.d.SecurityGroups {
		if !cloud.Keeps(w.nsgs, pl.goneNsg, g.Key) {
			pl.add(phNsg, "CreateNetworkSecurityGroup", g.Key, "vcnId="+cloud.Ref(w.vcns, pl.goneVcn, g.VPC), "create nsg "+g.Key, func(ctx context.Context) error {
				return pl.createNSG(ctx, g)
			})
		}
		pl.planNSGRules(g)
	}
}

// createNSG makes group g's NSG, with no rules yet, and waits for it.
func (pl *planner) createNSG(ctx context.Context, g cloud.SecurityGroup) error {
	p, w := pl.p, pl.w
	vcn, err := cloud.IDOf(w.vcns, "vcn", g.VPC)
	if err != nil {
		return err
	}
	var id string
	if err := call(ctx, func(ctx context.Context) error {
		r, err := p.vn.CreateNetworkSecurityGroup(ctx, core.CreateNetworkSecurityGroupRequest{CreateNetworkSecurityGroupDetails: core.CreateNetworkSecurityGroupDetails{
			CompartmentId: &p.compartment, VcnId: &vcn, DisplayName: common.String(g.Key), FreeformTags: p.tags(g.Key)}})
		id = str(r.Id)
		return err
	}); err != nil {
		return err
	}
	if err := p.await(ctx, "nsg "+g.Key, func(ctx context.Context) (string, error) {
		r, err := p.vn.GetNetworkSecurityGroup(ctx, core.GetNetworkSecurityGroupRequest{NetworkSecurityGroupId: &id})
		return string(r.LifecycleState), err
	}, "AVAILABLE"); err != nil {
		return err
	}
	w.nsgs[g.Key] = &nsgObj{Object: cloud.Object{Key: g.Key, ID: id}, vcn: vcn, rules: map[ruleSpec]string{}}
	return nil
}

// planNSGRules plans the rules of group g's NSG: one call to remove the
// rules it no longer has, one to add the missing ones.
func (pl *planner) planNSGRules(g cloud.SecurityGroup) {
	p, w := pl.p, pl.w
	want := wantRules(g)
	have := map[ruleSpec]string{}
	if cloud.Keeps(w.nsgs, pl.goneNsg, g.Key) {
		have = w.nsgs[g.Key].rules
	}
	var add []ruleSpec
	var remove []string
	for s := range want {
		if _, ok := have[s]; !ok {
			add = append(add, s)
		}
	}
	for s, id := range have {
		if !want[s] {
			remove = append(remove, id)
		}
	}
	slices.SortFunc(add, func(a, b ruleSpec) int { return strings.Compare(a.String(), b.String()) })
	slices.Sort(remove)
	ref := cloud.Ref(w.nsgs, pl.goneNsg, g.Key)
	if len(remove) > 0 {
		pl.add(phNsgRules, "RemoveNetworkSecurityGroupSecurityRules", g.Key, ref+" securityRuleIds="+strings.Join(remove, ","), "remove rules of nsg "+g.Key, func(ctx context.Context) error {
			o := w.nsgs[g.Key]
			if err := call(ctx, func(ctx context.Context) error {
				_, err := p.vn.RemoveNetworkSecurityGroupSecurityRules(ctx, core.RemoveNetworkSecurityGroupSecurityRulesRequest{NetworkSecurityGroupId: &o.ID,
					RemoveNetworkSecurityGroupSecurityRulesDetails: core.RemoveNetworkSecurityGroupSecurityRulesDetails{SecurityRuleIds: remove}})
				return err
			}); err != nil {
				return err
			}
			for s, id := range o.rules {
				if slices.Contains(remove, id) {
					delete(o.rules, s)
				}
			}
			return nil
		})
	}
	if len(add) == 0 {
		return
	}
	var parts []string
	for _, s := range add {
		parts = append(parts, s.String())
	}
	pl.add(phNsgRules, "AddNetworkSecurityGroupSecurityRules", g.Key, ref+" securityRules=["+strings.Join(parts, "; ")+"]", "add rules of nsg "+g.Key, func(ctx context.Context) error {
		return pl.addRules(ctx, g.Key, add)
	})
}

// maxRulesPerCall is how many rules one AddNetworkSecurityGroupSecurityRules
// call takes.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/AddNetworkSecurityGroupSecurityRulesDetails — securityRules: up to 25
const maxRulesPerCall = 25

// addRules adds rules to group key's NSG.
func (pl *planner) addRules(ctx context.Context, key string, add []ruleSpec) error {
	p := pl.p
	o, ok := pl.w.nsgs[key]
	if !ok {
		return cloud.ErrNotExist("nsg", key)
	}
	var out []core.SecurityRule
	for batch := range slices.Chunk(add, maxRulesPerCall) {
		var details []core.AddSecurityRuleDetails
		for _, s := range batch {
			details = append(details, s.sdk())
		}
		if err := call(ctx, func(ctx context.Context) error {
			r, err := p.vn.AddNetworkSecurityGroupSecurityRules(ctx, core.AddNetworkSecurityGroupSecurityRulesRequest{NetworkSecurityGroupId: &o.ID,
				AddNetworkSecurityGroupSecurityRulesDetails: core.AddNetworkSecurityGroupSecurityRulesDetails{SecurityRules: details}})
			out = append(out, r.SecurityRules...)
			return err
		}); err != nil {
			return err
		}
	}
	for _, sr := range out {
		o.rules[specOfSDK(sr)] = str(sr.Id)
	}
	return nil
}
