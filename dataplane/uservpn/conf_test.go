package uservpn

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/dataplane/policy"
)

func validConfig(t *testing.T) Config {
	ca := newTestCA(t)
	cert, key := ca.issue(t, "gw1", "server", true, time.Now().Add(time.Hour))
	return Config{Name: "gw1", Pool: netip.MustParsePrefix("192.168.43.0/24"), Tunnel: TunnelSplit,
		Routes: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, Uplink: "eth0", CA: ca.pem, Cert: cert, Key: key,
		Profiles: map[string]Profile{"p": {Base: BaseDenyAll, Rules: []Rule{{CIDR: netip.MustParsePrefix("10.1.0.0/16"), Protocol: "tcp", Port: 443}}}}}
}

// TestConfHostileInput: every value that would end a line, open a quoted
// token or close an inline block is refused, naming its field, in both
// the server's and the client's configuration.
func TestConfHostileInput(t *testing.T) {
	good := validConfig(t)
	if _, err := ServerConf(good, "/run/mcnlab/l/vpn"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		mod  func(*Config)
		dir  string
		want string
	}{
		{"name with newline", func(c *Config) { c.Name = "gw1\nscript-security 3" }, "", `name "gw1\nscript-security 3"`},
		{"name with quote", func(c *Config) { c.Name = `gw"1` }, "", "name"},
		{"uplink with blank", func(c *Config) { c.Uplink = "eth0 up" }, "", "uplink"},
		{"pem with directive after", func(c *Config) { c.CA += "up /bin/sh\n" }, "", "ca: not PEM: text outside a block"},
		{"pem closing the inline block", func(c *Config) { c.Cert = "</cert>\n" + c.Cert }, "", "cert: not PEM"},
		{"pem with headers", func(c *Config) {
			c.Key = strings.Replace(c.Key, "KEY-----\n", "KEY-----\nProc-Type: 4,ENCRYPTED\n\n", 1)
		}, "", "key: not PEM"},
		{"empty key", func(c *Config) { c.Key = "" }, "", "key: empty"},
		{"tunnel", func(c *Config) { c.Tunnel = "both" }, "", `tunnel "both"`},
		{"pool with host bits", func(c *Config) { c.Pool = netip.MustParsePrefix("192.168.43.1/24") }, "", "pool"},
		{"profile name", func(c *Config) { c.Profiles["a b"] = Profile{Base: BaseAllowAll} }, "", `profile "a b"`},
		{"profile base", func(c *Config) { c.Profiles["p"] = Profile{Base: "allow"} }, "", `profile p: base "allow"`},
		{"port without protocol", func(c *Config) {
			c.Profiles["p"] = Profile{Base: BaseDenyAll, Rules: []Rule{{CIDR: netip.MustParsePrefix("10.0.0.0/8"), Port: 22}}}
		}, "", "a port needs tcp or udp"},
		{"directory with blank", func(*Config) {}, "/tmp/a b", "directory"},
		{"directory with dots", func(*Config) {}, "/tmp/../etc", "directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := good
			c.Profiles = map[string]Profile{"p": good.Profiles["p"]}
			tc.mod(&c)
			dir := tc.dir
			if dir == "" {
				dir = "/run/mcnlab/l/vpn"
			}
			_, err := ServerConf(c, dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ServerConf: %v, want an error with %q", err, tc.want)
			}
		})
	}
	p := ClientParams{Server: netip.MustParseAddr("203.0.113.5"), ServerName: "gw1", CA: good.CA, Cert: good.Cert, Key: good.Key}
	conf, err := ClientConf(p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(conf, "remote 203.0.113.5 1194\n") || !strings.Contains(conf, "verify-x509-name gw1 name\n") || strings.Count(conf, "</cert>") != 1 {
		t.Errorf("client configuration:\n%s", conf)
	}
	for _, bad := range []ClientParams{
		{Server: netip.MustParseAddr("203.0.113.5"), ServerName: "gw1\nup /bin/sh", CA: p.CA, Cert: p.Cert, Key: p.Key},
		{Server: netip.MustParseAddr("2001:db8::1"), ServerName: "gw1", CA: p.CA, Cert: p.Cert, Key: p.Key},
		{Server: p.Server, ServerName: "gw1", CA: p.CA, Cert: p.Cert + "</cert>\n<connection>\nremote evil\n</connection>\n", Key: p.Key},
		{Server: p.Server, ServerName: "gw1", CA: p.CA, Cert: p.Cert},
	} {
		if out, err := ClientConf(bad); err == nil {
			t.Errorf("ClientConf(%+v) accepted:\n%s", bad, out)
		}
	}
}

