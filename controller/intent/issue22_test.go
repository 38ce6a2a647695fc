package intent

import (
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
