package egressmgmt

import (
	"context"
	"net"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mcnlab/mcnlab/dataplane/egress"
)

// fakeFilter records the policy and what it learned, and logs one
// decision.
type fakeFilter struct {
	mu      sync.Mutex
	policy  egress.Policy
	learned map[string][]netip.Addr
}

func (f *fakeFilter) SetPolicy(p egress.Policy) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.policy = p
	return nil
}

func (f *fakeFilter) Learn(name string, addrs []netip.Addr) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.learned[name] = addrs
	return nil
}

func (f *fakeFilter) Log() []egress.Entry {
	return []egress.Entry{{Src: netip.MustParseAddrPort("10.3.1.10:40000"), Dst: netip.MustParseAddrPort("192.0.2.20:443"), Proto: egress.ProtoTCP,
		Name: "blocked.example.net", By: "sni", Decision: egress.Decision{Verdict: egress.Deny, Rule: "base allow-list"}}}
}

// TestAPI pushes a policy over the socket, reads it back with the log and
// status, and has a bad policy refused without a change.
func TestAPI(t *testing.T) {
	f := &fakeFilter{learned: map[string][]netip.Addr{}}
	counts := &Counts{}
	b := NewBackend("i-1", f, counts, Config{})
	sock := filepath.Join(t.TempDir(), "eg.sock")
	srv, err := Listen(sock, b, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c := NewClient(sock)
	defer c.Close()
	ctx := context.Background()
	want := Config{Base: "deny-list", Tags: []Tag{{Name: "dev", Sources: []netip.Prefix{netip.MustParsePrefix("10.3.1.0/24")},
		Rules: []Rule{{FQDN: "api.example.com", Protocol: "tcp", Port: 443}, {FQDN: "*.example.com", Action: "allow"}}}}}
	if _, err := c.PutConfig(ctx, want); err != nil {
		t.Fatal(err)
	}
	p := f.policy
	if p.Base != egress.DenyList || len(p.Tags) != 1 || p.Tags[0].Rules[0] != (egress.Rule{Name: "api.example.com", Proto: egress.ProtoTCP, Port: 443}) ||
		p.Tags[0].Rules[1] != (egress.Rule{Name: "*.example.com", Action: egress.ActionAllow}) {
		t.Errorf("filter got %+v", p)
	}
	for _, bad := range []Config{{Base: "allow-all"}, {Tags: []Tag{{Name: "x", Rules: []Rule{{FQDN: "API.example.com"}}}}},
		{Tags: []Tag{{Name: "x", Rules: []Rule{{FQDN: "a.example.com", Action: "drop"}}}}}} {
		if _, err := c.PutConfig(ctx, bad); err == nil || !strings.Contains(err.Error(), "HTTP 400") {
			t.Errorf("bad policy %+v: %v", bad, err)
		}
	}
	if got, _ := c.Config(ctx); got.Base != "deny-list" || len(got.Tags) != 1 {
		t.Errorf("config after refused ones: %+v", got)
	}
	log, err := c.Log(ctx)
	if err != nil || len(log) != 1 || log[0].Verdict != "deny" || log[0].Rule != "base allow-list" || log[0].Proto != "tcp" || log[0].Name != "blocked.example.net" {
		t.Errorf("log = %+v, %v", log, err)
	}
	counts.Record(egress.Entry{Decision: egress.Decision{Verdict: egress.Allow}})
	st, err := c.Status(ctx)
	if err != nil || st.Name != "i-1" || st.Boot == "" || st.Base != "deny-list" || st.Allowed != 1 || st.Denied != 0 {
		t.Errorf("status = %+v, %v", st, err)
	}
}

// TestResolveLearnsExactNames: the backend resolves the exact rule names
// (not the wildcards) through the policy's resolver and teaches the
// filter their addresses.
func TestResolveLearnsExactNames(t *testing.T) {
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var asked sync.Map
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		q := r.Question[0]
		asked.Store(q.Name, true)
		if q.Qtype == dns.TypeA && q.Name == "greeter.example.org." {
			rr, _ := dns.NewRR("greeter.example.org. 60 IN A 192.0.2.30")
			m.Answer = append(m.Answer, rr)
		}
		w.WriteMsg(m)
	})}
	go srv.ActivateAndServe()
	defer srv.Shutdown()
	f := &fakeFilter{learned: map[string][]netip.Addr{}}
	b := NewBackend("i-1", f, nil, Config{})
	b.dnsPort = uint16(pc.LocalAddr().(*net.UDPAddr).Port)
	if _, err := b.Apply(Config{Resolver: netip.MustParseAddr("127.0.0.1"), Tags: []Tag{{Name: "dev",
		Rules: []Rule{{FQDN: "greeter.example.org", Protocol: "tcp", Port: 2222}, {FQDN: "*.example.com"}}}}}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); b.Resolve(ctx, time.Hour) }()
	defer func() { cancel(); <-done }()
	for deadline := time.Now().Add(5 * time.Second); ; {
		f.mu.Lock()
		got := f.learned["greeter.example.org"]
		f.mu.Unlock()
		if len(got) == 1 && got[0] == netip.MustParseAddr("192.0.2.30") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("learned %v, want greeter.example.org at 192.0.2.30", f.learned)
		}
		time.Sleep(10 * time.Millisecond) // polling the backend's goroutine, bounded
	}
	if _, ok := asked.Load("*.example.com."); ok {
		t.Error("the wildcard was asked for")
	}
	if st := b.Status(); len(st.Learned["greeter.example.org"]) != 1 {
		t.Errorf("status learned %v", st.Learned)
	}
}
