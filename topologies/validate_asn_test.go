package topologies

import (
	"strings"
	"testing"
)

// asnBase is a cloud topology with two transits, two spokes and two
// sites; {{...}} marks what each case replaces.
const asnBase = `name: asn
version: 1
accounts: {a: {provider: aws}}
vpcs:
  t1v: {account: a, region: us-east-1, cidr: 10.10.0.0/16, subnets: {gw: 10.10.0.0/24}}
  t2v: {account: a, region: us-east-1, cidr: 10.20.0.0/16, subnets: {gw: 10.20.0.0/24}}
  s1v: {account: a, region: us-east-1, cidr: 10.1.0.0/16, subnets: {gw: 10.1.0.0/24}}
  s2v: {account: a, region: us-east-1, cidr: 10.2.0.0/16, subnets: {gw: 10.2.0.0/24}}
transits:
  t1: {vpc: t1v, subnet: gw, asn: 65000}
  t2: {vpc: t2v, subnet: gw, asn: T2ASN}
transit-peerings: PEERINGS
spokes:
  s1: {vpc: s1v, subnet: gw, transit: t1, asn: S1ASN}
  s2: {vpc: s2v, subnet: S2TRANSIT}
sites:
  d1:
    router: frr
    asn: 65100
    advertise: [10.100.0.0/24]
    connection: {type: private-line, transit: t1}
  d2:
    router: bird
    asn: D2ASN
    advertise: [10.101.0.0/24]
    connection: {type: private-line, transit: D2TRANSIT}
`

func asnTopology(t2ASN, peerings, s1ASN, s2Transit, d2ASN, d2Transit string) string {
	return strings.NewReplacer("T2ASN", t2ASN, "PEERINGS", peerings, "S1ASN", s1ASN,
		"S2TRANSIT", "gw, transit: "+s2Transit, "D2ASN", d2ASN, "D2TRANSIT", d2Transit).Replace(asnBase)
}

// Two spokes or sites with one AS number whose routes meet are refused,
// with the line of the other one and why (BGP loop prevention); where
// their routes never meet, or the spoke leaves asn out, the topology is
// valid (issue 22: such labs converged but the two never reached each
// other).
func TestValidateDuplicateASN(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []string // substrings of the one error; none: valid
	}{
		{"distinct", asnTopology("65001", "[]", "65010", "t1", "65101", "t1"), nil},
		{"two sites on one transit", asnTopology("65001", "[]", "65010", "t1", "65100", "t1"),
			[]string{"t.yaml:24:10: sites.d2.asn: AS 65100 is also the AS of site d1 (sites.d1.asn, line 19)", "BGP loop prevention", "give site d2 an AS of its own"}},
		{"site and spoke", asnTopology("65001", "[]", "65101", "t1", "65101", "t1"),
			[]string{"sites.d2.asn: AS 65101 is also the AS of spoke s1 (spokes.s1.asn, line 14)"}},
		{"sites on peered transits", asnTopology("65001", "[[t1, t2]]", "65010", "t1", "65100", "t2"),
			[]string{"sites.d2.asn: AS 65100 is also the AS of site d1"}},
		{"sites on unpeered transits", asnTopology("65001", "[]", "65010", "t1", "65100", "t2"), nil},
		{"spoke with a peered transit's AS", asnTopology("65001", "[[t1, t2]]", "65001", "t1", "65101", "t1"),
			[]string{"spokes.s1.asn: AS 65001 is also the AS of transit t2", "or leave asn out"}},
		{"peered transits", asnTopology("65000", "[[t1, t2]]", "65010", "t1", "65101", "t1"),
			[]string{"transits.t2.asn: AS 65000 is also the AS of transit t1"}},
		{"unpeered transits", asnTopology("65000", "[]", "65010", "t1", "65101", "t1"), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("t.yaml", []byte(tc.src))
			if tc.want == nil {
				if err != nil {
					t.Fatalf("refused a valid topology: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}
