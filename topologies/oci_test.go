package topologies

import (
	"bytes"
	"strings"
	"testing"
)

// TestOCIExample: oci-transit.yaml decodes to an OCI account in
// compartment mcnlab-transit whose VCNs are in one region, and writes
// back with them.
func TestOCIExample(t *testing.T) {
	topo, err := Load("oci-transit.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cl := topo.Cloud
	if len(cl.Accounts) != 1 || cl.Accounts[0].Provider != ProviderOCI || cl.Accounts[0].Credentials != "lab" ||
		cl.Accounts[0].Compartment != "mcnlab-transit" {
		t.Fatalf("accounts: %s", dump(cl.Accounts))
	}
	for _, v := range cl.VPCs {
		if v.Region != "us-ashburn-1" {
			t.Errorf("vcn %s: region %s", v.Name, v.Region)
		}
	}
	out, err := Marshal(topo)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse("again.yaml", out)
	if err != nil || !bytes.Contains(out, []byte("provider: oci")) || again.Cloud.Accounts[0].Provider != ProviderOCI ||
		again.Cloud.Accounts[0].Compartment != "mcnlab-transit" {
		t.Fatalf("round trip: %v\n%s", err, out)
	}
}

// TestOCIRefusals: what OCI accounts cannot have is refused with the
// file, line and field: an unknown region (with a suggestion), VCNs of
// one account in two regions, an AWS profile, an address OCI reserves, a FireNet egress-subnet (a firewall has one VNIC).
func TestOCIRefusals(t *testing.T) {
	src := `name: o
version: 1
accounts:
  a: {provider: oci, credentials: "profile:x"}
vpcs:
  v1: {account: a, region: us-ashburn-1, cidr: 10.1.0.0/16, subnets: {gw: 10.1.0.0/24}, workloads: {w: {subnet: gw, address: 10.1.0.1}}}
  v2: {account: a, region: us-ashburn-2, cidr: 10.2.0.0/16, subnets: {gw: 10.2.0.0/24}}
  v3: {account: a, region: eu-frankfurt-1, cidr: 10.3.0.0/16, subnets: {gw: 10.3.0.0/24}, egress: {subnet: gw}}
  v4: {account: a, region: us-ashburn-1, cidr: 10.4.0.0/16, subnets: {gw: 10.4.0.0/24, out: 10.4.1.0/24}}
transits:
  t: {vpc: v4, subnet: gw, asn: 65000, firenet: {firewalls: {fw1: {}}, egress: true, egress-subnet: out, egress-domains: [d]}}
spokes:
  s: {vpc: v1, subnet: gw, transit: t}
domains:
  d: {members: [s]}
`
	_, err := Parse("o.yaml", []byte(src))
	if err == nil {
		t.Fatal("parsed")
	}
	for _, want := range []string{
		`o.yaml:4:35: accounts.a.credentials: credentials "profile:x": profiles are AWS's; an oci account's credentials are lab`,
		`o.yaml:7:28: vpcs.v2.region: unknown OCI region "us-ashburn-2"; did you mean "us-ashburn-1"?`,
		`o.yaml:8:28: vpcs.v3.region: region eu-frankfurt-1: vcn v1 of oci account a is in us-ashburn-1 (line 6)`,
		`o.yaml:11:101: transits.t.firenet.egress-subnet: on OCI a firewall has one VNIC, in subnet gw, and its egress leaves from that VNIC's reserved public IP: leave egress-subnet out`,
		`o.yaml:6:126: vpcs.v1.workloads.w.address: 10.1.0.1 is reserved by OCI in subnet gw (10.1.0.0/24): the first two addresses and the last one of a subnet are; use one of 10.1.0.2..10.1.0.254`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}
