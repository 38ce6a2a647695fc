package persist

import (
	"bytes"
	"context"
	"net/netip"
	"path/filepath"
	"testing"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// TestGuardDutySurvivesRestart: a restarted cloud has its detector, its
// threat intel set with the addresses the lab gave it, the lab's threat
// list content and the findings, archived state and counts included.
func TestGuardDutySurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cloud.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	c := newCloud()
	if _, err := s.Load(c); err != nil {
		t.Fatal(err)
	}
	s.Start(c)
	n, err := c.CreateNetworkAt(acct, model.Place{Region: "us-east-1"}, netip.MustParsePrefix("10.0.0.0/16"), nil)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := c.CreateSubnetAt(acct, n.ID, model.Place{Region: "us-east-1"}, netip.MustParsePrefix("10.0.1.0/24"), "us-east-1a", nil)
	if err != nil {
		t.Fatal(err)
	}
	is, err := c.RunInstances(acct, model.LaunchSpec{SubnetID: sub.ID, Count: 1})
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.CreateDetector(acct, "us-east-1", model.DetectorSpec{Enable: true})
	if err != nil {
		t.Fatal(err)
	}
	set, err := c.CreateThreatIntelSet(acct, d.ID, model.ThreatIntelSetSpec{Name: "bad", Location: "s3://b/bad.txt", Activate: true})
	if err != nil {
		t.Fatal(err)
	}
	attacker := netip.MustParseAddr("203.0.113.9")
	if err := c.PutThreatList(acct, "s3://b/bad.txt", []netip.Prefix{netip.PrefixFrom(attacker, 32)}); err != nil {
		t.Fatal(err)
	}
	obs := model.Observation{InstanceID: is[0].ID, Remote: attacker, LocalPort: 22}
	f, _, err := c.RecordFinding(acct, obs)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.RecordFinding(acct, obs); err != nil {
		t.Fatal(err)
	}
	if err := c.SetFindingsArchived(acct, d.ID, []string{f.ID}, true); err != nil {
		t.Fatal(err)
	}
	if err := s.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := snap(t, c)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, c2 := reopen(t, path)
	defer s2.Close()
	if got := snap(t, c2); !bytes.Equal(got, want) {
		t.Fatalf("reloaded model differs:\n got  %s\n want %s", got, want)
	}
	g, err := c2.Finding(acct, d.ID, f.ID)
	if err != nil || g.Count != 2 || !g.Archived || g.ThreatListName != "bad" || g.Resource.InstanceID != is[0].ID {
		t.Fatalf("finding after restart: %+v, %v", g, err)
	}
	if m, ok := c2.ThreatMatch(acct, "us-east-1", attacker); !ok || m.ID != set.ID {
		t.Fatalf("threat list after restart: %+v, %v", m, ok)
	}
}
