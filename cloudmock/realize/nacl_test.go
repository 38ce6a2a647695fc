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
	acl := must[model.NetworkACL](t)(l.cloud.CreateNetworkACL(acct, v.ID, nil))
	entry := func(n int, egress, allow bool, proto string, p netip.Prefix) model.ACLEntry {
		return model.ACLEntry{Number: n, Egress: egress, Allow: allow, Protocol: proto, Prefix: p, FromPort: -1, ToPort: -1, ICMPType: -1, ICMPCode: -1}
	}
	l.ok(l.cloud.AddNetworkACLEntry(acct, acl.ID, entry(100, false, false, "icmp", sa.Prefix)))
	l.ok(l.cloud.AddNetworkACLEntry(acct, acl.ID, entry(200, false, true, "-1", anyIPv4)))
	l.ok(l.cloud.AddNetworkACLEntry(acct, acl.ID, entry(100, true, true, "-1", anyIPv4)))
	l.sync()
	l.pingOK(l.ns(a), b.PrivateIP) // the default ACL allows all

	var assoc string
	for _, x := range l.cloud.NetworkACLs(acct) {
		for _, as := range x.Associations {
			if as.SubnetID == sb.ID {
				assoc = as.ID
			}
		}
	}
	must[string](t)(l.cloud.ReplaceNetworkACLAssociation(acct, assoc, acl.ID))
	l.sync()
	l.pingFails(l.ns(a), b.PrivateIP) // deny 100 beats allow 200
	l.pingOK(l.ns(b2), b.PrivateIP)   // within the subnet the ACL does not apply

	l.ok(l.cloud.DeleteNetworkACLEntry(acct, acl.ID, 100, false))
	l.sync()
	l.pingOK(l.ns(a), b.PrivateIP) // allow 200 now decides

	// Stateless: deny the outbound replies, and the pings die although the
	// inbound rule allows them.
	l.ok(l.cloud.ReplaceNetworkACLEntry(acct, acl.ID, entry(100, true, false, "-1", anyIPv4)))
	l.sync()
	l.pingFails(l.ns(a), b.PrivateIP)
	l.pingOK(l.ns(b2), b.PrivateIP)

	// Ports: inbound TCP 8080 only, outbound only to the client's
	// ephemeral ports.
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/nacl-ephemeral-ports.html — return traffic goes to the client's ephemeral ports and needs an outbound rule
	tcp := func(n int, egress bool, from, to int) model.ACLEntry {
		return model.ACLEntry{Number: n, Egress: egress, Allow: true, Protocol: "tcp", Prefix: sa.Prefix, FromPort: from, ToPort: to, ICMPType: -1, ICMPCode: -1}
	}
	l.ok(l.cloud.ReplaceNetworkACLEntry(acct, acl.ID, tcp(100, true, 1024, 65535)))
	l.ok(l.cloud.DeleteNetworkACLEntry(acct, acl.ID, 200, false))
	l.ok(l.cloud.AddNetworkACLEntry(acct, acl.ID, tcp(110, false, 8080, 8080)))
	l.sync()
	l.serve(l.ns(b), b.PrivateIP, 8080)
	l.serve(l.ns(b), b.PrivateIP, 9090)
	l.tcpOK(l.ns(a), b.PrivateIP, 8080)
	l.tcpFails(l.ns(a), b.PrivateIP, 9090)
	l.pingFails(l.ns(a), b.PrivateIP)
	l.ok(l.cloud.ReplaceNetworkACLEntry(acct, acl.ID, tcp(100, true, 1024, 1030)))
	l.sync()
	l.tcpFails(l.ns(a), b.PrivateIP, 8080) // the replies' ports are not allowed out
}
