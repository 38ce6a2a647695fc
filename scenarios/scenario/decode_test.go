package scenario

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeScenario writes a scenario beside a copy of a small topology and
// returns its path.
func writeScenario(t *testing.T, body string) string {
	t.Helper()
	dir := t.TempDir()
	topo, err := os.ReadFile("../../topologies/two-hosts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "topo.yaml"), topo, 0o644); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "s.yaml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestParseScenario(t *testing.T) {
	p := writeScenario(t, `name: failover
topology: topo.yaml
steps:
  - deploy
  - wait: converged
  - reach: {from: h1, to: h2, expect: reach, within: 5s}
  - outage:
      from: h1
      to: h2
      max: 2s
      during: [{kill: gw1}, {sleep: 1s}, {restart: gw1}]
  - route: {gateway: gw1, prefix: 10.2.0.0/24, via: 10.0.0.2}
  - session: {gateway: gw1, peer: gw2}
  - flightpath: {from: a, to: b, proto: tcp, port: 5432, verdict: blocked, blocked-by: sg-db}
  - cli: aws ec2 describe-vpcs
  - connect: {from: h1, to: h2, port: 22, expect: refused}
`)
	f, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if f.Name != "failover" || len(f.Steps) != 9 || !strings.HasSuffix(f.Topology, "topo.yaml") {
		t.Fatalf("got name %q, %d steps, topology %q", f.Name, len(f.Steps), f.Topology)
	}
	o := f.Steps[3].Outage
	if o == nil || o.Max != 2*time.Second || len(o.During) != 3 || o.During[0].Kill != "gw1" || o.Interval != 100*time.Millisecond {
		t.Errorf("outage: %+v", o)
	}
	if r := f.Steps[4].Route; r == nil || !r.Present || r.Via.String() != "10.0.0.2" || f.Steps[4].Line != 12 {
		t.Errorf("route at line %d: %+v", f.Steps[4].Line, r)
	}
	if s := f.Steps[5].Session; s == nil || s.State != "established" {
		t.Errorf("session: %+v", s)
	}
	if fp := f.Steps[6].FlightPath; fp == nil || fp.Reachable || fp.Port != 5432 || fp.BlockedBy != "sg-db" {
		t.Errorf("flightpath: %+v", fp)
	}
}

// TestParseScenarioErrors checks that each mistake gets its file, line,
// column, field and what would be valid.
func TestParseScenarioErrors(t *testing.T) {
	for _, tc := range []struct{ name, steps, want string }{
		{"not first", "  - wait: converged\n  - deploy\n", "s.yaml:4:5: steps[0]: the first step must be deploy"},
		{"unknown step", "  - deploy\n  - reboot: gw1\n", "s.yaml:5:5: steps[1].reboot: unknown step (valid: deploy, wait, kill, restart, link, withdraw, advertise, approve, cli, exec, mcnlab, sleep, stop, start, serve, reach, connect, route, session, flightpath, outage, capture, counter)"},
		{"bad expect", "  - deploy\n  - reach: {from: a, to: b, expect: maybe}\n", "s.yaml:5:37: steps[1].reach.expect: \"maybe\" is not one of reach, blocked"},
		{"bad duration", "  - deploy\n  - route: {gateway: g, prefix: 10.0.0.0/8, within: 5x}\n", "s.yaml:5:53: steps[1].route.within: \"5x\" is not a positive duration (valid: 500ms, 5s, 1m)"},
		{"host bits", "  - deploy\n  - route: {gateway: g, prefix: 10.0.0.1/8}\n", "s.yaml:5:33: steps[1].route.prefix: \"10.0.0.1/8\" has host bits set (did you mean 10.0.0.0/8?)"},
		{"unknown field", "  - deploy\n  - session: {gateway: g, peer: p, state: up}\n", "s.yaml:5:43: steps[1].session.state: \"up\" is not one of established, idle, active, connect, opensent, openconfirm"},
		{"missing field", "  - deploy\n  - connect: {from: a, to: b, port: 22}\n", "s.yaml:5:14: steps[1].connect: missing expect"},
		{"bad port", "  - deploy\n  - connect: {from: a, to: b, port: 70000, expect: open}\n", "s.yaml:5:37: steps[1].connect.port: \"70000\" is not a port (valid: 1-65535)"},
		{"not a cli", "  - deploy\n  - cli: rm -rf /\n", "s.yaml:5:10: steps[1].cli: \"rm -rf /\" runs no cloud CLI (valid: a command line of aws, az, gcloud, node, mcnlab; use exec for other commands)"},
		{"assert in outage", "  - deploy\n  - outage: {from: a, to: b, max: 1s, during: [{reach: simulate}]}\n", "s.yaml:5:49: steps[1].outage.during[0].reach: an outage's steps are faults and actions; put the assertion after the outage"},
		{"no pair", "  - deploy\n  - reach: {from: [a], to: [a], expect: reach}\n", "s.yaml:5:12: steps[1].reach: the lists make no pair of two different names"},
		{"empty list", "  - deploy\n  - reach: {from: [], to: b, expect: reach}\n", "s.yaml:5:19: steps[1].reach.from: want a name or a non-empty list of names"},
		{"route both", "  - deploy\n  - route: {gateway: g, workload: w, prefix: 10.0.0.0/8}\n", "s.yaml:5:12: steps[1].route: want exactly one of gateway: NAME (its FIB) or workload: NAME (its subnet's cloud route table)"},
		{"bad filter", "  - deploy\n  - capture: {node: g, filter: icmp and, during: [{sleep: 1s}]}\n", "s.yaml:5:32: steps[1].capture.filter: filter \"icmp and\": expression ends early at offset 8"},
		{"capture bounds", "  - deploy\n  - capture: {node: g, at-least: 5, at-most: 2, during: [{sleep: 1s}]}\n", "s.yaml:5:14: steps[1].capture: at-least 5 is more than at-most 2"},
		{"capture count", "  - deploy\n  - capture: {node: g, at-least: many, during: [{sleep: 1s}]}\n", "s.yaml:5:34: steps[1].capture.at-least: \"many\" is not a packet count (valid: 0, 1, 2, ...)"},
		{"counter no domains", "  - deploy\n  - counter: {gateway: g, grew-by: 1, during: [{sleep: 1s}]}\n", "s.yaml:5:14: steps[1].counter.domains: a gateway's counter needs domains: [FROM, TO], the pair whose dropped packets it counts"},
		{"counter both", "  - deploy\n  - counter: {gateway: g, firewall: f, grew-by: 1, during: [{sleep: 1s}]}\n", "s.yaml:5:14: steps[1].counter: want firewall: NAME or [NAME, ...] (with an optional rule:), or gateway: NAME with domains: [FROM, TO]"},
		{"empty during", "  - deploy\n  - counter: {firewall: f, grew-by: 1, during: []}\n", "s.yaml:5:48: steps[1].counter.during: want a non-empty list of steps (kill, restart, stop, exec, sleep, ...)"},
		{"blocked-by reachable", "  - deploy\n  - flightpath: {from: a, to: b, verdict: reachable, blocked-by: x}\n", "s.yaml:5:66: steps[1].flightpath.blocked-by: blocked-by needs verdict: blocked"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeScenario(t, "topology: topo.yaml\nsteps:\n"+strings.Replace(tc.steps, "  - ", "\n  - ", 1))
			_, err := Load(p)
			if err == nil {
				t.Fatal("no error")
			}
			got := strings.TrimPrefix(err.Error(), filepath.Dir(p)+"/")
			if !strings.Contains(got, tc.want) {
				t.Errorf("got\n  %s\nwant\n  %s", got, tc.want)
			}
		})
	}
}

func TestParseScenarioTopologyErrors(t *testing.T) {
	p := writeScenario(t, "topology: missing.yaml\nsteps: [deploy]\n")
	if _, err := Load(p); err == nil || !strings.Contains(err.Error(), "s.yaml:1:11: topology: ") || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("missing topology file: %v", err)
	}
	p = writeScenario(t, "topology: {name: x, version: 1, nodes: {a: {kind: toaster}}}\nsteps: [deploy]\n")
	if _, err := Load(p); err == nil || !strings.Contains(err.Error(), "s.yaml:1:51: topology.nodes.a.kind: unknown kind \"toaster\"") {
		t.Errorf("bad inline topology: %v", err)
	}
	p = writeScenario(t, "topology: topo.yaml\n")
	if _, err := Load(p); err == nil || !strings.Contains(err.Error(), "steps: missing") {
		t.Errorf("no steps: %v", err)
	}
}