// TestManagementEvents reads OpenVPN's notifications, and refuses
// malformed ones: a bad ID, an environment line outside an event, a
// notification inside another's environment, too many variables.
func TestManagementEvents(t *testing.T) {
	var p eventParser
	var got *Event
	for _, l := range []string{">CLIENT:CONNECT,7,1", ">CLIENT:ENV,common_name=carol", ">CLIENT:ENV,X509_0_OU=contractor",
		">CLIENT:ENV,weird=a=b", ">CLIENT:ENV,END"} {
		ev, err := p.line(l)
		if err != nil {
			t.Fatal(err)
		}
		got = ev
	}
	if got == nil || got.Kind != EventConnect || got.CID != 7 || got.KID != 1 || got.Env["common_name"] != "carol" || got.Env["weird"] != "a=b" {
		t.Fatalf("event %+v", got)
	}
	for _, tc := range []struct {
		lines []string
		want  string
	}{
		{[]string{">CLIENT:CONNECT,x,1"}, "client id"},
		{[]string{">CLIENT:CONNECT,1"}, "CONNECT wants 3 fields"},
		{[]string{">CLIENT:DISCONNECT,1,2,3"}, "DISCONNECT wants 2 fields"},
		{[]string{">CLIENT:ENV,a=b"}, "outside an event"},
		{[]string{">CLIENT:CONNECT,1,1", ">CLIENT:DISCONNECT,1"}, "before the environment of client 1 ended"},
		{[]string{">CLIENT:CONNECT,1,1", ">CLIENT:ENV,novalue"}, "no name=value"},
		{[]string{">CLIENT:CONNECT,18446744073709551616,1"}, "client id"},
	} {
		var p eventParser
		var err error
		for _, l := range tc.lines {
			if _, err = p.line(l); err != nil {
				break
			}
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.lines, err, tc.want)
		}
	}
	var big eventParser
	_, _ = big.line(">CLIENT:CONNECT,1,1")
	var err error
	for i := 0; i <= maxEnv && err == nil; i++ {
		_, err = big.line(fmt.Sprintf(">CLIENT:ENV,v%d=1", i))
	}
	if err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("no limit on variables: %v", err)
	}
	if got := denyCommand(&Event{CID: 1, KID: 2}, "bad \"name\"\nclient-kill 3"); got != `client-deny 1 2 "bad _name__client-kill 3"` {
		t.Errorf("deny command %q", got)
	}
}

// TestTableRules: the contractor's chain allows its rule and drops the
// rest; an allow-all profile's rules drop; a session's address jumps to
// its chain, and nothing else from the tunnel passes.
func TestTableRules(t *testing.T) {
	cfg := validConfig(t)
	cfg.Profiles["open"] = Profile{Base: BaseAllowAll, Rules: []Rule{{CIDR: netip.MustParsePrefix("10.2.0.0/16"), Protocol: "icmp"}}}
	f := policy.NewFake()
	sessions := []Session{{User: "carol", Profile: "p", Address: netip.MustParseAddr("192.168.43.2")},
		{User: "erin", Profile: "open", Address: netip.MustParseAddr("192.168.43.3")}}
	if err := policy.Apply(f, Table(cfg, sessions)); err != nil {
		t.Fatal(err)
	}
	s := f.String()
	for _, want := range []string{
		`iifname "vpn0" ip saddr 192.168.43.2 goto user-carol`,
		`iifname "vpn0" ip saddr 192.168.43.3 goto user-erin`,
		`ip daddr 10.1.0.0/16 meta l4proto tcp tcp dport 443 counter accept`,
		`ip daddr 10.2.0.0/16 meta l4proto icmp counter drop`,
		`oifname "eth0" ip saddr 192.168.43.0/24 masquerade accept`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("ruleset lacks %q:\n%s", want, s)
		}
	}
}
