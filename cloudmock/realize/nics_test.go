package realize

import (
	"context"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/emulator/netns"
)

// attach makes an interface in subnet s with groups and attaches it to
// inst at device index.
func (l *lab) attach(inst model.Instance, s model.Subnet, index int, groups ...string) model.NetworkInterface {
	l.t.Helper()
	e := must[model.NetworkInterface](l.t)(l.cloud.CreateNetworkInterface(acct, model.InterfaceSpec{SubnetID: s.ID, SecurityGroupIDs: groups}))
	must[string](l.t)(l.cloud.AttachNetworkInterface(acct, e.ID, inst.ID, index))
	return must[model.NetworkInterface](l.t)(l.cloud.NetworkInterface(acct, e.ID))
}

// An instance with a second interface in another subnet answers on both
// addresses from hosts in each subnet, and on a secondary address; each
// interface's own security group decides what it admits; detaching the
// interface takes eth1 out of the instance.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-eni.html — several network interfaces per instance, each in its own subnet, each with its own security groups
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/MultipleIP.html — secondary private IPv4 addresses
func TestInstanceWithTwoInterfaces(t *testing.T) {
	l := newLab(t)
	v := l.vpc("10.0.0.0/16")
	sa, sb := l.subnet(v, "10.0.1.0/24"), l.subnet(v, "10.0.2.0/24")
	open := l.openGroup(v, "open", "10.0.0.0/16")
	onlyA := l.openGroup(v, "only-a", "10.0.1.0/24")
	inst := l.instance(sa, open.ID)
	eth1 := l.attach(inst, sb, 1, onlyA.ID)
	ca, cb := l.instance(sa, open.ID), l.instance(sb, open.ID)
	sec := must[[]netip.Addr](t)(l.cloud.AssignPrivateIPs(acct, inst.NetworkInterfaceID, nil, 1, false))[0]
	l.sync()

	l.pingOK(l.ns(ca), inst.PrivateIP) // eth0 from its own subnet
	l.pingOK(l.ns(cb), inst.PrivateIP) // eth0 from the other subnet, through the VPC router
	l.pingOK(l.ns(ca), eth1.PrivateIP) // eth1 from subnet A: its group admits A
	l.pingOK(l.ns(cb), sec)            // the secondary address of eth0
	// eth1's group admits only subnet A: a host in B, eth1's own subnet,
	// is refused there, while eth0's group lets it in on eth0.
	l.pingFails(l.ns(cb), eth1.PrivateIP)

	var names []string
	l.ok(netns.Do(l.ns(inst), func() error {
		links, err := netlink.LinkList()
		for _, k := range links {
			names = append(names, k.Attrs().Name)
			if k.Attrs().Name == "eth1" && k.Attrs().HardwareAddr.String() != model.MACAddress(eth1.ID).String() {
				t.Errorf("eth1 MAC %s, want %s", k.Attrs().HardwareAddr, model.MACAddress(eth1.ID))
			}
		}
		return err
	}))
	if !containsAll(names, "eth0", "eth1") {
		t.Fatalf("instance's links %v, want eth0 and eth1", names)
	}
	// The group of eth1 changed to admit all: the host in B gets in.
	l.ok(l.cloud.ModifyNetworkInterface(acct, eth1.ID, model.InterfaceChange{SecurityGroupIDs: []string{open.ID}}))
	l.sync()
	l.pingOK(l.ns(cb), eth1.PrivateIP)

	eth1 = must[model.NetworkInterface](t)(l.cloud.NetworkInterface(acct, eth1.ID))
	l.ok(l.cloud.DetachNetworkInterface(acct, eth1.Attachment.ID, false))
	l.sync()
	l.pingFails(l.ns(cb), eth1.PrivateIP)
	l.pingOK(l.ns(cb), inst.PrivateIP)
	l.ok(netns.Do(l.ns(inst), func() error {
		if _, err := netlink.LinkByName("eth1"); err == nil {
			t.Errorf("eth1 is still in the instance after the detach")
		}
		return nil
	}))
}

func containsAll(have []string, want ...string) bool {
	for _, w := range want {
		found := false
		for _, h := range have {
			found = found || h == w
		}
		if !found {
			return false
		}
	}
	return true
}

