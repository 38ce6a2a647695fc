package model

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/mcnlab/mcnlab/topologies"
)

// TestQuotas fills each raisable quota, checks that the next create is
// refused with CodeQuotaExceeded naming the quota, and that raising the
// quota admits it.
func TestQuotas(t *testing.T) {
	one := func(lim Limits) (*Cloud, Network, Subnet) {
		c := New()
		c.AddAccount(Account{ID: acct, Limits: lim})
		n, err := c.CreateNetwork(acct, netip.MustParsePrefix("10.0.0.0/16"), nil)
		if err != nil {
			t.Fatal(err)
		}
		s, err := c.CreateSubnet(acct, n.ID, netip.MustParsePrefix("10.0.0.0/24"), "us-east-1a", nil)
		if err != nil {
			t.Fatal(err)
		}
		return c, n, s
	}
	for _, tc := range []struct {
		key    string
		n      int // objects the quota allows (the setup's included)
		create func(c *Cloud, n Network, s Subnet, i int) error
	}{
		{"vpcs-per-region", 5, func(c *Cloud, _ Network, _ Subnet, i int) error {
			_, err := c.CreateNetwork(acct, netip.MustParsePrefix(fmt.Sprintf("10.%d.0.0/16", i+1)), nil)
			return err
		}},
		{"subnets-per-vpc", 200, func(c *Cloud, n Network, _ Subnet, i int) error {
			_, err := c.CreateSubnet(acct, n.ID, netip.MustParsePrefix(fmt.Sprintf("10.0.%d.0/24", i+1)), "us-east-1a", nil)
			return err
		}},
		{"internet-gateways-per-region", 5, func(c *Cloud, _ Network, _ Subnet, _ int) error {
			_, err := c.CreateInternetGateway(acct, nil)
			return err
		}},
		{"elastic-ips-per-region", 5, func(c *Cloud, _ Network, _ Subnet, _ int) error {
			_, err := c.AllocateAddress(acct, nil)
			return err
		}},
		{"route-tables-per-vpc", 200, func(c *Cloud, n Network, _ Subnet, _ int) error {
			_, err := c.CreateRouteTable(acct, n.ID, nil)
			return err
		}},
		{"security-groups-per-region", 2500, func(c *Cloud, n Network, _ Subnet, i int) error {
			_, err := c.CreateRuleSet(acct, RuleSetSpec{Flavor: FlavorSecurityGroup, NetworkID: n.ID, Name: fmt.Sprintf("g%d", i)})
			return err
		}},
	} {
		t.Run(tc.key, func(t *testing.T) {
			q, ok := QuotaByKey(tc.key)
			if !ok || q.Default() != tc.n {
				t.Fatalf("quota %s: default %d, want %d", tc.key, q.Default(), tc.n)
			}
			c, n, s := one(DefaultLimits())
			made := 0
			var err error
			for i := 0; err == nil && i < tc.n+1; i++ {
				if err = tc.create(c, n, s, i); err == nil {
					made++
				}
			}
			if CodeOf(err) != CodeQuotaExceeded {
				t.Fatalf("after %d creates: %v, want %s", made, err, CodeQuotaExceeded)
			}
			if e := err.(*Error); e.ID != tc.key {
				t.Fatalf("quota error names %q, want %q: %v", e.ID, tc.key, err)
			}
			lim := DefaultLimits()
			if err := lim.Raise(tc.key, tc.n+1); err != nil {
				t.Fatal(err)
			}
			c.AddAccount(Account{ID: acct, Limits: lim})
			if err := tc.create(c, n, s, made); err != nil {
				t.Fatalf("after raising %s to %d: %v", tc.key, tc.n+1, err)
			}
		})
	}
}

// TestNATGatewaysPerZone: 5 NAT gateways per zone, deleted ones not counted.
func TestNATGatewaysPerZone(t *testing.T) {
	c := New()
	lim := DefaultLimits()
	if err := lim.Raise("elastic-ips-per-region", 10); err != nil {
		t.Fatal(err)
	}
	c.AddAccount(Account{ID: acct, Limits: lim})
	n, _ := c.CreateNetwork(acct, netip.MustParsePrefix("10.0.0.0/16"), nil)
	a, _ := c.CreateSubnet(acct, n.ID, netip.MustParsePrefix("10.0.0.0/24"), "us-east-1a", nil)
	b, _ := c.CreateSubnet(acct, n.ID, netip.MustParsePrefix("10.0.1.0/24"), "us-east-1b", nil)
	nat := func(s Subnet) (NATGateway, error) {
		e, err := c.AllocateAddress(acct, nil)
		if err != nil {
			t.Fatal(err)
		}
		return c.CreateNATGateway(acct, s.ID, e.ID, nil)
	}
	var first NATGateway
	for i := range 5 {
		g, err := nat(a)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = g
		}
	}
	if _, err := nat(a); CodeOf(err) != CodeQuotaExceeded {
		t.Fatalf("6th NAT gateway in us-east-1a: %v", err)
	}
	if _, err := nat(b); err != nil {
		t.Fatalf("NAT gateway in us-east-1b: %v", err)
	}
	if err := c.DeleteNATGateway(acct, first.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := nat(a); err != nil {
		t.Fatalf("NAT gateway after deleting one: %v", err)
	}
}

func TestRaise(t *testing.T) {
	lim := DefaultLimits()
	if err := lim.Raise("vpcs-per-region", 4); err == nil || err.Error() != "quota vpcs-per-region (VPCs per Region): 4 is below its default 5; a quota can only be raised" {
		t.Fatalf("lowering: %v", err)
	}
	if err := lim.Raise("vpcs", 9); err == nil {
		t.Fatal("unknown key accepted")
	}
	if err := lim.Raise("rules-per-security-group", 100); err != nil || lim.RulesPerGroupDirection != 100 {
		t.Fatalf("raise rules: %v, %d", err, lim.RulesPerGroupDirection)
	}
}

// TestQuotasMatchTopologies keeps the quota keys a topology may raise and
// the ones the model enforces equal, with the same defaults.
func TestQuotasMatchTopologies(t *testing.T) {
	if len(Quotas) != len(topologies.Quotas) {
		t.Fatalf("model has %d quotas, topologies %d", len(Quotas), len(topologies.Quotas))
	}
	for i, q := range Quotas {
		tq := topologies.Quotas[i]
		if q.Key != tq.Key || q.Name != tq.Name || q.Default() != tq.Default {
			t.Errorf("quota %d: model %s %q %d, topologies %s %q %d", i, q.Key, q.Name, q.Default(), tq.Key, tq.Name, tq.Default)
		}
	}
}
