package gcp

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	compute "google.golang.org/api/compute/v1"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// fwPriority is the priority of the firewall rules the provider makes:
// the default one. The network's implied rules (deny all ingress, allow
// all egress, at 65535) stand in for a security group's closed ingress and
// open egress.
// GCP: https://cloud.google.com/firewall/docs/firewalls#default_firewall_rules — the implied rules: allow egress, deny ingress, priority 65535
// GCP: https://cloud.google.com/firewall/docs/firewalls#priority_order_for_firewall_rules — priority 0-65535, default 1000
const fwPriority = 1000

// firewallsOf are the firewall rules of a security group by key
// (GROUP#N): one per distinct ingress rule, allowing its protocol and
// ports from its source to the instances with the group's tag, in the
// group's VPC network.
func (pl *planner) firewallsOf(g cloud.SecurityGroup) map[string]fwSpec {
	out := map[string]fwSpec{}
	seen := map[fwSpec]bool{}
	for _, r := range g.Ingress {
		s := fwSpec{target: pl.p.groupTag(g.Key), source: r.Source.Masked().String(), allowed: allowedOf(r), network: g.VPC}
		if seen[s] {
			continue
		}
		seen[s] = true
		key := g.Key + "#" + strconv.Itoa(len(seen))
		s.name = pl.p.gcpName("fw", key)
		out[key] = s
	}
	return out
}

// allowedOf is a rule's allowed entry as the provider writes it and reads
// it back: "all", "icmp", "tcp", "tcp:443" or "udp:51820-51827".
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/firewalls — allowed[].IPProtocol (tcp, udp, icmp, all...) and ports (a port or a range)
func allowedOf(r cloud.Rule) string {
	switch r.Protocol {
	case cloud.ProtocolAll:
		return "all"
	case cloud.ProtocolICMP:
		return "icmp"
	}
	proto := r.Protocol.String()
	switch {
	case r.FromPort <= 0 && (r.ToPort >= 65535 || r.ToPort < 0), r.FromPort < 0:
		return proto
	case r.FromPort == r.ToPort:
		return fmt.Sprintf("%s:%d", proto, r.FromPort)
	}
	return fmt.Sprintf("%s:%d-%d", proto, r.FromPort, r.ToPort)
}

// sdk is the rule as the library takes it, in network n.
func (s fwSpec) sdk(p *Provider, key, network string) *compute.Firewall {
	proto, ports, _ := strings.Cut(s.allowed, ":")
	a := &compute.FirewallAllowed{IPProtocol: proto}
	if ports != "" {
		a.Ports = []string{ports}
	}
	return &compute.Firewall{Name: s.name, Description: p.describe(key), Network: network, Direction: "INGRESS", Priority: fwPriority,
		ForceSendFields: []string{"Priority"}, SourceRanges: []string{s.source}, TargetTags: []string{s.target}, Allowed: []*compute.FirewallAllowed{a}}
}

// String renders a rule for plans: "allow udp:51820-51827 from 0.0.0.0/0 to tag sg-...".
func (s fwSpec) String() string {
	return "allow " + s.allowed + " from " + s.source + " to tag " + s.target
}

// planFirewalls plans the firewall rules of the security groups: missing
// ones inserted, changed ones updated (a rule's network stays, so one
// that moves is replaced), ones d no longer has deleted.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/firewalls/update — replaces the rule; its network cannot change
func (pl *planner) planFirewalls() {
	p, w := pl.p, pl.w
	for _, k := range cloud.SortedKeys(pl.goneFw) {
		o := w.fws[k]
		pl.add(phDelFirewall, "firewalls.delete", o.Name(), cloud.Why(o.ID, pl.goneFw[k]), "delete firewall rule "+o.Name(), func(ctx context.Context) error {
			if err := p.run(ctx, p.svc.Firewalls.Delete(p.project, nameOf(o.ID)).Context(ctx)); err != nil {
				return err
			}
			cloud.Drop(w.fws, k, o)
			return nil
		})
	}
	for _, k := range cloud.SortedKeys(pl.wantFw) {
		want, vk := pl.wantFw[k], pl.wantFw[k].network
		action, what := "firewalls.insert", "create firewall rule "+k
		kept := cloud.Keeps(w.fws, pl.goneFw, k)
		if kept {
			have := w.fws[k].spec
			have.network = vk
			if have == want {
				continue
			}
			action, what = "firewalls.update", "update firewall rule "+k
		} else if !pl.free("firewalls", want.name, k) {
			continue
		}
		detail := "name=" + want.name + " network=" + cloud.Ref(w.nets, pl.goneNet, vk) + " rule=" + want.String()
		pl.add(phFirewall, action, k, detail, what, func(ctx context.Context) error {
			n, ok := w.nets[vk]
			if !ok {
				return cloud.ErrNotExist("network", vk)
			}
			fw := want.sdk(p, k, n.link)
			var err error
			if kept {
				err = p.run(ctx, p.svc.Firewalls.Update(p.project, want.name, fw).Context(ctx))
			} else {
				err = p.run(ctx, p.svc.Firewalls.Insert(p.project, fw).Context(ctx))
			}
			if err != nil {
				return err
			}
			have := want
			have.network = n.ID
			w.fws[k] = &fwObj{Object: cloud.Object{Key: k, ID: "projects/" + p.project + "/global/firewalls/" + want.name}, spec: have}
			return nil
		})
	}
}
