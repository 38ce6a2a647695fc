package realize

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

// New refuses uplinks it must not touch or that would collide in the
// internet, naming the uplink and what is valid, before it touches the
// kernel (so without root).
func TestUplinksChecked(t *testing.T) {
	c := model.New()
	c.AddAccount(model.Account{ID: acct, Limits: model.DefaultLimits()})
	pfx := netip.MustParsePrefix
	up := func(name, ns, ifname, addr string) Uplink {
		u := Uplink{Name: name, Namespace: ns, Interface: ifname}
		if addr != "" {
			u.Address = pfx(addr)
		}
		return u
	}
	ok := up("dc1", "mcn-t-site", "wan0", "198.51.100.2/30")
	const hint = "give a /30 of 198.51.100.0/24, as 198.51.100.2/30 (the internet's end is then 198.51.100.1)"
	for _, tc := range []struct {
		name     string
		uplinks  []Uplink
		circuits []Circuit
		want     string
	}{
		{"no name", []Uplink{up("", "mcn-t-site", "wan0", "198.51.100.2/30")}, nil, "uplink: an uplink needs a name"},
		{"root namespace", []Uplink{up("dc1", "default", "wan0", "198.51.100.2/30")}, nil,
			`uplink dc1: namespace "default" is not a lab namespace (mcn-...)`},
		{"namespace escapes", []Uplink{up("dc1", "mcn-../x", "wan0", "198.51.100.2/30")}, nil,
			`uplink dc1: namespace "mcn-../x" is not a lab namespace (mcn-...)`},
		{"long interface", []Uplink{up("dc1", "mcn-t-site", "a-very-long-interface", "198.51.100.2/30")}, nil,
			`uplink dc1: "a-very-long-interface" is not an interface name (1 to 15 bytes, no '/', ':' or spaces)`},
		{"no address", []Uplink{up("dc1", "mcn-t-site", "wan0", "")}, nil,
			"uplink dc1: address invalid Prefix is not an IPv4 address with a prefix length; " + hint},
		{"IPv6", []Uplink{up("dc1", "mcn-t-site", "wan0", "2001:db8::2/64")}, nil,
			"uplink dc1: address 2001:db8::2/64 is not an IPv4 address with a prefix length; " + hint},
		{"/31", []Uplink{up("dc1", "mcn-t-site", "wan0", "198.51.100.2/31")}, nil,
			"uplink dc1: 198.51.100.2/31 is longer than a /30, which leaves no room for the internet's end; " + hint},
		{"the internet's end", []Uplink{up("dc1", "mcn-t-site", "wan0", "198.51.100.1/30")}, nil,
			"uplink dc1: 198.51.100.1 is the first usable address of 198.51.100.0/30, the internet's end; take another (as 198.51.100.2)"},
		{"network address", []Uplink{up("dc1", "mcn-t-site", "wan0", "198.51.100.4/30")}, nil,
			"uplink dc1: 198.51.100.4 is the network or broadcast address of 198.51.100.4/30; " + hint},
		{"broadcast address", []Uplink{up("dc1", "mcn-t-site", "wan0", "198.51.100.7/30")}, nil,
			"uplink dc1: 198.51.100.7 is the network or broadcast address of 198.51.100.4/30; " + hint},
		{"elastic IPs", []Uplink{up("dc1", "mcn-t-site", "wan0", "203.0.113.6/30")}, nil,
			"uplink dc1: 203.0.113.4/30 overlaps 203.0.113.0/24, the elastic IP pool (TEST-NET-3); " + hint},
		{"the internet server", []Uplink{up("dc1", "mcn-t-site", "wan0", "192.0.0.2/16")}, nil,
			"uplink dc1: 192.0.0.0/16 overlaps 192.0.2.0/24, the emulated internet's servers (TEST-NET-1); " + hint},
		{"internal links", []Uplink{up("dc1", "mcn-t-site", "wan0", "198.19.0.2/30")}, nil,
			"uplink dc1: 198.19.0.0/30 overlaps 198.18.0.0/15, the lab's internal links; " + hint},
		{"private", []Uplink{up("dc1", "mcn-t-site", "wan0", "10.9.0.2/30")}, nil,
			"uplink dc1: 10.9.0.0/30 overlaps 10.0.0.0/8, private space (RFC 1918), where VPCs live; " + hint},
		{"same name twice", []Uplink{ok, up("dc1", "mcn-t-site2", "wan0", "198.51.100.6/30")}, nil,
			"uplink dc1: two uplinks have that name"},
		{"one namespace twice", []Uplink{ok, up("dc2", "mcn-t-site", "wan1", "198.51.100.6/30")}, nil,
			"uplink dc2: namespace mcn-t-site has uplink dc1 already (one per site: it holds the default route)"},
		{"overlapping prefixes", []Uplink{ok, up("dc2", "mcn-t-site2", "wan0", "198.51.100.2/29")}, nil,
			"uplink dc2: 198.51.100.0/29 overlaps uplink dc1's 198.51.100.0/30; give each uplink a /30 of its own in 198.51.100.0/24"},
		{"same prefix", []Uplink{ok, up("dc2", "mcn-t-site2", "wan0", "198.51.100.2/30")}, nil,
			"uplink dc2: 198.51.100.0/30 overlaps uplink dc1's 198.51.100.0/30; give each uplink a /30 of its own in 198.51.100.0/24"},
		{"internet interface twice", []Uplink{ok, up("u-is-long-name", "mcn-t-site2", "wan0", "198.51.100.6/30"), up("1", "mcn-t-site3", "wan0", "198.51.100.10/30")}, nil,
			"uplink 1: its internet interface u-1 is uplink u-is-long-name's; rename one"},
		{"a circuit's end", []Uplink{ok}, []Circuit{{Name: "line", Account: acct, Namespace: "mcn-t-site", Interface: "wan0"}},
			"uplink dc1: interface wan0 in mcn-t-site is the end of circuit line"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		r, err := New(ctx, c, Options{Lab: "t", Uplinks: tc.uplinks, Circuits: tc.circuits})
		cancel()
		if err == nil {
			r.Close()
			t.Errorf("%s: New accepted %+v", tc.name, tc.uplinks)
			continue
		}
		if want := "realize lab t: " + tc.want; err.Error() != want {
			t.Errorf("%s: New: %v\nwant        %s", tc.name, err, want)
		}
		if err := CheckUplinks(tc.uplinks); tc.circuits == nil && (err == nil || err.Error() != tc.want) {
			t.Errorf("%s: CheckUplinks: %v, want %s", tc.name, err, tc.want)
		}
	}
	if len(c.DXConnections(acct)) != 0 {
		t.Errorf("a refused New provisioned connections: %+v", c.DXConnections(acct))
	}
}

// The plan, without root: uplinks name their internet end after the
// uplink (or its index when the name does not fit in an interface name),
// give it the prefix's first usable address, and ask for the internet
// namespace without any internet gateway.
func TestPlanUplinks(t *testing.T) {
	us, err := planUplinks([]Uplink{
		{Name: "dc1", Namespace: "mcn-t-a", Interface: "wan0", Address: netip.MustParsePrefix("198.51.100.2/30")},
		{Name: "frankfurt-datacenter", Namespace: "mcn-t-b", Interface: "wan0", Address: netip.MustParsePrefix("198.51.100.70/26")},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, u := range us {
		got = append(got, u.ifInet+" "+u.inet.String())
	}
	if want := []string{"u-dc1 198.51.100.1/30", "u-1 198.51.100.65/26"}; !slices.Equal(got, want) {
		t.Errorf("internet ends = %q, want %q", got, want)
	}
	c := model.New()
	c.AddAccount(model.Account{ID: acct, Limits: model.DefaultLimits()})
	r := &Realizer{opts: Options{Lab: "t"}, links: map[string]int{}, uplinks: us}
	p, err := r.buildPlan(takeSnapshot(c))
	if err != nil {
		t.Fatal(err)
	}
	if !p.internet {
		t.Error("uplinks without an internet gateway: no internet planned")
	}
	r.uplinks = nil
	if p, err := r.buildPlan(takeSnapshot(c)); err != nil || p.internet {
		t.Errorf("no uplinks, no internet gateway: internet planned = %v (%v)", p.internet, err)
	}
}

// An on-prem site with an uplink, as an edge gateway uses it: before any
// cloud exists, the site has its interface, address and default route and
// reaches the internet server. With a VPC whose internet gateway maps an
// elastic IP to an instance (security group admitting ICMP and UDP), a
// ping from the site to the elastic IP reaches the instance and is
// answered, a UDP datagram to the elastic IP's port 51820 reaches it from
// the site's public address, and the instance reaches the site; the
// instance's private address is unreachable from the site. Detaching the
// internet gateway takes the elastic IP off the internet, and the uplink
// stays. Closing the
// realizer removes the site's interface and leaves its namespace.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html — the internet gateway maps the elastic IP one to one to the instance's private address; the internet sees the elastic IP only
func TestUplink(t *testing.T) {
	roottest.Require(t)
	site := roottest.NewNamespaces(t, "site")[0]
	const wan = "wan0"
	public := netip.MustParsePrefix("198.51.100.6/30")
	inetEnd := netip.MustParseAddr("198.51.100.5")
	t.Cleanup(func() {
		// Runs after the realizer closed, before the namespace goes.
		if !netns.Exists(site.Name) {
			t.Errorf("the site's namespace %s was deleted", site.Name)
		}
		if up, _ := siteLink(t, site, wan); up {
			t.Errorf("%s still has %s after the realizer closed", site.Name, wan)
		}
	})
	l := newLabWith(t, func(o *Options) {
		o.Uplinks = []Uplink{{Name: "dc1", Namespace: site.Name, Interface: wan, Address: public}}
	})

	k, err := site.NL.LinkByName(wan)
	if err != nil {
		t.Fatalf("no %s in the site after New: %v", wan, err)
	}
	if k.Attrs().OperState != netlink.OperUp && k.Attrs().Flags&net.FlagUp == 0 {
		t.Errorf("%s is down", wan)
	}
	addrs, err := site.NL.AddrList(k, netlink.FAMILY_V4)
	l.ok(err)
	if len(addrs) != 1 || addrs[0].IPNet.String() != public.String() {
		t.Errorf("%s addresses = %v, want %s", wan, addrs, public)
	}
	routes, err := site.NL.RouteList(k, netlink.FAMILY_V4)
	l.ok(err)
	if !slices.ContainsFunc(routes, func(r netlink.Route) bool {
		return (r.Dst == nil || r.Dst.String() == "0.0.0.0/0") && r.Gw.Equal(net.IP(inetEnd.AsSlice()))
	}) {
		t.Errorf("%s routes = %v; want a default route via %s", wan, routes, inetEnd)
	}
	l.pingOK(site.Name, InternetServer)

	v := l.vpc("10.0.0.0/16")
	g := must[model.RuleSet](t)(createGroup(l.cloud, v.ID, "edge", "tunnel from on-prem", nil))
	must[[]model.Rule](t)(addGroupRules(l.cloud, g.ID, model.Ingress, []sgRule{
		{Protocol: "icmp", FromPort: -1, ToPort: -1, Prefix: netip.MustParsePrefix("0.0.0.0/0")},
		{Protocol: "udp", FromPort: 51820, ToPort: 51820, Prefix: netip.MustParsePrefix("0.0.0.0/0")}}))
	i := l.instance(l.subnet(v, "10.0.1.0/24"), g.ID)
	igw := must[model.InternetGateway](t)(l.cloud.CreateInternetGateway(acct, nil))
	l.ok(l.cloud.AttachInternetGateway(acct, igw.ID, v.ID))
	l.ok(l.cloud.CreateRoute(acct, v.MainRouteTableID, anyIPv4, model.Target{Kind: model.TargetInternetGateway, ID: igw.ID}))
	eip := must[model.ElasticIP](t)(l.cloud.AllocateAddress(acct, nil))
	l.ok(l.cloud.AssociateAddress(acct, eip.ID, i.ID))
	l.sync()

	atI := echoRequests(t, l.ns(i), public.Addr())
	l.pingOK(site.Name, eip.PublicIP)
	if n := atI(); n == 0 {
		t.Fatalf("%s answered, but the instance saw no echo request from %s", eip.PublicIP, public.Addr())
	}
	if from := udpArrives(t, site.Name, l.ns(i), eip.PublicIP, 51820); from != public.Addr() {
		t.Errorf("a datagram from the site to %s:51820 reached the instance from %s, want the site's %s", eip.PublicIP, from, public.Addr())
	}
	l.pingOK(l.ns(i), public.Addr()) // the instance reaches the site, as its elastic IP

	// The private address is not on the internet: the internet says so.
	if err := udpRefused(site.Name, i.PrivateIP, 51820); !errors.Is(err, syscall.ENETUNREACH) {
		t.Errorf("a datagram from the site to %s:51820: %v; want %v from the internet", i.PrivateIP, err, syscall.ENETUNREACH)
	}
	atI = echoRequests(t, l.ns(i), public.Addr())
	l.pingFails(site.Name, i.PrivateIP)
	if n := atI(); n != 0 {
		t.Errorf("%d echo requests from the site reached the instance at its private address", n)
	}

	// Without the internet gateway the elastic IP is gone from the
	// internet, which stays for the site.
	l.ok(l.cloud.DetachInternetGateway(acct, igw.ID, v.ID))
	l.sync()
	l.pingOK(site.Name, InternetServer)
	l.pingFails(site.Name, eip.PublicIP)
}

// udpArrives sends datagrams from namespace from to dst:port until one
// reaches a listener on that port in namespace to (or 5 s pass), and
// returns the source address the listener saw.
func udpArrives(t *testing.T, from, to string, dst netip.Addr, port int) netip.Addr {
	t.Helper()
	var ln *net.UDPConn
	if err := netns.Do(to, func() error {
		var err error
		ln, err = net.ListenUDP("udp4", &net.UDPAddr{Port: port}) // the socket stays in to
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var c *net.UDPConn
	if err := netns.Do(from, func() error {
		var err error
		c, err = net.DialUDP("udp4", nil, net.UDPAddrFromAddrPort(netip.AddrPortFrom(dst, uint16(port))))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	b := make([]byte, 64)
	deadline := time.Now().Add(5 * time.Second)
	for try := 1; time.Now().Before(deadline); try++ {
		// A first datagram may wait on neighbour resolution: send again
		// until one arrives.
		if _, err := c.Write([]byte("hello " + strconv.Itoa(try))); err != nil {
			t.Fatalf("send to %s:%d from %s: %v", dst, port, from, err)
		}
		if err := ln.SetReadDeadline(time.Now().Add(500 * time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		_, src, err := ln.ReadFromUDPAddrPort(b)
		if err == nil {
			return src.Addr().Unmap()
		}
	}
	t.Fatalf("no datagram from %s reached %s:%d in %s", from, dst, port, to)
	return netip.Addr{}
}

// udpRefused sends a datagram from namespace ns to dst:port on a connected
// socket that takes every ICMP error (IP_RECVERR: by default a UDP socket
// reports only port and protocol unreachable) and returns the error the
// next read reports, or nil if nothing came back within 2 s.
func udpRefused(ns string, dst netip.Addr, port int) error {
	var c *net.UDPConn
	if err := netns.Do(ns, func() error {
		var err error
		c, err = net.DialUDP("udp4", nil, net.UDPAddrFromAddrPort(netip.AddrPortFrom(dst, uint16(port))))
		return err
	}); err != nil {
		return err
	}
	defer c.Close()
	raw, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := raw.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IP, syscall.IP_RECVERR, 1) }); err != nil {
		return err
	}
	if serr != nil {
		return fmt.Errorf("set IP_RECVERR: %w", serr)
	}
	if _, err := c.Write([]byte("hello")); err != nil {
		return err
	}
	if err := c.SetReadDeadline(time.Now().Add(2 * time.Second)); err != nil {
		return err
	}
	_, err = c.Read(make([]byte, 64))
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return nil
	}
	return err
}
