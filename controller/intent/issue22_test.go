package intent

import (
	"strconv"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/topologies"
)

// compileYAML compiles a topology given as YAML.
func compileYAML(t *testing.T, src string) *Plan {
	t.Helper()
	top, err := topologies.Parse("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Compile(top)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// A spoke without an asn gets SpokeASNBase+i unless a transit, site or
// other spoke has that number: then the next free one (issue 22: a site
// on 64601 and the second spoke's chosen 64601 dropped each other's
// routes).
func TestSpokeASNAvoidsUsedNumbers(t *testing.T) {
	p := compileYAML(t, `name: asn
version: 1
accounts: {a: {provider: aws}}
vpcs:
  tv: {account: a, region: us-east-1, cidr: 10.10.0.0/16, subnets: {gw: 10.10.0.0/24}}
  av: {account: a, region: us-east-1, cidr: 10.1.0.0/16, subnets: {gw: 10.1.0.0/24}}
  bv: {account: a, region: us-east-1, cidr: 10.2.0.0/16, subnets: {gw: 10.2.0.0/24}}
  cv: {account: a, region: us-east-1, cidr: 10.3.0.0/16, subnets: {gw: 10.3.0.0/24}}
transits:
  tr: {vpc: tv, subnet: gw, asn: 65000}
spokes:
  a: {vpc: av, subnet: gw, transit: tr}
  b: {vpc: bv, subnet: gw, transit: tr}
  c: {vpc: cv, subnet: gw, transit: tr, asn: 64602}
sites:
  d1: {router: frr, asn: 64601, advertise: [10.100.0.0/24], connection: {type: private-line, transit: tr}}
`)
	want := map[string]uint32{"a-1": 64600, "b-1": 64603, "c-1": 64602, "d1": 64601}
	for k, asn := range want {
		if g := p.Gateway(k); g != nil && g.ASN != asn {
			t.Errorf("gateway %s has AS %d, want %d", k, g.ASN, asn)
		}
	}
}

// Gateways take host 10 and 11 of their subnet unless a workload fixes
// one of them: then the next free ones (issue 22: a workload on host 10
// of the gateway subnet left the gateway "address in use" forever);
// instances with fixed addresses launch before those the cloud
// addresses.
func TestGatewayAddressesAvoidWorkloads(t *testing.T) {
	p := compileYAML(t, `name: addr
version: 1
accounts: {a: {provider: aws}}
vpcs:
  tv: {account: a, region: us-east-1, cidr: 10.10.0.0/16, subnets: {gw: 10.10.0.0/28}}
  sv:
    account: a
    region: us-east-1
    cidr: 10.1.0.0/16
    subnets: {gw: 10.1.0.0/24}
    workloads:
      w0: {subnet: gw}
      w1: {subnet: gw, address: 10.1.0.10}
      w2: {subnet: gw, address: 10.1.0.12}
transits:
  tr: {vpc: tv, subnet: gw, asn: 65000, ha: true}
spokes:
  sp: {vpc: sv, subnet: gw, transit: tr, ha: true}
`)
	want := map[string]string{"tr-1": "10.10.0.10", "tr-2": "10.10.0.11", "sp-1": "10.1.0.11", "sp-2": "10.1.0.13"}
	for k, a := range want {
		if g := p.Gateway(k); g == nil || g.PrivateIP.String() != a {
			t.Errorf("gateway %s: %+v, want address %s", k, g, a)
		}
	}
	var order []string
	for _, in := range p.Account("a").Desired.Instances {
		order = append(order, in.Key)
	}
	if got := order[len(order)-1]; got != "w0" {
		t.Errorf("instances launch in order %v; w0, without an address, should be last", order)
	}

	// A /28 whose usable addresses (4..14) the workloads fix but one.
	src := "name: full\nversion: 1\naccounts: {a: {provider: aws}}\nvpcs:\n  tv:\n    account: a\n    region: us-east-1\n    cidr: 10.10.0.0/16\n    subnets: {gw: 10.10.0.0/28}\n    workloads:\n"
	for h := 4; h <= 13; h++ {
		src += "      w" + string(rune('a'+h)) + ": {subnet: gw, address: 10.10.0." + itoa(h) + "}\n"
	}
	src += "transits:\n  tr: {vpc: tv, subnet: gw, asn: 65000, ha: true}\n"
	top, err := topologies.Parse("full.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Compile(top)
	if err == nil || !strings.Contains(err.Error(), "9:15: transit tr: subnet gw (10.10.0.0/28) has no room for 2 gateways") {
		t.Errorf("got %v, want a positioned error saying the subnet has no room", err)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
