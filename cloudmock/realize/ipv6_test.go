package realize

import (
	"net"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/emulator/netns"
)

// dualStack makes a VPC with an Amazon-provided /56 and returns it with
// the n-th /64 of that block.
func (l *lab) dualStack(cidr string) (model.Network, func(n int) netip.Prefix) {
	l.t.Helper()
	v := l.vpc(cidr)
	b := must[model.IPv6Block](l.t)(l.cloud.AssociateNetworkIPv6(acct, v.ID))
	return v, func(n int) netip.Prefix {
		a := b.Prefix.Addr().As16()
		a[7] = byte(n)
		return netip.PrefixFrom(netip.AddrFrom16(a), 64)
	}
}

// subnet6 makes a dual-stack subnet.
func (l *lab) subnet6(n model.Network, cidr string, v6 netip.Prefix) model.Subnet {
	l.t.Helper()
	s := l.subnet(n, cidr)
	s.IPv6CIDR = must[model.IPv6Block](l.t)(l.cloud.AssociateSubnetIPv6(acct, s.ID, v6))
	return s
}

// instance6 launches an instance with one IPv6 address.
func (l *lab) instance6(s model.Subnet, groups ...string) model.Instance {
	l.t.Helper()
	is := must[[]model.Instance](l.t)(l.cloud.RunInstances(acct, model.LaunchSpec{SubnetID: s.ID, Count: 1, SecurityGroupIDs: groups, IPv6Count: 1}))
	if len(is[0].IPv6Addrs) != 1 {
		l.t.Fatalf("instance %s has IPv6 addresses %v, want one", is[0].ID, is[0].IPv6Addrs)
	}
	return is[0]
}

// serve6 is serve over TCP on an IPv6 address.
func (l *lab) serve6(ns string, addr netip.Addr, port int) {
	l.t.Helper()
	var ln net.Listener
	l.ok(netns.Do(ns, func() error {
		var err error
		ln, err = net.Listen("tcp6", net.JoinHostPort(addr.String(), strconv.Itoa(port)))
		return err
	}))
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("hi"))
			c.Close()
		}
	}()
	l.t.Cleanup(func() { ln.Close(); <-done })
}

// dial6 is dial over TCP to an IPv6 address.
func dial6(ns string, addr netip.Addr, port int, timeout time.Duration) error {
	return netns.Do(ns, func() error {
		c, err := net.DialTimeout("tcp6", net.JoinHostPort(addr.String(), strconv.Itoa(port)), timeout)
		if err != nil {
			return err
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(timeout))
		b := make([]byte, 2)
		_, err = c.Read(b)
		return err
	})
}

func (l *lab) tcp6OK(ns string, addr netip.Addr, port int) {
	l.t.Helper()
	var err error
	for range 3 {
		if err = dial6(ns, addr, port, 2*time.Second); err == nil {
			return
		}
	}
	l.t.Fatalf("%s should connect to [%s]:%d: %v", ns, addr, port, err)
}

func (l *lab) tcp6Fails(ns string, addr netip.Addr, port int) {
	l.t.Helper()
	if err := dial6(ns, addr, port, time.Second); err == nil {
		l.t.Fatalf("%s connected to [%s]:%d, but it must not", ns, addr, port)
	}
}

