package realize

import (
	"net/netip"
	"testing"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// A security group that allows ICMP and one TCP port from one subnet's CIDR
// admits exactly those flows from there, and their return traffic, while
// the instance whose group has no inbound rule accepts no new flow at all.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html — stateful; no inbound rule, no inbound traffic
func TestSecurityGroupStateful(t *testing.T) {
	l := newLab(t)
	v := l.vpc("10.0.0.0/16")
	sa, sb, sc := l.subnet(v, "10.0.1.0/24"), l.subnet(v, "10.0.2.0/24"), l.subnet(v, "10.0.3.0/24")
	ga := must[model.RuleSet](t)(createGroup(l.cloud, v.ID, "web", "web", nil))
	_, err := addGroupRules(l.cloud, ga.ID, model.Ingress, []sgRule{
		{Protocol: "icmp", FromPort: -1, ToPort: -1, Prefix: sb.Prefix},
		{Protocol: "tcp", FromPort: 8080, ToPort: 8080, Prefix: sb.Prefix},
	})
	l.ok(err)
	closed := must[model.RuleSet](t)(createGroup(l.cloud, v.ID, "closed", "no inbound", nil))
	a, b, c := l.instance(sa, ga.ID), l.instance(sb, closed.ID), l.instance(sc, closed.ID)
	l.sync()
	l.serve(l.ns(a), a.PrivateIP, 8080)
	l.serve(l.ns(a), a.PrivateIP, 9090)
	l.serve(l.ns(b), b.PrivateIP, 8080)

	l.pingOK(l.ns(b), a.PrivateIP)         // allowed, and the reply passes b's closed group
	l.tcpOK(l.ns(b), a.PrivateIP, 8080)    // allowed port, return traffic included
	l.tcpFails(l.ns(b), a.PrivateIP, 9090) // port not allowed
	l.pingFails(l.ns(c), a.PrivateIP)      // source outside the CIDR
	l.tcpFails(l.ns(c), a.PrivateIP, 8080) // likewise
	l.pingFails(l.ns(a), b.PrivateIP)      // a new flow the other way
	l.tcpFails(l.ns(a), b.PrivateIP, 8080) // likewise

	// A rule referring to a group admits its members.
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html#security-group-referencing — a referenced group stands for its members' private addresses
	_, err = addGroupRules(l.cloud, ga.ID, model.Ingress, []sgRule{
		{Protocol: "tcp", FromPort: 9090, ToPort: 9090, GroupID: closed.ID}})
	l.ok(err)
	l.sync()
	l.tcpOK(l.ns(c), a.PrivateIP, 9090)
	l.tcpFails(l.ns(c), a.PrivateIP, 8080)

	// Removing the egress rule stops new outbound flows.
	_, _, err = removeGroupRules(l.cloud, closed.ID, model.Egress, []sgRule{
		{Protocol: "-1", FromPort: -1, ToPort: -1, Prefix: netip.MustParsePrefix("0.0.0.0/0")}})
	l.ok(err)
	l.sync()
	l.pingFails(l.ns(b), a.PrivateIP)
}