// A firewall appliance with a LAN interface and an egress interface in two
// subnets forwards what the LAN's route table sends it, in on eth0 and
// out on eth1, while the source/destination check of both is off; with
// the check on, on either interface, it drops it.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/route-table-options.html#route-tables-appliance-routing — route traffic to a middlebox appliance's network interface
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/VPC_NAT_Instance.html#EIP_Disable_SrcDestCheck — an instance that forwards must have its source/destination check off
func TestFirewallApplianceTwoInterfaces(t *testing.T) {
	l := newLab(t)
	v := l.vpc("10.0.0.0/16")
	lan, egress, servers := l.subnet(v, "10.0.1.0/24"), l.subnet(v, "10.0.2.0/24"), l.subnet(v, "10.0.3.0/24")
	open := l.openGroup(v, "open", "10.0.0.0/16")
	fw := l.instance(lan, open.ID)
	out := l.attach(fw, egress, 1, open.ID)
	client, server := l.instance(lan, open.ID), l.instance(servers, open.ID)
	rt := must[model.RouteTable](t)(l.cloud.CreateRouteTable(acct, v.ID, nil))
	must[model.RouteTableAssociation](t)(l.cloud.AssociateRouteTable(acct, rt.ID, lan.ID))
	l.ok(l.cloud.CreateRoute(acct, rt.ID, servers.Prefix, model.Target{Kind: model.TargetNetworkInterface, ID: fw.NetworkInterfaceID}))
	l.sync()
	// The appliance's own configuration: the servers are beyond eth1.
	l.ok(netns.Do(l.ns(fw), func() error {
		eth1, err := netlink.LinkByName("eth1")
		if err != nil {
			return err
		}
		return netlink.RouteReplace(&netlink.Route{Dst: ipNet(servers.Prefix), Gw: net.IP(gateway(egress.Prefix).Addr().AsSlice()), LinkIndex: eth1.Attrs().Index})
	}))
	off, on := false, true
	setCheck := func(id string, v *bool) {
		l.ok(l.cloud.ModifyNetworkInterface(acct, id, model.InterfaceChange{SourceDestCheck: v}))
	}
	setCheck(fw.NetworkInterfaceID, &off)
	setCheck(out.ID, &off)
	l.sync()
	l.pingOK(l.ns(client), server.PrivateIP)
	// The packets went through the appliance's eth1: its counters show it.
	var sent uint64
	l.ok(netns.Do(l.ns(fw), func() error {
		eth1, err := netlink.LinkByName("eth1")
		if err == nil {
			sent = eth1.Attrs().Statistics.TxPackets
		}
		return err
	}))
	if sent == 0 {
		t.Fatalf("nothing left the appliance's eth1")
	}
	setCheck(out.ID, &on) // the egress interface's check on
	l.sync()
	l.pingFails(l.ns(client), server.PrivateIP)
	setCheck(out.ID, &off)
	setCheck(fw.NetworkInterfaceID, &on) // the LAN interface's check on
	l.sync()
	l.pingFails(l.ns(client), server.PrivateIP)
	setCheck(fw.NetworkInterfaceID, &off)
	l.sync()
	l.pingOK(l.ns(client), server.PrivateIP)
}

// A realizer that adopts a dataplane after its predecessor died keeps an
// instance's further interface as it is (the same link, not remade), and
// probes to both of its addresses lose nothing meanwhile.
func TestAdoptKeepsFurtherInterfaces(t *testing.T) {
	l := newLab(t)
	v := l.vpc("10.0.0.0/16")
	sa, sb := l.subnet(v, "10.0.1.0/24"), l.subnet(v, "10.0.2.0/24")
	open := l.openGroup(v, "open", "10.0.0.0/16")
	inst := l.instance(sa, open.ID)
	eth1 := l.attach(inst, sb, 1, open.ID)
	must[[]netip.Addr](t)(l.cloud.AssignPrivateIPs(acct, eth1.ID, nil, 1, false))
	client := l.instance(sb, open.ID)
	l.sync()
	l.pingOK(l.ns(client), inst.PrivateIP)
	l.pingOK(l.ns(client), eth1.PrivateIP)
	index := func() int {
		var i int
		l.ok(netns.Do(l.ns(inst), func() error {
			k, err := netlink.LinkByName("eth1")
			if err == nil {
				i = k.Attrs().Index
			}
			return err
		}))
		return i
	}
	before := index()
	snap, _, err := l.cloud.Snapshot()
	l.ok(err)
	restored := model.New()
	l.ok(restored.Restore(snap))
	stop0 := l.probeStream(l.ns(client), inst.PrivateIP)
	stop1 := l.probeStream(l.ns(client), eth1.PrivateIP)
	l.r.abandon()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r2, err := New(ctx, restored, Options{Lab: l.name, Adopt: true,
		Record: func(ns string) error { l.mu.Lock(); l.recorded[ns] = true; l.mu.Unlock(); return nil },
		Forget: func(ns string) { l.mu.Lock(); delete(l.recorded, ns); l.mu.Unlock() }})
	if err != nil {
		stop0()
		stop1()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r2.Close(); err != nil {
			t.Errorf("close the adopting realizer: %v", err)
		}
	})
	l.ok(r2.Sync(ctx))
	// The streams ran from before the death to after the successor's
	// first pass; a few more probes follow it.
	for range 10 {
		l.pingOK(l.ns(client), inst.PrivateIP)
		l.pingOK(l.ns(client), eth1.PrivateIP)
	}
	for n, stop := range []func() (int64, int64){stop0, stop1} {
		sent, lost := stop()
		t.Logf("eth%d: %d probes while the realizer was replaced, %d lost", n, sent, lost)
		if lost > 0 || sent < 2 {
			t.Errorf("eth%d: %d of %d probes lost while the realizer was replaced", n, lost, sent)
		}
	}
	if after := index(); after != before {
		t.Errorf("eth1 was remade: index %d, was %d", after, before)
	}
}

