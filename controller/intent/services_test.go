package intent

import (
	"fmt"
	"slices"
	"testing"

	"github.com/mcnlab/mcnlab/topologies"
)

// TestServiceVerdicts derives the security services' verdicts of
// topologies/security.yaml from the intent: the egress gateway's by name
// (the exact rule, the wildcard, the base policy), the firewalls' east-west
// and on prod's internet egress (tcp/22 by rule 1, ICMP and HTTP by the
// default) and GuardDuty's (the listed attacker
// blocked, the partner not), each with its reason.
func TestServiceVerdicts(t *testing.T) {
	p := compileFile(t, "../../topologies/security.yaml")
	var got []string
	for _, v := range p.ServiceVerdicts() {
		got = append(got, fmt.Sprintf("%s %s>%s %s %v: %s", v.Service, v.From, v.To, v.Probe, v.Allow, v.Reason))
	}
	want := []string{
		"fqdn-egress dev-app>web1 https://api.example.com true: egress gateway dev-egress: dev: api.example.com tcp/443",
		"fqdn-egress dev-app>web1 https://blocked.example.net false: egress gateway dev-egress: base allow-list",
		"fqdn-egress dev-app>web1 https://www.example.com true: egress gateway dev-egress: dev: *.example.com tcp/all",
		"firenet prod-app>web1 icmp true: FireNet egress of transit transit (firewalls fw1, fw2, 5-tuple hash): default allow; it leaves with the source address of the firewall's elastic IP",
		"firenet prod-app>web1 tcp/22 false: FireNet egress of transit transit (firewalls fw1, fw2, 5-tuple hash): rule 1 (deny tcp port 22)",
		"firenet prod-app>web1 tcp/80 true: FireNet egress of transit transit (firewalls fw1, fw2, 5-tuple hash): default allow; it leaves with the source address of the firewall's elastic IP",
		"firenet prod-app>shared-db icmp true: FireNet of transit transit (firewalls fw1, fw2, 5-tuple hash): default allow",
		"firenet prod-app>shared-db tcp/22 false: FireNet of transit transit (firewalls fw1, fw2, 5-tuple hash): rule 1 (deny tcp port 22)",
		"guardduty attacker>web tcp/80 false: account aws-lab: attacker is on the threat list: its first flow raises a finding and the controller blocks it in web's network ACL and at Public Subnet Filtering gateway shared-psf within the poll interval (1s)",
		"guardduty partner>web tcp/80 true: account aws-lab: partner is not on the threat list",
	}
	if !slices.Equal(got, want) {
		t.Errorf("verdicts:\n%q\nwant\n%q", got, want)
	}
	topo := p.Topology
	topo.Cloud.Accounts[0].GuardDuty.Threats = append(topo.Cloud.Accounts[0].GuardDuty.Threats, topologies.ThreatRef{Host: "partner"})
	topo.Cloud.VPCs[3].Egress.Base = topologies.EgressDenyList
	for _, v := range p.ServiceVerdicts() {
		if v.To == "web1" && v.Probe == "https://blocked.example.net" && !v.Allow {
			t.Errorf("the deny-list still denies %s: %s", v.Probe, v.Reason)
		}
		if v.From == "partner" && (!v.Allow || v.Reason != "account aws-lab: partner is on the threat list but excluded: a finding, never a block") {
			t.Errorf("listed and excluded partner: %+v", v)
		}
	}
}

// compileFile loads and compiles a topology file.
func compileFile(t *testing.T, file string) *Plan {
	t.Helper()
	topo, err := topologies.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Compile(topo)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
