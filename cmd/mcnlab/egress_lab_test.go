package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/controller/api"
	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/emulator/state"
	mcnlab "github.com/mcnlab/mcnlab/lab"
)

// labExec runs argv at node with `mcnlab exec`, as a user does: its
// combined output and error.
func labExec(lab, node string, argv ...string) (string, error) {
	cmd := exec.Command(labBase.Self, append([]string{"exec", "--lab", lab, node, "--"}, argv...)...)
	cmd.Env = append(os.Environ(), mcnlab.StateRootEnv+"="+state.Root)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// egressStep is one request from the dev instance and what it must get:
// web1's answer, or a reset; and the decision the log must name.
type egressStep struct {
	url, answer string // answer "" means refused with a reset
	logged      string // "NAME VERDICT TAG: RULE (BY)"
}

// egressLog reads the gateway's decisions with `mcnlab egress log --json`.
func egressLog(t *testing.T, lab string) []api.EgressDecision {
	t.Helper()
	out, _, err := run(t, "egress", "log", "--lab", lab, "--json", "dev-egress")
	if err != nil {
		t.Fatalf("mcnlab egress log: %v", err)
	}
	var all map[string][]api.EgressDecision
	if err := json.Unmarshal([]byte(out), &all); err != nil {
		t.Fatalf("mcnlab egress log --json: %v\n%s", err, out)
	}
	return all["dev-egress"]
}

func decisionWords(e api.EgressDecision) string {
	return fmt.Sprintf("%s %s %s: %s (%s)", e.Name, e.Verdict, e.Tag, e.Rule, e.By)
}

// curlSteps runs each step's curl at dev-app (whose address is client)
// and checks its answer and the decision the gateway logged for it, from
// the client's own address.
func curlSteps(t *testing.T, lab, client, stage string, steps []egressStep) {
	t.Helper()
	for _, s := range steps {
		out, err := labExec(lab, "dev-app", "curl", "-sS", "--max-time", "5", "--cacert", mcnlab.CAFile(lab), s.url)
		switch {
		case s.answer != "" && (err != nil || !strings.Contains(out, s.answer)):
			t.Errorf("%s: curl %s: %q, %v; want %q", stage, s.url, out, err, s.answer)
		case s.answer == "" && (err == nil || !strings.Contains(strings.ToLower(out), "reset")):
			t.Errorf("%s: curl %s: %q, %v; want the connection reset", stage, s.url, out, err)
		}
		log := egressLog(t, lab)
		if len(log) == 0 {
			t.Fatalf("%s: curl %s: nothing logged", stage, s.url)
		}
		last := log[len(log)-1]
		if got := decisionWords(last); got != s.logged || last.Src.Addr() != netip.MustParseAddr(client) {
			t.Errorf("%s: curl %s logged %q from %s, want %q from %s", stage, s.url, got, last.Src, s.logged, client)
		}
		t.Logf("%s: curl %s -> %s", stage, s.url, decisionWords(last))
		flightPathAgrees(t, lab, stage, s.url, s.answer != "", last)
	}
}

// flightPathAgrees asks `mcnlab flightpath dev-app NAME --proto tcp
// --port P` for url's name and port: its verdict must be curl's (reached),
// and its egress gateway's filter step must name the rule the gateway
// logged for the connection (d), blocking there when curl was reset.
func flightPathAgrees(t *testing.T, lab, stage, url string, reached bool, d api.EgressDecision) {
	t.Helper()
	scheme, rest, _ := strings.Cut(url, "://")
	host, _, _ := strings.Cut(rest, "/")
	port := map[string]string{"https": "443", "http": "80"}[scheme]
	fp := flightPath(t, lab, "dev-app", host, "--proto", "tcp", "--port", port)
	want := d.Rule
	if d.Tag != "" {
		want = "tag " + d.Tag + ": " + d.Rule
	}
	var filter *intent.Step
	for _, h := range fp.Hops {
		for i, st := range h.Steps {
			if h.Kind == intent.HopEgress && st.Kind == intent.StepFilter {
				filter = &h.Steps[i]
			}
		}
	}
	if fp.Reachable != reached || filter == nil || filter.Rule != want || (fp.Block != nil) == reached ||
		!reached && (fp.Block.Hop != "dev-egress" || fp.Block.Rule != want) {
		t.Errorf("%s: flightpath dev-app %s tcp/%s: reachable %v, egress filter %+v, block %+v; want reachable %v (curl) by %q",
			stage, host, port, fp.Reachable, filter, fp.Block, reached, want)
		return
	}
	t.Logf("%s: flightpath dev-app %s tcp/%s: reachable %v by %s (%s)", stage, host, port, fp.Reachable, filter.Rule, filter.Detail)
}

// pingFlightPath asks FlightPath for a ping from dev-app to dst: its
// verdict must be want, what the ping just saw.
func pingFlightPath(t *testing.T, lab, dst string, want bool) {
	t.Helper()
	fp := flightPath(t, lab, "dev-app", dst)
	if fp.Reachable != want {
		t.Errorf("flightpath dev-app %s (icmp): reachable %v (%s), want %v as the ping", dst, fp.Reachable, fp.Reason, want)
	}
}

// pingUntil pings dst from dev-app until the answer is want (the gateway
// learns the rules' addresses a moment after its policy arrives), within
// limit.
func pingUntil(t *testing.T, lab, dst string, want bool, limit time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(limit); ; {
		_, err := labExec(lab, "dev-app", "ping", "-c1", "-W1", dst)
		if (err == nil) == want {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("ping %s from dev-app: answered %v for %s, want %v", dst, err == nil, limit, want)
			return
		}
	}
}

// TestEgressLab deploys a dev VPC whose private subnet reaches the
// internet only through an FQDN egress gateway: the private route table's
// 0.0.0.0/0 points at the gateway (AWS CLI); from the dev instance,
// https://api.example.com is answered and https://blocked.example.net,
// served from the same address, is reset; the wildcard rule admits
// www.example.com (HTTPS and HTTP); files.example.org is reached by ping
// through the address its name resolved to, web1 is not; switching the
// base policy to a deny-list with `mcnlab egress base` flips every
// result; `mcnlab egress log` names the rule of each decision, and
// inspect shows the gateway and its last decisions; after each curl,
// FlightPath to the same name and port says what curl saw, naming the
// rule the gateway logged (flightPathAgrees), and after the pings,
// FlightPath's ICMP verdicts agree with them too.
func TestEgressLab(t *testing.T) {
	lab := deployCloudLab(t, "testdata/aws-egress.yaml", "aeg")
	_, instances, err := mcnlab.PlanAndInstances(context.Background(), lab)
	if err != nil {
		t.Fatal(err)
	}
	gw, ok := instances["dev-egress"]
	if !ok || !gw.PublicIP.IsValid() {
		t.Fatalf("dev-egress = %+v; want an instance with an elastic IP", gw)
	}
	checkEgressRoute(t, lab, gw.ID, gw.Interface)

	curlSteps(t, lab, "10.30.1.10", "allow-list", []egressStep{
		{"https://api.example.com/", "web1 api.example.com /", "api.example.com allow dev: api.example.com tcp/443 (sni)"},
		{"https://blocked.example.net/", "", "blocked.example.net deny : base allow-list (sni)"},
		{"https://www.example.com/", "web1 www.example.com /", "www.example.com allow dev: *.example.com tcp/all (sni)"},
		{"http://www.example.com/", "web1 www.example.com /", "www.example.com allow dev: *.example.com tcp/all (host)"},
		{"http://blocked.example.net/", "", "blocked.example.net deny : base allow-list (host)"},
	})
	pingUntil(t, lab, "192.0.2.30", true, 10*time.Second)
	pingUntil(t, lab, "192.0.2.20", false, 5*time.Second)
	pingFlightPath(t, lab, "files.example.org", true)
	pingFlightPath(t, lab, "web1", false)

	switchToDenyList(t, lab)
	curlSteps(t, lab, "10.30.1.10", "deny-list", []egressStep{
		{"https://api.example.com/", "", "api.example.com deny dev: api.example.com tcp/443 (sni)"},
		{"https://blocked.example.net/", "web1 blocked.example.net /", "blocked.example.net allow : base deny-list (sni)"},
		{"https://www.example.com/", "", "www.example.com deny dev: *.example.com tcp/all (sni)"},
		{"http://blocked.example.net/", "web1 blocked.example.net /", "blocked.example.net allow : base deny-list (host)"},
	})
	pingUntil(t, lab, "192.0.2.30", false, 5*time.Second)
	pingUntil(t, lab, "192.0.2.20", true, 5*time.Second)
	pingFlightPath(t, lab, "files.example.org", false)
	pingFlightPath(t, lab, "web1", true)
	want := map[string]bool{
		"files.example.org allow dev: files.example.org all/all (address)": false,
		"files.example.org deny dev: files.example.org all/all (address)":  false,
		"api.example.com deny : base allow-list (no rule)":                 false,
		"api.example.com allow : base deny-list (no rule)":                 false,
	}
	for _, e := range egressLog(t, lab) {
		if _, ok := want[decisionWords(e)]; ok && e.Proto == "icmp" {
			want[decisionWords(e)] = true
		}
	}
	for w, seen := range want {
		if !seen {
			t.Errorf("no ping logged as %q", w)
		}
	}
	out, _, err := run(t, "egress", "log", "--lab", lab)
	if err != nil {
		t.Errorf("mcnlab egress log: %v", err)
	}
	t.Logf("mcnlab egress log:\n%s", out)
	out, _, err = run(t, "inspect", "--lab", lab)
	holds := false
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		holds = holds || len(f) > 2 && f[0] == "dev-egress" && f[1] == "dev-vpc" && f[2] == "deny-list"
	}
	if err != nil || !holds || !strings.Contains(out, "dev-egress: last decisions") {
		t.Errorf("inspect: %v; want the egress gateway holding the deny-list and its last decisions:\n%s", err, out)
	}
}

