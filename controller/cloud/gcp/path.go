package gcp

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	compute "google.golang.org/api/compute/v1"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

var _ cloud.PathReader = (*Provider)(nil)

// errNoInstance says that no instance of the owner carries a key.
var errNoInstance = errors.New("no such instance")

// impliedPriority is the priority of a network's implied firewall rules.
// GCP: https://cloud.google.com/firewall/docs/firewalls#default_firewall_rules — implied allow egress and deny ingress, priority 65535, not shown in lists
const impliedPriority = 65535

// ReadEnd reads what FlightPath lays out for the instance of key: its
// first interface (address, subnetwork and its range); the firewall rules
// of its VPC network that apply to it (every owner's: those without
// targets, those whose target tags it carries or whose target service
// accounts it runs as), each allowed or denied entry a rule, source tags
// and service accounts standing for the addresses of the network's
// instances that carry them, and the network's implied rules last, as one
// cloud.NSGState of level cloud.NSGNetwork; and the network's routes, the
// subnet routes among them, those whose tags it lacks and those a route
// of the same range and a lower priority number beats marked inactive.
// GCP has no network ACL.
// GCP: https://cloud.google.com/firewall/docs/firewalls#rule_assignment — rules apply to all instances of the network, or to those with a target tag or service account
// GCP: https://cloud.google.com/vpc/docs/routes#routeselection — the applicable routes (tags), longest prefix, then the lowest priority number
func (p *Provider) ReadEnd(ctx context.Context, key string) (cloud.EndState, error) {
	w := &world{}
	if err := p.listInstances(ctx, w); err != nil {
		return cloud.EndState{}, err
	}
	o, ok := w.insts[key]
	if !ok || o.Key != key {
		return cloud.EndState{}, fmt.Errorf("instance %s of owner %s: %w", key, p.owner, errNoInstance)
	}
	in, err := get(ctx, p.svc.Instances.Get(p.project, o.zone, o.name).Context(ctx).Do)
	if err != nil {
		return cloud.EndState{}, fmt.Errorf("get instance %s (%s): %w", o.name, key, err)
	}
	e := cloud.EndState{Instance: o.ID, Address: o.ip, Subnet: o.subnet}
	if len(in.NetworkInterfaces) == 0 {
		return e, fmt.Errorf("instance %s (%s) has no network interface", o.name, key)
	}
	network := path(in.NetworkInterfaces[0].Network)
	parts := strings.Split(o.subnet, "/")
	if len(parts) == 6 {
		sn, err := get(ctx, p.svc.Subnetworks.Get(p.project, parts[3], parts[5]).Context(ctx).Do)
		if err != nil {
			return e, fmt.Errorf("get subnetwork %s of %s: %w", o.subnet, key, err)
		}
		e.SubnetCIDR, _ = netip.ParsePrefix(sn.IpCidrRange)
	}
	members, err := p.networkMembers(ctx, network)
	if err != nil {
		return e, fmt.Errorf("%s: %w", key, err)
	}
	fw, err := p.readFirewall(ctx, network, in, members)
	if err != nil {
		return e, fmt.Errorf("%s: %w", key, err)
	}
	e.NSGs = []cloud.NSGState{fw}
	if e.Table, err = p.readTable(ctx, network, netTags(in)); err != nil {
		return e, fmt.Errorf("%s: %w", key, err)
	}
	return e, nil
}

// member is what a firewall rule's source tags and service accounts match
// of an instance of the network.
type member struct {
	addr     netip.Addr
	tags     []string
	accounts []string
}

func netTags(in *compute.Instance) []string {
	if in.Tags == nil {
		return nil
	}
	return in.Tags.Items
}

func accountsOf(in *compute.Instance) []string {
	var out []string
	for _, sa := range in.ServiceAccounts {
		out = append(out, sa.Email)
	}
	return out
}

// networkMembers lists every instance of the project (all owners) with
// an interface in network, by its address there.
func (p *Provider) networkMembers(ctx context.Context, network string) ([]member, error) {
	var out []member
	err := p.svc.Instances.AggregatedList(p.project).Pages(ctx, func(l *compute.InstanceAggregatedList) error {
		for _, scoped := range l.Items {
			for _, i := range scoped.Instances {
				for _, n := range i.NetworkInterfaces {
					if a, err := netip.ParseAddr(n.NetworkIP); err == nil && path(n.Network) == network {
						out = append(out, member{addr: a, tags: netTags(i), accounts: accountsOf(i)})
					}
				}
			}
		}
		return nil
	})
	return out, wrapList("instances", err)
}

// readFirewall reads the firewall rules of network that apply to
// instance in.
func (p *Provider) readFirewall(ctx context.Context, network string, in *compute.Instance, members []member) (cloud.NSGState, error) {
	g := cloud.NSGState{ID: network + "/firewalls", Name: "firewall rules of network " + nameOf(network), Level: cloud.NSGNetwork}
	tags, accounts := netTags(in), accountsOf(in)
	err := p.svc.Firewalls.List(p.project).Pages(ctx, func(l *compute.FirewallList) error {
		for _, f := range l.Items {
			applies := len(f.TargetTags)+len(f.TargetServiceAccounts) == 0 ||
				slices.ContainsFunc(f.TargetTags, func(t string) bool { return slices.Contains(tags, t) }) ||
				slices.ContainsFunc(f.TargetServiceAccounts, func(a string) bool { return slices.Contains(accounts, a) })
			if path(f.Network) == network && !f.Disabled && applies {
				g.Rules = append(g.Rules, firewallRules(f, members)...)
			}
		}
		return nil
	})
	if err != nil {
		return g, wrapList("firewalls", err)
	}
	any4 := cloud.NSGAddresses{Any: true}
	g.Rules = append(g.Rules,
		cloud.NSGRule{Name: "implied-deny-ingress", Priority: impliedPriority, Inbound: true, Default: true, Protocol: cloud.ProtocolAll, Source: any4, Dest: any4},
		cloud.NSGRule{Name: "implied-allow-egress", Priority: impliedPriority, Allow: true, Default: true, Protocol: cloud.ProtocolAll, Source: any4, Dest: any4})
	// A deny beats an allow of the same priority: NSGState.Ordered puts it
	// first.
	return g, nil
}