// A stopped instance answers on none of its interfaces; started, it
// answers on all of them again, with their secondary addresses, also to
// a neighbour that cached the VPC router's MAC before (the subnet's
// bridge keeps its MAC while the instance's ports go and come back).
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/how-ec2-instance-stop-start-works.html — a stopped instance keeps its network interfaces and their private IPv4 addresses
func TestStopStartKeepsFurtherInterfaces(t *testing.T) {
	l := newLab(t)
	v := l.vpc("10.0.0.0/16")
	sa, sb := l.subnet(v, "10.0.1.0/24"), l.subnet(v, "10.0.2.0/24")
	open := l.openGroup(v, "open", "10.0.0.0/16")
	inst := l.instance(sa, open.ID)
	eth1 := l.attach(inst, sb, 1, open.ID)
	sec := must[[]netip.Addr](t)(l.cloud.AssignPrivateIPs(acct, eth1.ID, nil, 1, false))[0]
	client := l.instance(sa, open.ID)
	l.sync()
	l.pingOK(l.ns(client), sec)
	must[[]model.StateChange](t)(l.cloud.StopInstances(acct, []string{inst.ID}, false))
	l.sync()
	l.pingFails(l.ns(client), eth1.PrivateIP)
	must[[]model.StateChange](t)(l.cloud.StartInstances(acct, []string{inst.ID}))
	l.sync()
	l.pingOK(l.ns(client), inst.PrivateIP)
	l.pingOK(l.ns(client), eth1.PrivateIP)
	l.pingOK(l.ns(client), sec)
}

// Elastic IPs on a further interface and on a secondary address: the
// internet reaches each at its own private address, and the answers leave
// through the interface of that address and come back from the elastic
// IP.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AssociateAddress.html — NetworkInterfaceId with PrivateIpAddress (primary or secondary)
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html — one-to-one NAT between the private and the elastic IP
func TestElasticIPsOnFurtherInterfaces(t *testing.T) {
	l := newLab(t)
	v := l.vpc("10.0.0.0/16")
	sa, sb := l.subnet(v, "10.0.1.0/24"), l.subnet(v, "10.0.2.0/24")
	g := must[model.RuleSet](t)(createGroup(l.cloud, v.ID, "web", "web", nil))
	_, err := addGroupRules(l.cloud, g.ID, model.Ingress, []sgRule{{Protocol: "tcp", FromPort: 80, ToPort: 80, Prefix: anyIPv4}})
	l.ok(err)
	inst := l.instance(sa, g.ID)
	eth1 := l.attach(inst, sb, 1, g.ID)
	sec := must[[]netip.Addr](t)(l.cloud.AssignPrivateIPs(acct, inst.NetworkInterfaceID, nil, 1, false))[0]
	igw := must[model.InternetGateway](t)(l.cloud.CreateInternetGateway(acct, nil))
	l.ok(l.cloud.AttachInternetGateway(acct, igw.ID, v.ID))
	l.ok(l.cloud.CreateRoute(acct, v.MainRouteTableID, anyIPv4, model.Target{Kind: model.TargetInternetGateway, ID: igw.ID}))
	e1 := must[model.ElasticIP](t)(l.cloud.AllocateAddress(acct, nil))
	e2 := must[model.ElasticIP](t)(l.cloud.AllocateAddress(acct, nil))
	l.ok(l.cloud.AssociateAddressTo(acct, e1.ID, eth1.ID, netip.Addr{}))
	l.ok(l.cloud.AssociateAddressTo(acct, e2.ID, inst.NetworkInterfaceID, sec))
	l.sync()
	l.serve(l.ns(inst), eth1.PrivateIP, 80)
	l.serve(l.ns(inst), sec, 80)
	l.tcpOK(l.r.internetNS(), e1.PublicIP, 80)
	l.tcpOK(l.r.internetNS(), e2.PublicIP, 80)
	l.tcpFails(l.r.internetNS(), eth1.PrivateIP, 80) // the private address is not on the internet

	// Unassigning the secondary address takes its elastic IP's mapping.
	l.ok(l.cloud.UnassignPrivateIPs(acct, inst.NetworkInterfaceID, []netip.Addr{sec}))
	l.sync()
	l.tcpFails(l.r.internetNS(), e2.PublicIP, 80)
	l.tcpOK(l.r.internetNS(), e1.PublicIP, 80)
}
