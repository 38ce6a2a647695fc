package main

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/dataplane/fwmgmt"
	"github.com/mcnlab/mcnlab/dataplane/l7proxy"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/internal/roottest"
	mcnlab "github.com/mcnlab/mcnlab/lab"
)

const fireNetL7Topology = "testdata/aws-firenet-l7.yaml"

// TestFireNetL7EgressLab (root): prod's internet egress through an l7
// firewall (squid) with FireNet egress on. From prod-app, each request
// goes out of the firewall's egress interface (its egress counter rises)
// to web1 on the emulated internet, or is cut by squid: GET
// http://www.example.com/ok is answered by web1, GET /admin gets squid's
// 403 (rule 2); https://api.example.com/ (curl verifying web1's
// certificate against the lab's CA) completes through squid, which
// resolved the name through the transit VPC's resolver to web1's address
// and found it the destination's; https://blocked.example.net/ on the same
// address is cut after its ClientHello (rule 3, curl exit 35). The
// firewall's decision log names each with its rule.
func TestFireNetL7EgressLab(t *testing.T) {
	roottest.Require(t)
	if err := l7proxy.CheckSquid(); err != nil {
		roottest.Missing(t, "the firewall runs the l7 engine: %v", err)
	}
	lab := deployCloudLab(t, fireNetL7Topology, "fnl7")
	checkMatrix(t, lab)
	ca := mcnlab.CAFile(lab)
	steps := []struct {
		args []string
		want string // curl's output; "" for a cut TLS connection
		sent bool   // whether it leaves by the egress interface
	}{
		{[]string{"http://www.example.com/ok"}, "web1 www.example.com /ok", true},
		{[]string{"-o", "/dev/null", "-w", "%{http_code}", "http://www.example.com/admin"}, "403", false},
		{[]string{"--cacert", ca, "https://api.example.com/"}, "web1 api.example.com /", true},
		{[]string{"--cacert", ca, "https://blocked.example.net/"}, "", false},
	}
	for _, s := range steps {
		before := l7Egress(t, lab)
		out, err := curlFrom(lab, "prod-app", s.args...)
		url := s.args[len(s.args)-1]
		switch {
		case s.want == "":
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 35 {
				t.Errorf("curl %s: %q, %v; want exit 35 (squid cut the connection after the ClientHello)", url, out, err)
			}
		case err != nil || !strings.Contains(out, s.want):
			t.Errorf("curl %s: %q, %v; want %q", url, out, err, s.want)
		}
		after := l7Egress(t, lab)
		if sent := after.EgressOut.Packets > before.EgressOut.Packets; sent != s.sent {
			t.Errorf("curl %s: the firewall sent %d packets out of its egress interface; want some: %v", url, after.EgressOut.Packets-before.EgressOut.Packets, s.sent)
		}
		t.Logf("curl %s: %q, %d packets out of the egress interface", url, out, after.EgressOut.Packets-before.EgressOut.Packets)
	}
	want := map[string]string{
		"http www.example.com/ok": "allow ", "http www.example.com/admin": "deny 2",
		"tls api.example.com": "allow ", "tls blocked.example.net": "deny 3",
	}
	got := map[string]string{}
	for _, d := range l7Egress(t, lab).L7.Decisions {
		verdict := "allow "
		if d.Denied {
			verdict = "deny "
		}
		what := string(d.Protocol) + " " + d.SNI
		if d.Protocol == l7proxy.HTTP {
			what = string(d.Protocol) + " " + d.Host + d.Path
		}
		got[what] = verdict + d.Rule
		if d.Client.String() != "10.1.1.10" || d.Server.String() != web1.String() {
			t.Errorf("decision %s: %s -> %s; want prod-app's own address to web1's", what, d.Client, d.Server)
		}
	}
	for what, v := range want {
		if got[what] != v {
			t.Errorf("fw1's decision on %s: %q; want %q (all: %v)", what, got[what], v, got)
		}
	}
}

// l7Egress reads fw1's status: its egress counters and l7 decisions.
func l7Egress(t *testing.T, lab string) fwmgmt.Status {
	t.Helper()
	_, instances, err := mcnlab.PlanAndInstances(context.Background(), lab)
	if err != nil {
		t.Fatal(err)
	}
	c := fwmgmt.NewClient(emulator.GatewaySocket(lab, instances["fw1"].ID))
	defer c.Close()
	st, err := c.Status(context.Background())
	if err != nil || st.EgressOut == nil || st.L7 == nil {
		t.Fatalf("fw1's status: %v %+v; want its egress counters and l7 decisions", err, st)
	}
	return st
}
