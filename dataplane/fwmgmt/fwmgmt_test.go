package fwmgmt

import (
	"context"
	"errors"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/dataplane/firewall"
	"github.com/mcnlab/mcnlab/dataplane/l7proxy"
	"github.com/mcnlab/mcnlab/dataplane/policy"
)

// fakeEngine records the last policy and answers fixed counters.
type fakeEngine struct{ cfg firewall.Config }

func (f *fakeEngine) Apply(c firewall.Config) error { f.cfg = c; return nil }
func (f *fakeEngine) Counters() (firewall.Counts, error) {
	return firewall.Counts{Rules: map[string]policy.Count{"1": {Packets: 3, Bytes: 180}}, Default: policy.Count{Packets: 5, Bytes: 420}}, nil
}
func (f *fakeEngine) Flows() ([]firewall.Flow, error) { return make([]firewall.Flow, 2), nil }
func (f *fakeEngine) Decisions() ([]l7proxy.Decision, error) {
	return []l7proxy.Decision{{Request: l7proxy.Request{Protocol: l7proxy.HTTP, Path: "/admin"}, Status: 403, Denied: true, Rule: "2"},
		{Request: l7proxy.Request{Protocol: l7proxy.HTTP, Path: "/ok"}, Status: 200}}, nil
}

// TestAPI pushes a policy over the socket, reads it back with its
// counters, and has a bad policy refused without a change.
func TestAPI(t *testing.T) {
	eng := &fakeEngine{}
	sock := filepath.Join(t.TempDir(), "fw.sock")
	srv, err := Listen(sock, NewBackend("i-1", eng), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c := NewClient(sock)
	defer c.Close()
	ctx := context.Background()
	want := Config{Rules: []Rule{{Name: "1", Action: "deny", Protocol: "tcp", DstPort: 22, Src: netip.MustParsePrefix("10.1.0.0/16")}}, Default: "allow"}
	if _, err := c.PutConfig(ctx, want); err != nil {
		t.Fatal(err)
	}
	r := eng.cfg.Rules[0]
	if r.Action != firewall.Deny || r.Proto != policy.ProtoTCP || r.DstPort != policy.Port(22) || r.Src != want.Rules[0].Src {
		t.Errorf("engine got %+v", eng.cfg)
	}
	st, err := c.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Name != "i-1" || st.Boot == "" || len(st.Rules) != 1 || st.Rules[0].Packets != 3 || st.DefaultCount.Packets != 5 || st.Connections != 2 {
		t.Errorf("status %+v", st)
	}
	bad := Config{Rules: []Rule{{Name: "x", Action: "deny", Protocol: "icmp", DstPort: 22}}}
	if _, err := c.PutConfig(ctx, bad); err == nil || !strings.Contains(err.Error(), "HTTP 400") {
		t.Errorf("bad policy: %v", err)
	}
	if got, _ := c.Config(ctx); len(got.Rules) != 1 || got.Rules[0] != want.Rules[0] {
		t.Errorf("config after a refused one: %+v", got)
	}
}

// TestL7Config: with engine l7 the http and tls rules go to the l7
// engine (the others stay stateful), the status counts each rule's
// requests from the decisions, and an http rule without engine l7, or a
// host on a tcp rule, is refused.
func TestL7Config(t *testing.T) {
	eng := &fakeEngine{}
	b := NewBackend("i-1", eng)
	cfg := Config{EngineName: EngineL7, Resolvers: []netip.Addr{netip.MustParseAddr("10.10.0.2")}, Rules: []Rule{
		{Name: "1", Action: "deny", Protocol: "tcp", DstPort: 22},
		{Name: "2", Action: "deny", Protocol: "http", Host: "www.example.com", Path: "/admin*"},
		{Name: "3", Action: "deny", Protocol: "tls", SNI: "blocked.example.net"},
	}}
	if _, err := b.Apply(cfg); err != nil {
		t.Fatal(err)
	}
	l7 := eng.cfg.L7
	if len(eng.cfg.Rules) != 1 || l7 == nil || len(l7.Rules) != 2 || l7.Resolvers[0] != cfg.Resolvers[0] ||
		l7.Rules[0] != (l7proxy.Rule{Name: "2", Deny: true, Protocol: l7proxy.HTTP, Host: "www.example.com", Path: "/admin*"}) ||
		l7.Rules[1] != (l7proxy.Rule{Name: "3", Deny: true, Protocol: l7proxy.TLS, SNI: "blocked.example.net"}) {
		t.Errorf("engine got %+v, l7 %+v", eng.cfg, l7)
	}
	st, err := b.Status()
	if err != nil {
		t.Fatal(err)
	}
	if st.Engine != EngineL7 || st.L7 == nil || st.L7.Passed != 1 || len(st.L7.Decisions) != 2 || st.Rules[1].Requests != 1 || st.Rules[2].Requests != 0 {
		t.Errorf("status %+v, l7 %+v", st, st.L7)
	}
	for _, bad := range []Config{
		{Rules: []Rule{{Name: "2", Action: "deny", Protocol: "http"}}},
		{EngineName: EngineL7, Rules: []Rule{{Name: "1", Action: "deny", Protocol: "tcp", Host: "a.example"}}},
		{EngineName: "l8"},
	} {
		if _, err := b.Apply(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("%+v: %v, want ErrInvalid", bad, err)
		}
	}
}

// TestEgressGateways: an egress's gateways reach the engine with their
// MAC addresses parsed; a malformed MAC is refused as ErrInvalid.
func TestEgressGateways(t *testing.T) {
	eng := &fakeEngine{}
	b := NewBackend("i-1", eng)
	gw := netip.MustParseAddr("10.10.1.10")
	cfg := Config{Rules: []Rule{}, Egress: &Egress{LAN: "eth0", Interface: "eth1", Gateways: []Gateway{{Address: gw, MAC: "02:aa:00:00:00:01"}}}}
	if _, err := b.Apply(cfg); err != nil {
		t.Fatal(err)
	}
	if e := eng.cfg.Egress; e == nil || len(e.Gateways) != 1 || e.Gateways[0].Addr != gw || e.Gateways[0].MAC.String() != "02:aa:00:00:00:01" {
		t.Errorf("engine's egress: %+v", eng.cfg.Egress)
	}
	cfg.Egress.Gateways[0].MAC = "02:aa"
	if _, err := b.Apply(cfg); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "egress gateway 0") {
		t.Errorf("a malformed MAC: %v, want ErrInvalid naming the gateway", err)
	}
}
