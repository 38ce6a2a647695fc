package realize

import (
	"net/netip"
	"testing"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

var anyIPv4 = netip.MustParsePrefix("0.0.0.0/0")

// A network ACL is evaluated in rule-number order: a deny with a lower
// number beats an allow with a higher one; it is stateless, so the return
// traffic needs an outbound rule of its own; and it does not apply within
// its subnet.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html — stateless, lowest number first
func TestNetworkACL(t *testing.T) {
	l := newLab(t)
	v := l.vpc("10.0.0.0/16")
	sa, sb := l.subnet(v, "10.0.1.0/24"), l.subnet(v, "10.0.2.0/24")
	g := l.openGroup(v, "open", "10.0.0.0/16")
	a, b, b2 := l.instance(sa, g.ID), l.instance(sb, g.ID), l.instance(sb, g.ID)
	acl := must[model.RuleSet](t)(l.cloud.CreateRuleSet(acct, model.RuleSetSpec{Flavor: model.FlavorNetworkACL, NetworkID: v.ID}))
	entry := func(n int, egress, allow bool, proto string, p netip.Prefix) model.Rule {
		return aclRule(n, egress, allow, proto, p, -1, -1)
	}
	add := func(e model.Rule) error {
		_, err := l.cloud.AddRules(acct, model.FlavorNetworkACL, acl.ID, []model.Rule{e})
		return err
	}
	l.ok(add(entry(100, false, false, "icmp", sa.Prefix)))
	l.ok(add(entry(200, false, true, "-1", anyIPv4)))
	l.ok(add(entry(100, true, true, "-1", anyIPv4)))
	l.sync()
	l.pingOK(l.ns(a), b.PrivateIP) // the default ACL allows all

	var assoc string
	for _, x := range l.cloud.RuleSets(acct, model.FlavorNetworkACL) {
		for _, as := range x.Attachments {
			if as.TargetID == sb.ID {
				assoc = as.ID
			}
		}
	}
	must[string](t)(l.cloud.ReplaceRuleSetAttachment(acct, model.FlavorNetworkACL, assoc, acl.ID))
	l.sync()
	l.pingFails(l.ns(a), b.PrivateIP) // deny 100 beats allow 200
	l.pingOK(l.ns(b2), b.PrivateIP)   // within the subnet the ACL does not apply

	l.ok(l.cloud.DeleteRule(acct, model.FlavorNetworkACL, acl.ID, model.Ingress, 100))
	l.sync()
	l.pingOK(l.ns(a), b.PrivateIP) // allow 200 now decides

	// Stateless: deny the outbound replies, and the pings die although the
	// inbound rule allows them.
	l.ok(l.cloud.ReplaceRule(acct, model.FlavorNetworkACL, acl.ID, entry(100, true, false, "-1", anyIPv4)))
	l.sync()
	l.pingFails(l.ns(a), b.PrivateIP)
	l.pingOK(l.ns(b2), b.PrivateIP)

	// Ports: inbound TCP 8080 only, outbound only to the client's
	// ephemeral ports.
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/nacl-ephemeral-ports.html — return traffic goes to the client's ephemeral ports and needs an outbound rule
	tcp := func(n int, egress bool, from, to int) model.Rule {
		return aclRule(n, egress, true, "tcp", sa.Prefix, from, to)
	}
	l.ok(l.cloud.ReplaceRule(acct, model.FlavorNetworkACL, acl.ID, tcp(100, true, 1024, 65535)))
	l.ok(l.cloud.DeleteRule(acct, model.FlavorNetworkACL, acl.ID, model.Ingress, 200))
	l.ok(add(tcp(110, false, 8080, 8080)))
	l.sync()
	l.serve(l.ns(b), b.PrivateIP, 8080)
	l.serve(l.ns(b), b.PrivateIP, 9090)
	l.tcpOK(l.ns(a), b.PrivateIP, 8080)
	l.tcpFails(l.ns(a), b.PrivateIP, 9090)
	l.pingFails(l.ns(a), b.PrivateIP)
	l.ok(l.cloud.ReplaceRule(acct, model.FlavorNetworkACL, acl.ID, tcp(100, true, 1024, 1030)))
	l.sync()
	l.tcpFails(l.ns(a), b.PrivateIP, 8080) // the replies' ports are not allowed out
}

// aclRule is a network ACL entry: numbered, allow or deny, stateless.
func aclRule(n int, egress, allow bool, proto string, p netip.Prefix, from, to int) model.Rule {
	r := model.Rule{Direction: model.Ingress, Priority: n, Action: model.Deny, Stateless: true, Protocol: proto,
		Peer: model.Peer{Prefix: p}, FromPort: from, ToPort: to, ICMPType: -1, ICMPCode: -1}
	if egress {
		r.Direction = model.Egress
	}
	if allow {
		r.Action = model.Allow
	}
	return r
}
