package model

import (
	"net/netip"
	"slices"
	"testing"
)

// TestInterfacesSurviveSnapshot: an interface's secondary addresses,
// description, type and attachment, and an elastic IP mapped to a
// secondary address, come back from a snapshot; addresses stay taken.
func TestInterfacesSurviveSnapshot(t *testing.T) {
	c := New()
	c.AddAccount(Account{ID: "111122223333"})
	const acct = "111122223333"
	n, err := c.CreateNetwork(acct, netip.MustParsePrefix("10.0.0.0/16"), nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.CreateSubnet(acct, n.ID, netip.MustParsePrefix("10.0.1.0/24"), "az1", nil)
	if err != nil {
		t.Fatal(err)
	}
	is, err := c.RunInstances(acct, LaunchSpec{SubnetID: s.ID, Count: 1, Type: "m5.large"})
	if err != nil {
		t.Fatal(err)
	}
	e, err := c.CreateNetworkInterface(acct, InterfaceSpec{SubnetID: s.ID, SecondaryCount: 2, Description: "wan", Type: "efa", SourceDestCheck: true})
	if err != nil {
		t.Fatal(err)
	}
	att, err := c.AttachNetworkInterface(acct, e.ID, is[0].ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	eip, err := c.AllocateAddress(acct, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AssociateAddressTo(acct, eip.ID, e.ID, e.SecondaryIPs[1]); err != nil {
		t.Fatal(err)
	}
	b, _, err := c.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	r := New()
	if err := r.Restore(b); err != nil {
		t.Fatal(err)
	}
	got, err := r.NetworkInterface(acct, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.SecondaryIPs, e.SecondaryIPs) || got.Description != "wan" || got.Type != "efa" || got.Attachment.ID != att ||
		got.Attachment.DeviceIndex != 1 || got.InstanceID != is[0].ID || got.Attachment.Time.IsZero() {
		t.Fatalf("restored %+v, was %+v", got, e)
	}
	if eips := r.ElasticIPs(acct); eips[0].PrivateIP != e.SecondaryIPs[1] {
		t.Fatalf("restored elastic IP %+v", eips[0])
	}
	if _, err := r.CreateNetworkInterface(acct, InterfaceSpec{SubnetID: s.ID, PrivateIP: e.SecondaryIPs[0]}); CodeOf(err) != CodeConflict {
		t.Fatalf("a restored secondary address given again: %v", err)
	}
}
