package intent

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/topologies"
)

var approvedDC1 = map[string][]topologies.ApprovedRoute{"transit": {{Site: "dc1", Prefix: netip.MustParsePrefix("10.100.0.0/24")}}}

// Over the cloud as the controller programs it, every pair of the demo
// gets the verdict and reason the intent alone gives.
func TestDesiredViewAgreesWithIntent(t *testing.T) {
	p := demo(t)
	for _, appr := range []map[string][]topologies.ApprovedRoute{nil, approvedDC1} {
		iv, dv := p.IntentView(appr, nil), p.DesiredView(appr, nil)
		for _, a := range p.Endpoints {
			for _, b := range p.Endpoints {
				if a.Name == b.Name {
					continue
				}
				want, got := p.Trace(a.Name, b.Name, Echo, iv), p.Trace(a.Name, b.Name, Echo, dv)
				if got.Reachable != want.Reachable || (got.Block == nil) != (want.Block == nil) {
					t.Errorf("%s -> %s: desired view %v (%s), intent %v (%s)", a.Name, b.Name, got.Reachable, got.Reason, want.Reachable, want.Reason)
				}
			}
		}
	}
}

// mutate returns a copy of the view whose end k is changed by f.
func mutate(v *View, k string, f func(*cloud.EndState)) *View {
	w := *v
	w.Ends = map[string]cloud.EndState{}
	for n, e := range v.Ends {
		w.Ends[n] = e
	}
	e := w.Ends[k]
	f(&e)
	w.Ends[k] = e
	return &w
}

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }

// Each kind of block is named by its object and rule: a network ACL's
// deny entry on the way there and on the reply's way back (stateless), a
// route to the internet gateway, a blackhole, a security group without
// an egress rule, a pending approval and the domain policy.
func TestTraceBlocks(t *testing.T) {
	p := demo(t)
	v := p.DesiredView(nil, nil)
	tcp := Flow{Protocol: cloud.ProtocolTCP, Port: 5432}
	deny := func(n int32, src string) cloud.ACLEntry {
		return cloud.ACLEntry{Number: n, Rule: cloud.Rule{Protocol: cloud.ProtocolAll, Source: pfx(src)}}
	}
	for _, c := range []struct {
		name, from, to string
		f              Flow
		v              *View
		hop, object    string
		ret            bool
		reason         string
	}{
		{"acl inbound", "prod-app", "shared-db", Echo, mutate(v, "shared-db", func(e *cloud.EndState) {
			e.ACL = DefaultACL("acl-x")
			e.ACL.Inbound = append(e.ACL.Inbound, deny(50, "10.1.1.10/32"))
		}), "shared-vpc/app", "acl-x", false, "network ACL: acl-x inbound rule 50: deny all from 10.1.1.10/32 denies icmp echo 10.1.1.10 -> 10.3.1.20"},
		{"acl reply", "prod-app", "shared-db", tcp, mutate(v, "shared-db", func(e *cloud.EndState) {
			e.ACL = DefaultACL("acl-x")
			e.ACL.Outbound = append(e.ACL.Outbound, deny(60, "10.1.0.0/16"))
		}), "shared-vpc/app", "acl-x", true, "network ACL: acl-x outbound rule 60: deny all to 10.1.0.0/16 denies tcp reply 10.3.1.20 -> 10.1.1.10"},
		{"acl final deny", "prod-app", "shared-web", Echo, mutate(v, "prod-app", func(e *cloud.EndState) {
			e.ACL = &cloud.ACLState{ID: "acl-y", Inbound: DefaultACL("").Inbound}
		}), "prod-vpc/app", "acl-y", false, "network ACL: acl-y has no outbound rule that allows icmp echo 10.1.1.10 -> 10.3.1.10 (the final * rule denies it)"},
		{"route to the internet", "dev-app", "shared-web", Echo, mutate(v, "dev-app", func(e *cloud.EndState) {
			e.Table.Routes = append(e.Table.Routes, cloud.RouteState{Destination: pfx("10.3.1.10/32"), Kind: cloud.RouteInternet, Target: "igw-1"})
		}), "dev-vpc/app", "rtb-dev-vpc/app", false, "no route: route table rtb-dev-vpc/app of dev-app's subnet sends 10.3.1.10 to igw-1 (internet), not to a gateway of spoke dev"},
		{"blackhole on the way back", "dev-app", "shared-web", Echo, mutate(v, "shared-web", func(e *cloud.EndState) {
			e.Table.Routes = append(e.Table.Routes, cloud.RouteState{Destination: pfx("10.2.1.0/24"), Kind: cloud.RouteBlackhole, Target: "i-gone"})
		}), "shared-vpc/app", "rtb-shared-vpc/app", true, "no route: route table rtb-shared-vpc/app of shared-web's subnet sends 10.2.1.10 to i-gone, which is gone (blackhole)"},
		{"no egress", "dev-app", "shared-web", tcp, mutate(v, "dev-app", func(e *cloud.EndState) {
			e.Groups = []cloud.GroupState{{ID: "sg-1", Name: "dev"}}
		}), "dev-app", "sg-1 (dev)", false, "security group: sg-1 (dev) of dev-app admits no outbound tcp/5432 to 10.3.1.10"},
		{"security group", "dev-app", "shared-db", tcp, v, "shared-db", "shared-vpc/shared-db", false,
			"security group: shared-vpc/shared-db of shared-db admits only 10.1.0.0/16, 10.3.0.0/16, 10.100.0.0/24: no rule admits tcp/5432 from 10.2.1.10"},
		{"pending approval", "dc1-app", "shared-web", Echo, v, "transit", "route approval", false, "no route: 10.100.0.0/24 (dc1) is not approved at transit transit"},
		{"missing route for a pending prefix", "shared-web", "dc1-app", Echo, v, "transit", "route approval", false, "no route: 10.100.0.0/24 (dc1) is not approved at transit transit"},
		{"domain policy", "prod-app", "dev-app", Echo, v, "transit", "domain policy", false, "domain policy: prod and dev are not connected (dropped at the transit gateways)"},
	} {
		got := p.Trace(c.from, c.to, c.f, c.v)
		if got.Reachable || got.Block == nil {
			t.Errorf("%s: %s -> %s reachable; want blocked at %s", c.name, c.from, c.to, c.hop)
			continue
		}
		if got.Block.Hop != c.hop || got.Block.Object != c.object || got.Block.Return != c.ret || got.Reason != c.reason {
			t.Errorf("%s: block %+v\nreason %q\nwant hop %s, object %s, return %v, reason %q", c.name, *got.Block, got.Reason, c.hop, c.object, c.ret, c.reason)
		}
	}
}

