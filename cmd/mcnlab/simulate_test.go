package main

import (
	"strings"
	"testing"
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
