package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/controller/intent"
)

// simulate answers from the intent alone, without root: the demo's
// blocked pairs with their reasons, and what an approval changes.
func TestSimulate(t *testing.T) {
	out, _, err := run(t, "simulate", "-t", awsTransit)
	if err != nil {
		t.Fatalf("simulate: %v\n%s", err, out)
	}
	for _, want := range []string{
		"prod-app    dev-app     domain policy: prod and dev are not connected",
		"dev-app     shared-db   security group: shared-db admits only 10.1.0.0/16, 10.3.0.0/16, 10.100.0.0/24",
		"prod-app    dc1-app     no route: 10.100.0.0/24 (dc1) is not approved at transit transit",
		"30 pairs, 11 reach, 19 blocked (simulated from the intent)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("simulate lacks %q:\n%s", want, out)
		}
	}
	out, _, err = run(t, "simulate", "-t", awsTransit, "--approve", "dc1=10.100.0.0/24")
	if err != nil || !strings.Contains(out, "30 pairs, 19 reach, 11 blocked") || strings.Contains(out, "dc1-app     no route") {
		t.Errorf("simulate with dc1's app network approved (%v):\n%s", err, out)
	}
	for arg, want := range map[string]string{
		"dc1":                   `--approve "dc1": want SITE=PREFIX, such as dc1=10.100.0.0/24`,
		"dc9=10.100.0.0/24":     `--approve "dc9=10.100.0.0/24": no site "dc9" in ../../topologies/aws-transit.yaml`,
		"dc1=10.100.0.0/24/bad": `--approve "dc1=10.100.0.0/24/bad": want SITE=PREFIX`,
	} {
		if _, _, err := run(t, "simulate", "-t", awsTransit, "--approve", arg); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("--approve %s: %v, want %q", arg, err, want)
		}
	}
}

// simulate --json --services prints the security services' expected
// verdicts for a CI suite to read: each with its service, probe, verdict
// and the rule that makes it.
func TestSimulateServicesJSON(t *testing.T) {
	out, _, err := run(t, "simulate", "-t", "../../topologies/security.yaml", "--json", "--services")
	if err != nil {
		t.Fatalf("simulate --json --services: %v\n%s", err, out)
	}
	var got []intent.ServiceVerdict
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("decode %q: %v", out, err)
	}
	want := intent.ServiceVerdict{Service: "fqdn-egress", From: "dev-app", To: "web1", Probe: "https://blocked.example.net",
		Allow: false, Reason: "egress gateway dev-egress: base allow-list"}
	if !slices.Contains(got, want) {
		t.Errorf("verdicts lack %+v: %+v", want, got)
	}
	services := map[string]bool{}
	for _, v := range got {
		services[v.Service] = true
	}
	if !services["fqdn-egress"] || !services["firenet"] || !services["guardduty"] {
		t.Errorf("services with verdicts %v, want fqdn-egress, firenet and guardduty", services)
	}
	out, _, err = run(t, "simulate", "-t", awsTransit, "--json", "--services")
	if err != nil || strings.TrimSpace(out) != "[]" {
		t.Errorf("a topology without services: %v %q, want []", err, out)
	}
	if _, _, err := run(t, "simulate", "-t", awsTransit, "--services"); err == nil || !strings.Contains(err.Error(), "add --json") {
		t.Errorf("--services without --json: %v", err)
	}
}
