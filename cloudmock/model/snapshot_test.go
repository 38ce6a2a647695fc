package model

import (
	"bytes"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// populated returns a cloud with objects of many kinds, tags and a raised
// limit.
func populated(t *testing.T) *Cloud {
	t.Helper()
	c := New()
	lim := DefaultLimits()
	if err := lim.Raise("vpcs-per-region", 9); err != nil {
		t.Fatal(err)
	}
	c.AddAccount(Account{ID: acct, Limits: lim})
	n := mustNetwork(t, c, "10.0.0.0/16")
	s, err := c.CreateSubnet(acct, n.ID, pfx("10.0.1.0/24"), "us-east-1a", map[string]string{"tier": "web"})
	if err != nil {
		t.Fatal(err)
	}
	g, err := c.CreateSecurityGroup(acct, n.ID, "web", "web servers", map[string]string{"Name": "web"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddSecurityRules(acct, g.ID, Ingress, []SecurityRule{{Protocol: "tcp", FromPort: 443, ToPort: 443, Prefix: pfx("0.0.0.0/0")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RunInstances(acct, LaunchSpec{SubnetID: s.ID, ImageID: "ami-1", Type: "t3.micro", Count: 2, SecurityGroupIDs: []string{g.ID}, Tags: map[string]string{"role": "app"}}); err != nil {
		t.Fatal(err)
	}
	igw, err := c.CreateInternetGateway(acct, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AttachInternetGateway(acct, igw.ID, n.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AllocateAddress(acct, map[string]string{"eip": "1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateTransitGateway(acct, TransitGatewayOptions{ASN: 64600, DefaultAssociation: true}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ProvisionDXConnection(acct, "line1", nil); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSnapshotRestoreKeepsEverything(t *testing.T) {
	c := populated(t)
	b, seq, err := c.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if seq != c.Seq() || seq == 0 {
		t.Fatalf("Snapshot seq %d, cloud Seq %d", seq, c.Seq())
	}
	r := New()
	if err := r.Restore(b); err != nil {
		t.Fatal(err)
	}
	if r.Seq() != seq {
		t.Errorf("restored Seq %d, want %d", r.Seq(), seq)
	}
	b2, _, err := r.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, b2) {
		t.Errorf("the restored cloud's snapshot differs:\n%s\n%s", b, b2)
	}
	for name, get := range map[string]func(*Cloud) any{
		"accounts":  func(c *Cloud) any { return c.Accounts() },
		"networks":  func(c *Cloud) any { return c.Networks(acct) },
		"subnets":   func(c *Cloud) any { return c.Subnets(acct) },
		"groups":    func(c *Cloud) any { return c.SecurityGroups(acct) },
		"instances": func(c *Cloud) any { return c.Instances(acct) },
		"enis":      func(c *Cloud) any { return c.NetworkInterfaces(acct) },
		"tables":    func(c *Cloud) any { return c.RouteTables(acct) },
		"acls":      func(c *Cloud) any { return c.NetworkACLs(acct) },
		"eips":      func(c *Cloud) any { return c.ElasticIPs(acct) },
		"dx":        func(c *Cloud) any { return c.DXConnections(acct) },
		"tags":      func(c *Cloud) any { return c.Tags(acct) },
	} {
		if a, b := get(c), get(r); !reflect.DeepEqual(a, b) {
			t.Errorf("%s differ after restore:\n got  %+v\n want %+v", name, b, a)
		}
	}
	// The restored cloud goes on: a new network gets a new ID, the raised
	// quota still holds, and a subscriber sees Seq rise from the restored one.
	events := make(chan Event, 10)
	sub := r.Subscribe(func(e Event) { events <- e })
	defer sub.Close()
	n2, err := r.CreateNetwork(acct, pfx("10.1.0.0/16"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range c.Networks(acct) {
		if n.ID == n2.ID {
			t.Fatalf("new network got the old ID %s", n.ID)
		}
	}
	if e := <-events; e.Seq != seq+1 {
		t.Errorf("first event after restore has Seq %d, want %d", e.Seq, seq+1)
	}
	if a, _ := r.Account(acct); a.Limits.NetworksPerRegion != 9 {
		t.Errorf("restored VPC quota %d, want 9", a.Limits.NetworksPerRegion)
	}
	// The line provisioned again by name is the same one.
	x, err := r.ProvisionDXConnection(acct, "line1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if x.ID != c.DXConnections(acct)[0].ID {
		t.Errorf("line1 provisioned again got ID %s, want %s", x.ID, c.DXConnections(acct)[0].ID)
	}
}

func TestRestoreRefusesOtherVersionsAndDamage(t *testing.T) {
	b, _, err := populated(t).Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	other := bytes.Replace(b, []byte(`"version":`+strconv.Itoa(SnapshotVersion)), []byte(`"version":99`), 1)
	r := New()
	if err := r.Restore(other); !errors.Is(err, ErrSnapshotVersion) || !strings.Contains(err.Error(), "version 99") {
		t.Errorf("restore of version 99: got %v, want ErrSnapshotVersion naming 99", err)
	}
	if err := r.Restore(b[:len(b)/2]); err == nil {
		t.Error("restore of half a snapshot succeeded")
	}
	unknown := bytes.Replace(b, []byte(`"seq":`), []byte(`"extra":1,"seq":`), 1)
	if err := r.Restore(unknown); err == nil || !strings.Contains(err.Error(), "extra") {
		t.Errorf("restore with an unknown field: got %v", err)
	}
	if len(r.Accounts()) != 0 {
		t.Errorf("a failed restore left %d accounts", len(r.Accounts()))
	}
}
