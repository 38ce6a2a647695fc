package realize

import (
	"net/netip"
	"os"
	"testing"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/emulator/netns"
)

// TestIngressRouting: with a route table associated with the internet
// gateway sending the web subnet to an appliance's interface, a client
// on the internet reaches the web instance's elastic IP through the
// appliance, which sees the flow with the client's own address (its
// connection table holds it, both directions); with the appliance's
// forwarding off the client no longer gets through, and without the
// edge association it reaches the web instance directly again.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/gateway-route-tables.html — traffic entering through the internet gateway is routed to a middlebox appliance
func TestIngressRouting(t *testing.T) {
	l := newLab(t)
	v := l.vpc("10.0.0.0/16")
	web, app := l.subnet(v, "10.0.1.0/24"), l.subnet(v, "10.0.2.0/24")
	g := l.openGroup(v, "open", "0.0.0.0/0")
	w, x := l.instance(web, g.ID), l.instance(app, g.ID)
	l.ok(l.cloud.SetSourceDestCheck(acct, x.ID, false))
	igw := must[model.InternetGateway](t)(l.cloud.CreateInternetGateway(acct, nil))
	l.ok(l.cloud.AttachInternetGateway(acct, igw.ID, v.ID))
	eip := must[model.ElasticIP](t)(l.cloud.AllocateAddress(acct, nil))
	l.ok(l.cloud.AssociateAddress(acct, eip.ID, w.ID))
	// The appliance's subnet goes to the internet; the web subnet's
	// default route is the appliance.
	rtApp := must[model.RouteTable](t)(l.cloud.CreateRouteTable(acct, v.ID, nil))
	must[model.RouteTableAssociation](t)(l.cloud.AssociateRouteTable(acct, rtApp.ID, app.ID))
	l.ok(l.cloud.CreateRoute(acct, rtApp.ID, anyIPv4, model.Target{Kind: model.TargetInternetGateway, ID: igw.ID}))
	rtWeb := must[model.RouteTable](t)(l.cloud.CreateRouteTable(acct, v.ID, nil))
	must[model.RouteTableAssociation](t)(l.cloud.AssociateRouteTable(acct, rtWeb.ID, web.ID))
	l.ok(l.cloud.CreateRoute(acct, rtWeb.ID, anyIPv4, model.Target{Kind: model.TargetNetworkInterface, ID: x.NetworkInterfaceID}))
	edge := must[model.RouteTable](t)(l.cloud.CreateRouteTable(acct, v.ID, nil))
	l.ok(l.cloud.CreateRoute(acct, edge.ID, web.Prefix, model.Target{Kind: model.TargetNetworkInterface, ID: x.NetworkInterfaceID}))
	a := must[model.RouteTableAssociation](t)(l.cloud.AssociateRouteTableGateway(acct, edge.ID, igw.ID))
	l.sync()

	inet := l.r.internetNS()
	l.serve(l.ns(w), w.PrivateIP, 80)
	l.tcpOK(inet, eip.PublicIP, 80)
	if src, ok := applianceSaw(t, l.ns(x), w.PrivateIP, 80); !ok {
		t.Fatalf("the appliance's connection table has no flow to %s:80: the gateway route table did not send it there", w.PrivateIP)
	} else if !src.IsValid() || netip.MustParsePrefix("10.0.0.0/16").Contains(src) {
		t.Fatalf("the appliance saw the flow from %s, want the internet client's address", src)
	}

	// The appliance stops forwarding: the gateway's traffic for the web
	// subnet goes nowhere else.
	setForwarding(t, l.ns(x), false)
	l.tcpFails(inet, eip.PublicIP, 80)
	setForwarding(t, l.ns(x), true)
	l.tcpOK(inet, eip.PublicIP, 80)

	// With the local route's target replaced by the appliance instead of
	// the subnet route, the whole VPC's inbound traffic crosses it.
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/replace-local-route-target.html — the local route of a gateway route table may target a network interface
	l.ok(l.cloud.DeleteRoute(acct, edge.ID, web.Prefix))
	l.ok(l.cloud.ReplaceRoute(acct, edge.ID, netip.MustParsePrefix("10.0.0.0/16"), model.Target{Kind: model.TargetNetworkInterface, ID: x.NetworkInterfaceID}))
	l.sync()
	l.forgetFlows(l.ns(x))
	l.tcpOK(inet, eip.PublicIP, 80)
	if _, ok := applianceSaw(t, l.ns(x), w.PrivateIP, 80); !ok {
		t.Fatal("with the local route to the appliance the flow did not cross it")
	}
	setForwarding(t, l.ns(x), false)
	l.tcpFails(inet, eip.PublicIP, 80)
	setForwarding(t, l.ns(x), true)

	// Without the edge association (and the web subnet's default route
	// back on the gateway) the web instance is reached directly.
	l.ok(l.cloud.DisassociateRouteTable(acct, a.ID))
	l.ok(l.cloud.ReplaceRoute(acct, rtWeb.ID, anyIPv4, model.Target{Kind: model.TargetInternetGateway, ID: igw.ID}))
	l.sync()
	setForwarding(t, l.ns(x), false)
	l.forgetFlows(l.ns(x))
	l.tcpOK(inet, eip.PublicIP, 80)
	if _, ok := applianceSaw(t, l.ns(x), w.PrivateIP, 80); ok {
		t.Fatal("without the edge association the flow still crossed the appliance")
	}
}

// applianceSaw looks for a flow to dst:port in namespace ns's connection
// table and returns its source address.
func applianceSaw(t *testing.T, ns string, dst netip.Addr, port uint16) (netip.Addr, bool) {
	t.Helper()
	h, err := netns.Open(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	nl, err := netlink.NewHandleAt(h)
	if err != nil {
		t.Fatal(err)
	}
	defer nl.Close()
	flows, err := nl.ConntrackTableList(netlink.ConntrackTable, unix.AF_INET)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range flows {
		d, _ := netip.AddrFromSlice(f.Forward.DstIP)
		if d.Unmap() == dst && f.Forward.DstPort == port {
			s, _ := netip.AddrFromSlice(f.Forward.SrcIP)
			return s.Unmap(), true
		}
	}
	return netip.Addr{}, false
}

// setForwarding turns IPv4 forwarding in namespace ns on or off.
func setForwarding(t *testing.T, ns string, on bool) {
	t.Helper()
	v := "0"
	if on {
		v = "1"
	}
	if err := netns.Do(ns, func() error { return os.WriteFile("/proc/sys/net/ipv4/ip_forward", []byte(v), 0o644) }); err != nil {
		t.Fatal(err)
	}
}
