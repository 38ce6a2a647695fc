package intent

import (
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/topologies"
)

// TestExpectMultiCloud: simulate answers pairs across AWS, Azure and GCP
// (topologies/multicloud.yaml) through the transits peered across clouds,
// and names each cloud's own filter in a reason: Azure's network security
// group, GCP's firewall rules, AWS's security group.
func TestExpectMultiCloud(t *testing.T) {
	top, err := topologies.Load("../../topologies/multicloud.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Compile(top)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		from, to string
		reach    bool
		reason   string
	}{
		{"aws-app", "az-db", true, ""},
		{"aws-app", "gcp-app", true, ""},
		{"gcp-app", "az-app", true, ""},
		{"gcp-app", "az-db", false, "network security group: az-db admits only 10.1.0.0/16, 10.2.0.0/16"},
		{"az-dev-app", "aws-app", false, "domain policy: dev and prod are not connected"},
	} {
		e := p.Expect(c.from, c.to, nil, nil)
		if e.Reach != c.reach || !strings.HasPrefix(e.Reason, c.reason) {
			t.Errorf("%s -> %s: reach %v, reason %q; want %v, %q", c.from, c.to, e.Reach, e.Reason, c.reach, c.reason)
		}
	}
	if w := p.groupWord("gcp-shared-vpc"); w != "firewall rules" {
		t.Errorf("a GCP network's word: %q, want firewall rules", w)
	}
	if w := p.groupWord("aws-prod-vpc"); w != "security group" {
		t.Errorf("an AWS VPC's word: %q, want security group", w)
	}
}