// A stateless ACL that lets in only what a TCP reply needs (the
// ephemeral ports) passes the TCP reply and drops the ICMP one; a rule
// for tcp/5432 admits that port and no other.
func TestTraceProtocols(t *testing.T) {
	p := demo(t)
	v := mutate(p.DesiredView(nil, nil), "dev-app", func(e *cloud.EndState) {
		e.ACL = DefaultACL("acl-d")
		e.ACL.Inbound = []cloud.ACLEntry{{Number: 10, Allow: true, Rule: cloud.Rule{Protocol: cloud.ProtocolTCP, FromPort: 1024, ToPort: 65535, Source: pfx("0.0.0.0/0")}}}
	})
	v = mutate(v, "shared-db", func(e *cloud.EndState) {
		e.Groups[0].Ingress = append(e.Groups[0].Ingress, cloud.RuleState{ID: "sgr-1", Rule: cloud.Rule{Protocol: cloud.ProtocolTCP, FromPort: 5432, ToPort: 5432, Source: pfx("10.2.1.10/32")}})
	})
	if got := p.Trace("dev-app", "shared-db", Flow{Protocol: cloud.ProtocolTCP, Port: 5432}, v); !got.Reachable {
		t.Errorf("tcp/5432: %s", got.Reason)
	} else if last := got.Hops[len(got.Hops)-1]; last.Steps[0].Rule != "sgr-1: ingress tcp 5432 from 10.2.1.10/32" {
		t.Errorf("tcp/5432 admitted by %+v, want sgr-1", last.Steps)
	}
	if got := p.Trace("dev-app", "shared-db", Flow{Protocol: cloud.ProtocolTCP, Port: 22}, v); got.Reachable || !strings.HasPrefix(got.Reason, "security group:") {
		t.Errorf("tcp/22: reachable %v, %s; want the security group", got.Reachable, got.Reason)
	}
	got := p.Trace("dev-app", "shared-web", Echo, v)
	if got.Reachable || got.Block == nil || !got.Block.Return || got.Block.Object != "acl-d" {
		t.Errorf("icmp: reachable %v, block %+v; want the reply dropped by acl-d", got.Reachable, got.Block)
	}
}

// A pair of inspected domains crosses the transit's FireNet, whose rules
// decide: ICMP passes by the default, tcp/22 is denied by rule 1, named.
func TestTraceFireNet(t *testing.T) {
	top, err := topologies.Load("../../topologies/security.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Compile(top)
	if err != nil {
		t.Fatal(err)
	}
	v := p.DesiredView(nil, nil)
	got := p.Trace("prod-app", "shared-db", Echo, v)
	var through bool
	for _, h := range got.Hops {
		through = through || h.Kind == HopFirewall && h.Steps[0].Rule == "default allow"
	}
	if !got.Reachable || !through {
		t.Errorf("prod-app -> shared-db icmp: reachable %v (%s), through the firewalls %v: %+v", got.Reachable, got.Reason, through, got.Hops)
	}
	ssh := p.Trace("prod-app", "shared-db", Flow{Protocol: cloud.ProtocolTCP, Port: 22}, v)
	want := "firewall: the FireNet of transit transit denies tcp/22 10.1.1.10 -> 10.3.1.10 by rule 1 (deny tcp port 22)"
	if ssh.Reachable || ssh.Block == nil || ssh.Block.Hop != "FireNet of transit transit (firewalls fw1, fw2)" || ssh.Reason != want {
		t.Errorf("prod-app -> shared-db tcp/22: block %+v, reason %q; want %q", ssh.Block, ssh.Reason, want)
	}
	if dev := p.Trace("dev-app", "shared-db", Flow{Protocol: cloud.ProtocolTCP, Port: 22}, v); !dev.Reachable {
		t.Errorf("dev-app -> shared-db tcp/22 (dev and shared not inspected): %s", dev.Reason)
	}
}