// switchToDenyList switches dev-egress to the deny-list with `mcnlab
// egress base` and waits (5 s at most) until the controller says the
// gateway holds it.
func switchToDenyList(t *testing.T, lab string) {
	t.Helper()
	start := time.Now()
	if out, _, err := run(t, "egress", "base", "--lab", lab, "dev-egress", "deny-list"); err != nil || !strings.Contains(out, "deny-list") {
		t.Fatalf("mcnlab egress base dev-egress deny-list: %q, %v", out, err)
	}
	for {
		out, _, err := run(t, "egress", "gateways", "--lab", lab, "--json")
		var gs []api.EgressGateway
		if err == nil && json.Unmarshal([]byte(out), &gs) == nil && len(gs) == 1 && gs[0].Applied == "deny-list" {
			break
		}
		if time.Since(start) > 5*time.Second {
			t.Fatalf("dev-egress does not hold the deny-list 5 s after the switch: %s %v", out, err)
		}
		time.Sleep(20 * time.Millisecond) // polling the controller's API, bounded
	}
	t.Logf("the gateway holds the deny-list %s after `mcnlab egress base`", time.Since(start).Round(time.Millisecond))
}

// checkEgressRoute reads the route tables with the AWS CLI: the private
// subnet's 0.0.0.0/0 points at the egress gateway's instance (its
// interface), the public subnet's at the internet gateway.
func checkEgressRoute(t *testing.T, lab, instance, eni string) {
	t.Helper()
	var rts struct {
		RouteTables []struct {
			Associations []struct{ SubnetId string }
			Routes       []struct {
				DestinationCidrBlock, InstanceId, NetworkInterfaceId, GatewayId string
			}
			Tags []struct{ Key, Value string }
		}
	}
	awsCLI(t, lab, &rts, "ec2", "describe-route-tables")
	found := map[string]string{}
	for _, rt := range rts.RouteTables {
		name := ""
		for _, tg := range rt.Tags {
			if tg.Key == "Name" {
				name = tg.Value
			}
		}
		for _, r := range rt.Routes {
			if r.DestinationCidrBlock == "0.0.0.0/0" {
				found[name] = r.InstanceId + r.NetworkInterfaceId + r.GatewayId
				if name == "dev-vpc/app" && (r.NetworkInterfaceId != eni || r.InstanceId != "" && r.InstanceId != instance) {
					t.Errorf("route table %s: 0.0.0.0/0 via %+v, want the egress gateway's interface %s", name, r, eni)
				}
			}
		}
	}
	if !strings.HasPrefix(found["dev-vpc/pub"], "igw-") || found["dev-vpc/app"] == "" {
		t.Errorf("default routes by table: %v; want dev-vpc/app via the egress gateway, dev-vpc/pub via the internet gateway", found)
	}
	t.Logf("aws ec2 describe-route-tables: default routes %v", found)
}