// Two dual-stack instances in two subnets of one VPC reach each other over
// IPv6 through the VPC router, and an IPv6 security group rule admits one
// port and not another; an instance whose groups allow no IPv6 out cannot
// open an IPv6 flow.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-migrate-ipv6.html — a dual-stack VPC: IPv6 /56, subnet /64s, instance IPv6 addresses, IPv6 security group rules
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html — an Ipv6Ranges rule admits the IPv6 traffic it names
func TestIPv6DualStackInstances(t *testing.T) {
	l := newLab(t)
	v, sub64 := l.dualStack("10.60.0.0/16")
	sa, sb := l.subnet6(v, "10.60.1.0/24", sub64(1)), l.subnet6(v, "10.60.2.0/24", sub64(2))
	web := must[model.RuleSet](t)(createGroup(l.cloud, v.ID, "web6", "web over IPv6", nil))
	_, err := addGroupRules(l.cloud, web.ID, model.Ingress, []sgRule{
		{Protocol: "58", FromPort: -1, ToPort: -1, Prefix: netip.MustParsePrefix("::/0")},
		{Protocol: "tcp", FromPort: 8080, ToPort: 8080, Prefix: sb.IPv6CIDR.Prefix},
	})
	l.ok(err)
	// b is in the VPC's default group, which got its ::/0 egress rule
	// when the VPC got IPv6.
	a, b := l.instance6(sa, web.ID), l.instance6(sb)
	a6, b6 := a.IPv6Addrs[0], b.IPv6Addrs[0]
	if !sa.IPv6CIDR.Prefix.Contains(a6) || !sb.IPv6CIDR.Prefix.Contains(b6) {
		t.Fatalf("addresses %s, %s are not in their subnets' /64s %s, %s", a6, b6, sa.IPv6CIDR.Prefix, sb.IPv6CIDR.Prefix)
	}
	l.sync()
	l.serve6(l.ns(a), a6, 8080)
	l.serve6(l.ns(a), a6, 9090)
	l.serve6(l.ns(b), b6, 8080)

	l.pingOK(l.ns(b), a6)          // ICMPv6 allowed from anywhere
	l.tcp6OK(l.ns(b), a6, 8080)    // the IPv6 rule's port, from b's /64
	l.tcp6Fails(l.ns(b), a6, 9090) // no rule for this port
	l.tcp6Fails(l.ns(a), b6, 8080) // web allows IPv4 out only: no new IPv6 flow from a
	l.pingFails(l.ns(a), b6)
}

// An instance behind an egress-only internet gateway reaches an IPv6 host
// on the internet, and its replies come back, but the host cannot open a
// connection (or a ping) to the instance, even though the instance's
// group admits it; with an internet gateway in its place, it can, at the
// instance's own IPv6 address (no address translation).
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/egress-only-internet-gateway.html — outbound-only IPv6: it prevents the internet from initiating an IPv6 connection with the instances
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html — IPv6 addresses are public: the internet gateway does no NAT for them
func TestIPv6EgressOnlyGateway(t *testing.T) {
	l := newLab(t)
	v, sub64 := l.dualStack("10.61.0.0/16")
	s := l.subnet6(v, "10.61.1.0/24", sub64(0))
	open := must[model.RuleSet](t)(createGroup(l.cloud, v.ID, "open6", "all IPv6", nil))
	any6 := netip.MustParsePrefix("::/0")
	_, err := addGroupRules(l.cloud, open.ID, model.Ingress, []sgRule{{Protocol: "-1", FromPort: -1, ToPort: -1, Prefix: any6}})
	l.ok(err)
	_, err = addGroupRules(l.cloud, open.ID, model.Egress, []sgRule{{Protocol: "-1", FromPort: -1, ToPort: -1, Prefix: any6}})
	l.ok(err)
	a := l.instance6(s, open.ID)
	a6 := a.IPv6Addrs[0]
	eigw := must[model.EgressOnlyGateway](t)(l.cloud.CreateEgressOnlyGateway(acct, v.ID, nil))
	l.ok(l.cloud.CreateRoute(acct, v.MainRouteTableID, any6, model.Target{Kind: model.TargetEgressOnlyGateway, ID: eigw.ID}))
	l.sync()
	inet := l.r.internetNS()
	l.serve6(inet, InternetServer6, 80)
	l.serve6(l.ns(a), a6, 8080)

	l.pingOK(l.ns(a), InternetServer6)
	l.tcp6OK(l.ns(a), InternetServer6, 80)
	l.tcp6Fails(inet, a6, 8080)
	l.pingFails(inet, a6)

	// The same instance behind an internet gateway is reachable.
	igw := must[model.InternetGateway](t)(l.cloud.CreateInternetGateway(acct, nil))
	l.ok(l.cloud.AttachInternetGateway(acct, igw.ID, v.ID))
	l.ok(l.cloud.ReplaceRoute(acct, v.MainRouteTableID, any6, model.Target{Kind: model.TargetInternetGateway, ID: igw.ID}))
	l.sync()
	l.tcp6OK(inet, a6, 8080)
	l.pingOK(inet, a6)
	l.tcp6OK(l.ns(a), InternetServer6, 80)

	// Without a route, nothing leaves.
	l.ok(l.cloud.DeleteRoute(acct, v.MainRouteTableID, any6))
	l.sync()
	l.tcp6Fails(l.ns(a), InternetServer6, 80)
}
