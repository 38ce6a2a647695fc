package realize

import (
	"context"
	"errors"
	"io"
	"maps"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/emulator/probe"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

const acct = "111122223333"

// lab is one realizer over a fresh cloud, removed when the test ends.
type lab struct {
	t     testing.TB
	name  string
	cloud *model.Cloud
	r     *Realizer

	mu       sync.Mutex      // guards recorded
	recorded map[string]bool // namespaces recorded and not yet forgotten
}

// recordedNamespaces lists what Options.Record/Forget say exists, sorted.
func (l *lab) recordedNamespaces() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Sorted(maps.Keys(l.recorded))
}

// newLab starts a realizer over a fresh cloud; gatewayCommand, if given,
// is its Options.GatewayCommand.
func newLab(t testing.TB, gatewayCommand ...string) *lab {
	t.Helper()
	return newLabWith(t, func(o *Options) { o.GatewayCommand = gatewayCommand })
}

// newLabWith is newLab with options set by opt.
func newLabWith(t testing.TB, opt func(*Options)) *lab {
	t.Helper()
	c := model.New()
	c.AddAccount(model.Account{ID: acct, Limits: model.DefaultLimits()})
	return newLabOn(t, c, opt)
}

// newLabOn is newLabWith over a given cloud (with the accounts its
// options name).
func newLabOn(t testing.TB, c *model.Cloud, opt func(*Options)) *lab {
	t.Helper()
	roottest.Require(t)
	l := &lab{t: t, name: roottest.LabName(t, "rz"), cloud: c, recorded: map[string]bool{}}
	t.Cleanup(func() {
		// Whatever happened, nothing of the lab may stay.
		for _, ns := range roottest.Namespaces(l.name) {
			t.Errorf("namespace %s left behind", ns)
			_ = netns.Delete(ns)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	opts := Options{Lab: l.name,
		Record: func(ns string) error {
			l.mu.Lock()
			defer l.mu.Unlock()
			if netns.Exists(ns) {
				t.Errorf("namespace %s recorded after it was created", ns)
			}
			l.recorded[ns] = true
			return nil
		},
		Forget: func(ns string) {
			l.mu.Lock()
			defer l.mu.Unlock()
			delete(l.recorded, ns)
		},
	}
	opt(&opts)
	r, err := New(ctx, l.cloud, opts)
	if err != nil {
		t.Fatal(err)
	}
	l.r = r
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
		if err := r.Close(); err != nil {
			t.Errorf("second close: %v", err)
		}
		if rec := l.recordedNamespaces(); len(rec) > 0 {
			t.Errorf("namespaces recorded but never forgotten: %v", rec)
		}
	})
	return l
}

func must[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func (l *lab) ok(err error) {
	l.t.Helper()
	if err != nil {
		l.t.Fatal(err)
	}
}

// sync waits until every change so far is in force.
func (l *lab) sync() {
	l.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	l.ok(l.r.Sync(ctx))
}

func (l *lab) vpc(cidr string) model.Network {
	l.t.Helper()
	return must[model.Network](l.t)(l.cloud.CreateNetwork(acct, netip.MustParsePrefix(cidr), nil))
}

func (l *lab) subnet(n model.Network, cidr string) model.Subnet {
	l.t.Helper()
	return must[model.Subnet](l.t)(l.cloud.CreateSubnet(acct, n.ID, netip.MustParsePrefix(cidr), "az1", nil))
}

// openGroup allows everything from the prefix.
func (l *lab) openGroup(n model.Network, name, from string) model.RuleSet {
	l.t.Helper()
	g := must[model.RuleSet](l.t)(createGroup(l.cloud, n.ID, name, name, nil))
	_, err := addGroupRules(l.cloud, g.ID, model.Ingress, []sgRule{
		{Protocol: "-1", FromPort: -1, ToPort: -1, Prefix: netip.MustParsePrefix(from)}})
	l.ok(err)
	return g
}

func (l *lab) instance(s model.Subnet, groups ...string) model.Instance {
	l.t.Helper()
	is := must[[]model.Instance](l.t)(l.cloud.RunInstances(acct, model.LaunchSpec{SubnetID: s.ID, Count: 1, SecurityGroupIDs: groups}))
	return is[0]
}

func (l *lab) ns(i model.Instance) string { return l.r.instanceNS(i.Handle) }

// pingOK proves with echo replies that from reaches to; it allows a few
// tries for neighbour resolution.
func (l *lab) pingOK(from string, to netip.Addr) {
	l.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := probe.WaitReachable(ctx, from, to, 500*time.Millisecond); err != nil {
		l.t.Fatalf("%s should reach %s: %v", from, to, err)
	}
}

// pingFails proves that no echo reply comes back within a second, three
// times over. Every such check follows a positive control in its test.
func (l *lab) pingFails(from string, to netip.Addr) {
	l.t.Helper()
	p, err := probe.NewPinger(from)
	l.ok(err)
	defer p.Close()
	for seq := 1; seq <= 3; seq++ {
		if _, err := p.Ping(to, seq, time.Second/3); err == nil {
			l.t.Fatalf("%s reached %s, but it must not", from, to)
		}
	}
}

// serve accepts TCP connections on addr:port inside namespace ns until
// the test ends, greeting each with "hi".
func (l *lab) serve(ns string, addr netip.Addr, port int) {
	l.t.Helper()
	l.serveWith(ns, addr, port, func(net.Conn) []byte { return []byte("hi") })
}

// serveWhoami is serve answering each client with its source address as
// the server sees it.
func (l *lab) serveWhoami(ns string, addr netip.Addr, port int) {
	l.t.Helper()
	l.serveWith(ns, addr, port, func(c net.Conn) []byte {
		return []byte(c.RemoteAddr().(*net.TCPAddr).AddrPort().Addr().Unmap().String())
	})
}

// whoami asks a serveWhoami server from namespace ns who it is.
func (l *lab) whoami(ns string, addr netip.Addr, port int) netip.Addr {
	l.t.Helper()
	var b []byte
	l.ok(netns.Do(ns, func() error {
		c, err := net.DialTimeout("tcp4", net.JoinHostPort(addr.String(), strconv.Itoa(port)), 2*time.Second)
		if err != nil {
			return err
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(2 * time.Second))
		b, err = io.ReadAll(c)
		return err
	}))
	a, err := netip.ParseAddr(string(b))
	l.ok(err)
	return a
}

func (l *lab) serveWith(ns string, addr netip.Addr, port int, greeting func(net.Conn) []byte) {
	l.t.Helper()
	var ln net.Listener
	l.ok(netns.Do(ns, func() error {
		var err error
		ln, err = net.Listen("tcp4", net.JoinHostPort(addr.String(), strconv.Itoa(port)))
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
			c.Write(greeting(c))
			c.Close()
		}
	}()
	l.t.Cleanup(func() { ln.Close(); <-done })
}

// dial connects from namespace ns to addr:port and reads the greeting.
func dial(ns string, addr netip.Addr, port int, timeout time.Duration) error {
	return netns.Do(ns, func() error {
		c, err := net.DialTimeout("tcp4", net.JoinHostPort(addr.String(), strconv.Itoa(port)), timeout)
		if err != nil {
			return err
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(timeout))
		b := make([]byte, 2)
		if _, err := c.Read(b); err != nil {
			return err
		}
		if string(b) != "hi" {
			return errors.New("bad greeting")
		}
		return nil
	})
}

func (l *lab) tcpOK(ns string, addr netip.Addr, port int) {
	l.t.Helper()
	var err error
	for range 3 {
		if err = dial(ns, addr, port, 2*time.Second); err == nil {
			return
		}
	}
	l.t.Fatalf("%s should connect to %s:%d: %v", ns, addr, port, err)
}

func (l *lab) tcpFails(ns string, addr netip.Addr, port int) {
	l.t.Helper()
	if err := dial(ns, addr, port, time.Second); err == nil {
		l.t.Fatalf("%s connected to %s:%d, but it must not", ns, addr, port)
	}
}

// forgetFlows flushes the connection tracking table of namespace ns, so
// that the next probe is a new flow whatever identifier it draws.
func (l *lab) forgetFlows(ns string) {
	l.t.Helper()
	h, err := netns.Open(ns)
	l.ok(err)
	defer h.Close()
	nl, err := netlink.NewHandleAt(h)
	l.ok(err)
	defer nl.Close()
	l.ok(nl.ConntrackTableFlush(netlink.ConntrackTable))
}

// sgRule is a security group rule as the tests write it, in EC2's terms:
// for ICMP, FromPort and ToPort are the type and code.
type sgRule struct {
	Protocol         string
	FromPort, ToPort int
	Prefix           netip.Prefix
	GroupID          string
}

func (x sgRule) rule(dir model.Direction) model.Rule {
	r := model.Rule{Direction: dir, Action: model.Allow, Protocol: x.Protocol, FromPort: x.FromPort, ToPort: x.ToPort,
		ICMPType: -1, ICMPCode: -1, Peer: model.Peer{Prefix: x.Prefix, RuleSetID: x.GroupID}}
	if x.Protocol == "icmp" {
		r.FromPort, r.ToPort, r.ICMPType, r.ICMPCode = -1, -1, x.FromPort, x.ToPort
	}
	return r
}

func sgRules(dir model.Direction, rules []sgRule) []model.Rule {
	var out []model.Rule
	for _, x := range rules {
		out = append(out, x.rule(dir))
	}
	return out
}

// createGroup makes a security group (a rule set of that flavour).
func createGroup(c *model.Cloud, network, name, desc string, tags map[string]string) (model.RuleSet, error) {
	return c.CreateRuleSet(acct, model.RuleSetSpec{Flavor: model.FlavorSecurityGroup, NetworkID: network, Name: name, Description: desc, Tags: tags})
}

func addGroupRules(c *model.Cloud, group string, dir model.Direction, rules []sgRule) ([]model.Rule, error) {
	return c.AddRules(acct, model.FlavorSecurityGroup, group, sgRules(dir, rules))
}

func removeGroupRules(c *model.Cloud, group string, dir model.Direction, rules []sgRule) (removed, unknown []model.Rule, err error) {
	return c.RemoveRules(acct, model.FlavorSecurityGroup, group, model.RuleRemoval{Rules: sgRules(dir, rules)})
}