// firewallRules turns firewall rule f into one rule per allowed or denied
// entry. Ingress: the source is its source ranges and the addresses of
// the network's instances with its source tags or service accounts, the
// destination any. Egress: the destination is its destination ranges
// (none: every address), the source any.
// GCP: https://cloud.google.com/firewall/docs/firewalls#sources_for_rules — sources: IP ranges, source tags, source service accounts (ingress)
func firewallRules(f *compute.Firewall, members []member) []cloud.NSGRule {
	inbound := f.Direction != "EGRESS"
	src, dst := cloud.NSGAddresses{Any: true}, cloud.NSGAddresses{Any: true}
	if inbound {
		src = cloud.NSGAddresses{Prefixes: prefixes(f.SourceRanges)}
		for _, m := range members {
			if slices.ContainsFunc(f.SourceTags, func(t string) bool { return slices.Contains(m.tags, t) }) ||
				slices.ContainsFunc(f.SourceServiceAccounts, func(a string) bool { return slices.Contains(m.accounts, a) }) {
				src.Prefixes = append(src.Prefixes, netip.PrefixFrom(m.addr, 32))
			}
		}
	} else if len(f.DestinationRanges) > 0 {
		dst = cloud.NSGAddresses{Prefixes: prefixes(f.DestinationRanges)}
	}
	var out []cloud.NSGRule
	add := func(proto string, ports []string, allow bool) {
		r := cloud.NSGRule{Name: f.Name, Priority: int32(f.Priority), Inbound: inbound, Allow: allow, Source: src, Dest: dst}
		switch strings.ToLower(proto) {
		case "all":
			r.Protocol = cloud.ProtocolAll
		case "tcp", "6":
			r.Protocol = cloud.ProtocolTCP
		case "udp", "17":
			r.Protocol = cloud.ProtocolUDP
		case "icmp", "1":
			r.Protocol = cloud.ProtocolICMP
		}
		for _, pr := range ports {
			lo, hi, ok := strings.Cut(pr, "-")
			a, _ := strconv.Atoi(lo)
			b := a
			if ok {
				b, _ = strconv.Atoi(hi)
			}
			r.DstPorts = append(r.DstPorts, [2]int32{int32(a), int32(b)})
		}
		out = append(out, r)
	}
	for _, a := range f.Allowed {
		add(a.IPProtocol, a.Ports, true)
	}
	for _, d := range f.Denied {
		add(d.IPProtocol, d.Ports, false)
	}
	return out
}

func prefixes(ss []string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range ss {
		if pr, err := netip.ParsePrefix(s); err == nil {
			out = append(out, pr)
		} else if a, err := netip.ParseAddr(s); err == nil {
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
		}
	}
	return out
}

// readTable reads network's routes as the route table of an instance
// with tags: the subnet routes (local), the static ones by next hop; a
// route whose tags the instance lacks, or that a route of the same range
// and a lower priority number (or the same, listed first) beats, is
// inactive, with Source saying why.
func (p *Provider) readTable(ctx context.Context, network string, tags []string) (cloud.TableState, error) {
	t := cloud.TableState{ID: "routes of network " + nameOf(network)}
	var prios []int64
	err := p.svc.Routes.List(p.project).Pages(ctx, func(l *compute.RouteList) error {
		for _, r := range l.Items {
			if path(r.Network) != network {
				continue
			}
			dst, err := netip.ParsePrefix(r.DestRange)
			if err != nil {
				continue
			}
			rs := cloud.RouteState{Destination: dst, Kind: cloud.RouteOther, Source: r.Name}
			switch {
			case r.NextHopNetwork != "" || r.RouteType == "SUBNET":
				rs.Kind, rs.Target = cloud.RouteLocal, "local"
			case r.NextHopGateway != "":
				rs.Kind, rs.Target = cloud.RouteInternet, nameOf(r.NextHopGateway)
			case r.NextHopInstance != "":
				rs.Kind, rs.Target = cloud.RouteInstance, path(r.NextHopInstance)
			case r.NextHopIp != "":
				rs.Kind, rs.Target = cloud.RouteInstance, r.NextHopIp
			default:
				rs.Target = cmp.Or(r.NextHopPeering, r.NextHopVpnTunnel, r.NextHopIlb, "other")
			}
			if len(r.Tags) > 0 && !slices.ContainsFunc(r.Tags, func(x string) bool { return slices.Contains(tags, x) }) {
				rs.Inactive, rs.Source = true, r.Name+", for tags "+strings.Join(r.Tags, ",")
			}
			t.Routes = append(t.Routes, rs)
			prios = append(prios, r.Priority)
		}
		return nil
	})
	for i := range t.Routes {
		for j := range t.Routes {
			a, b := &t.Routes[i], &t.Routes[j]
			if i != j && !a.Inactive && !b.Inactive && a.Destination == b.Destination && (prios[j] < prios[i] || prios[j] == prios[i] && j < i) {
				a.Inactive, a.Source = true, a.Source+", priority "+strconv.FormatInt(prios[i], 10)+" beaten by "+b.Source
			}
		}
	}
	return t, wrapList("routes", err)
}
