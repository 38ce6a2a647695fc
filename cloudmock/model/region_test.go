package model

import (
	"bytes"
	"net/netip"
	"slices"
	"strconv"
	"testing"
)

// TestRegionsInheritAndSnapshot checks that what is made inside a network
// takes its region, that the per-Region VPC quota counts per region, and
// that a snapshot keeps the regions, while a version 1 snapshot (before
// regions) loads with every object in the default (empty) region.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html — VPCs per Region: 5
func TestRegionsInheritAndSnapshot(t *testing.T) {
	const acct = "111111111111"
	c := New()
	c.AddAccount(Account{ID: acct, Limits: DefaultLimits()})
	n, err := c.CreateNetworkIn(acct, "us-west-2", netip.MustParsePrefix("10.0.0.0/16"), nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.CreateSubnet(acct, n.ID, netip.MustParsePrefix("10.0.1.0/24"), "us-west-2a", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{n.ID, s.ID, n.MainRouteTableID, n.DefaultNetworkACLID, n.DefaultSecurityGroupID} {
		if r, ok := c.ObjectRegions(acct, id); !ok || !slices.Equal(r, []string{"us-west-2"}) {
			t.Errorf("%s: regions %v %v, want us-west-2", id, r, ok)
		}
	}
	if s.Region != "us-west-2" {
		t.Errorf("subnet region %q", s.Region)
	}
	for i := range 4 {
		if _, err := c.CreateNetworkIn(acct, "us-west-2", netip.MustParsePrefix("10."+strconv.Itoa(i+1)+".0.0/16"), nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.CreateNetworkIn(acct, "us-west-2", netip.MustParsePrefix("10.9.0.0/16"), nil); err == nil {
		t.Error("a sixth network in us-west-2 was made")
	}
	if _, err := c.CreateNetworkIn(acct, "eu-west-1", netip.MustParsePrefix("10.9.0.0/16"), nil); err != nil {
		t.Errorf("the first network in eu-west-1: %v", err)
	}
	b, _, err := c.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	r := New()
	if err := r.Restore(b); err != nil {
		t.Fatal(err)
	}
	if got, _ := r.Subnet(acct, s.ID); got.Region != "us-west-2" {
		t.Errorf("restored subnet region %q", got.Region)
	}
	if reg, _ := r.ObjectRegions(acct, s.ID); !slices.Equal(reg, []string{"us-west-2"}) {
		t.Errorf("restored subnet owner region %v", reg)
	}
	old := bytes.Replace(b, []byte(`"version":`+strconv.Itoa(SnapshotVersion)), []byte(`"version":1`), 1)
	old = bytes.ReplaceAll(old, []byte(`"Region":"us-west-2",`), nil)
	old = bytes.ReplaceAll(old, []byte(`"Region":"eu-west-1",`), nil)
	old = bytes.ReplaceAll(old, []byte(`,"region":"us-west-2"`), nil)
	old = bytes.ReplaceAll(old, []byte(`,"region":"eu-west-1"`), nil)
	if bytes.Contains(old, []byte("us-west-2\"")) && bytes.Contains(old, []byte(`"Region":"us`)) {
		t.Fatalf("the version 1 snapshot still has regions")
	}
	o := New()
	if err := o.Restore(old); err != nil {
		t.Fatalf("restore of a version 1 snapshot: %v", err)
	}
	if got, _ := o.Subnet(acct, s.ID); got.Region != "" {
		t.Errorf("subnet of a version 1 snapshot: region %q, want the default (empty)", got.Region)
	}
}
