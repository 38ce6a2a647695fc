package model

import "testing"

func TestAssociateAddress(t *testing.T) {
	c := newCloud(t)
	n := mustNetwork(t, c, "10.0.0.0/16")
	s, err := c.CreateSubnet(acct, n.ID, pfx("10.0.1.0/24"), "az1", nil)
	if err != nil {
		t.Fatal(err)
	}
	is, err := c.RunInstances(acct, LaunchSpec{SubnetID: s.ID, Count: 2})
	if err != nil {
		t.Fatal(err)
	}
	e, err := c.AllocateAddress(acct, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, c.DisassociateAddress(acct, e.ID), CodeNotAssociated)
	wantCode(t, c.AssociateAddress(acct, e.ID, "i-00000000000000000"), CodeNotFound)
	if err := c.AssociateAddress(acct, e.ID, is[0].ID); err != nil {
		t.Fatal(err)
	}
	if got := c.ElasticIPs(acct)[0].Associate; got != is[0].NetworkInterfaceID {
		t.Fatalf("associated with %q, want the instance's interface %s", got, is[0].NetworkInterfaceID)
	}
	wantCode(t, c.AssociateAddress(acct, e.ID, is[1].NetworkInterfaceID), CodeAlreadyAssociated)
	wantCode(t, c.ReleaseAddress(acct, e.ID), CodeDependency)
	if err := c.DisassociateAddress(acct, e.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.AssociateAddress(acct, e.ID, is[1].NetworkInterfaceID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.TerminateInstances(acct, []string{is[0].ID}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, c.AssociateAddress(acct, e.ID, is[0].ID), CodeAlreadyAssociated)
}
