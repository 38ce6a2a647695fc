package firewall_test

import (
	"context"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/dataplane/firewall"
	"github.com/mcnlab/mcnlab/dataplane/l7proxy"
	"github.com/mcnlab/mcnlab/dataplane/policy"
)

// fakeProxy records what the engine asks of its L7 proxy.
type fakeProxy struct {
	running *l7proxy.Policy
	log     []string
}

func (f *fakeProxy) Apply(_ context.Context, p l7proxy.Policy) error {
	f.running = &p
	f.log = append(f.log, "apply")
	return nil
}
func (f *fakeProxy) Stop() error                            { f.running = nil; f.log = append(f.log, "stop"); return nil }
func (f *fakeProxy) Decisions() ([]l7proxy.Decision, error) { return nil, nil }
func (f *fakeProxy) Close() error                           { f.log = append(f.log, "close"); return nil }
func (f *fakeProxy) Up() error                              { f.log = append(f.log, "up"); return nil }
func (f *fakeProxy) Down() error                            { f.log = append(f.log, "down"); return nil }
func (f *fakeProxy) events() string                         { return strings.Join(f.log, " ") }

// l7Table is the table of noSSH with L7 rules.
const l7Table = `table inet mcn-firewall {
	counter default
	counter established
	counter invalid
	counter l7-http
	counter l7-tls
	counter rule-no-ssh
	counter rule-prod-to-shared
	chain forward { type filter hook forward priority 0; policy accept;
		jump rules
	}
	chain input { type filter hook input priority 0; policy accept;
		meta mark 0x4c37 jump rules
	}
	chain prerouting { type filter hook prerouting priority -150; policy accept;
		meta l4proto tcp socket transparent 1 meta mark set 0x4c37 accept
		meta l4proto tcp tcp dport 80 counter name "l7-http" meta mark set 0x4c37 meta nfproto ipv4 tproxy ip to :3129 accept
		meta l4proto tcp tcp dport 443 counter name "l7-tls" meta mark set 0x4c37 meta nfproto ipv4 tproxy ip to :3130 accept
	}
	chain rules {
		ct state established,related counter name "established" accept
		ct state invalid counter name "invalid" drop
		meta l4proto tcp tcp dport 22 counter name "rule-no-ssh" drop
		ip saddr 10.1.0.0/16 ip daddr 10.2.0.0/16 counter name "rule-prod-to-shared" accept
		counter name "default" accept
	}
}
`

// TestL7Table: with L7 rules the engine brings the routes and the proxy
// up before the table diverts tcp/80 and tcp/443 to it, the stateful
// rules judge forwarded and diverted packets alike, and without them it
// goes back to the plain table, then stops the proxy and its routes.
func TestL7Table(t *testing.T) {
	f := policy.NewFake()
	px := &fakeProxy{}
	cfg := noSSH
	cfg.L7 = &l7proxy.Policy{Rules: []l7proxy.Rule{{Name: "3", Deny: true, Protocol: l7proxy.HTTP, Path: "/admin*"}}}
	e, err := firewall.Start(f, fakeCT{}, cfg, firewall.WithL7(px, px))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.String(); got != l7Table {
		t.Errorf("table:\n%s\nwant:\n%s", got, l7Table)
	}
	if px.events() != "up apply" || px.running == nil || px.running.Rules[0].Path != "/admin*" {
		t.Errorf("proxy: %s, running %+v", px.events(), px.running)
	}
	if err := e.Apply(noSSH); err != nil {
		t.Fatal(err)
	}
	if f.String() != noSSHTable || px.events() != "up apply stop down" {
		t.Errorf("after dropping the L7 rules: %s\n%s", px.events(), f)
	}
	if err := e.Close(); err != nil || px.events() != "up apply stop down close down" {
		t.Errorf("Close = %v: %s", err, px.events())
	}
	if _, err := firewall.Start(policy.NewFake(), fakeCT{}, cfg); err == nil || !strings.Contains(err.Error(), "runs no L7 proxy") {
		t.Errorf("L7 rules without a proxy: %v", err)
	}
}
