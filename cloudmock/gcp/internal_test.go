package gcp_test

import (
	"strings"
	"testing"

	compute "google.golang.org/api/compute/v1"
)

// TestInternalAddressesLibrary: a static internal address is reserved in
// a subnet, the one asked for or the next free one; the cloud no longer
// gives it to an instance on its own, an instance that names it as
// networkIP takes it (IN_USE, the instance its user); it is refused
// outside the subnet, twice, without a subnetwork and globally; its name
// is shared with the external addresses; the subnet cannot go while it
// is reserved; released, its address is free again.
func TestInternalAddressesLibrary(t *testing.T) {
	svc, _, _ := newService(t)
	netWithSubnet(t, svc)
	sub := "regions/us-central1/subnetworks/a"
	must[*compute.Operation](t)(svc.Addresses.Insert(project, "us-central1", &compute.Address{Name: "db", AddressType: "INTERNAL", Subnetwork: sub, Address: "10.1.0.20"}).Do())
	must[*compute.Operation](t)(svc.Addresses.Insert(project, "us-central1", &compute.Address{Name: "next", AddressType: "INTERNAL", Subnetwork: sub}).Do())
	a := must[*compute.Address](t)(svc.Addresses.Get(project, "us-central1", "db").Do())
	if a.Status != "RESERVED" || a.AddressType != "INTERNAL" || a.Address != "10.1.0.20" || a.Purpose != "GCE_ENDPOINT" ||
		!strings.HasSuffix(a.Subnetwork, "/regions/us-central1/subnetworks/a") || !strings.HasSuffix(a.SelfLink, "/regions/us-central1/addresses/db") {
		t.Fatalf("address %+v", a)
	}
	// GCP reserves .0 and .1 (the gateway): the next free is .2.
	if n := must[*compute.Address](t)(svc.Addresses.Get(project, "us-central1", "next").Do()); n.Address != "10.1.0.2" {
		t.Fatalf("picked %s, want 10.1.0.2", n.Address)
	}
	// An instance without networkIP skips both reserved addresses.
	must[*compute.Operation](t)(svc.Instances.Insert(project, "us-central1-a", vm("auto", "")).Do())
	if i := must[*compute.Instance](t)(svc.Instances.Get(project, "us-central1-a", "auto").Do()); i.NetworkInterfaces[0].NetworkIP != "10.1.0.3" {
		t.Fatalf("auto got %s, want 10.1.0.3", i.NetworkInterfaces[0].NetworkIP)
	}
	must[*compute.Operation](t)(svc.Instances.Insert(project, "us-central1-a", vm("dbvm", "10.1.0.20")).Do())
	dbvm := must[*compute.Instance](t)(svc.Instances.Get(project, "us-central1-a", "dbvm").Do())
	if a = must[*compute.Address](t)(svc.Addresses.Get(project, "us-central1", "db").Do()); a.Status != "IN_USE" || len(a.Users) != 1 || a.Users[0] != dbvm.SelfLink {
		t.Fatalf("address in use %+v", a)
	}
	if l := must[*compute.AddressList](t)(svc.Addresses.List(project, "us-central1").Do()); len(l.Items) != 2 || l.Items[0].Name != "db" || l.Items[1].Name != "next" {
		t.Fatalf("list %+v", l.Items)
	}
	if agg := must[*compute.AddressAggregatedList](t)(svc.Addresses.AggregatedList(project).Do()); len(agg.Items["regions/us-central1"].Addresses) != 2 {
		t.Fatalf("aggregated %+v", agg.Items)
	}

	_, err := svc.Addresses.Insert(project, "us-central1", &compute.Address{Name: "out", AddressType: "INTERNAL", Subnetwork: sub, Address: "10.9.0.5"}).Do()
	wantReason(t, err, 400, "invalid")
	_, err = svc.Addresses.Insert(project, "us-central1", &compute.Address{Name: "nosub", AddressType: "INTERNAL"}).Do()
	wantReason(t, err, 400, "required")
	_, err = svc.GlobalAddresses.Insert(project, &compute.Address{Name: "g", AddressType: "INTERNAL"}).Do()
	wantReason(t, err, 400, "invalid")
	_, err = svc.Addresses.Insert(project, "us-central1", &compute.Address{Name: "db"}).Do()
	wantReason(t, err, 409, "alreadyExists")
	op := must[*compute.Operation](t)(svc.Addresses.Insert(project, "us-central1", &compute.Address{Name: "twice", AddressType: "INTERNAL", Subnetwork: sub, Address: "10.1.0.20"}).Do())
	if op.Error == nil || op.Error.Errors[0].Code != "IP_IN_USE_BY_ANOTHER_RESOURCE" {
		t.Fatalf("second reservation of 10.1.0.20: %+v", op.Error)
	}
	if op = must[*compute.Operation](t)(svc.Addresses.Delete(project, "us-central1", "db").Do()); op.Error == nil || op.Error.Errors[0].Code != "RESOURCE_IN_USE_BY_ANOTHER_RESOURCE" {
		t.Fatalf("delete in use: %+v", op.Error)
	}
	must[*compute.Operation](t)(svc.Instances.Delete(project, "us-central1-a", "dbvm").Do())
	must[*compute.Operation](t)(svc.Instances.Delete(project, "us-central1-a", "auto").Do())
	if op = must[*compute.Operation](t)(svc.Subnetworks.Delete(project, "us-central1", "a").Do()); op.Error == nil || op.Error.Errors[0].Code != "RESOURCE_IN_USE_BY_ANOTHER_RESOURCE" {
		t.Fatalf("delete a subnet with reserved addresses: %+v", op.Error)
	}
	for _, n := range []string{"db", "next"} {
		if op = must[*compute.Operation](t)(svc.Addresses.Delete(project, "us-central1", n).Do()); op.Error != nil {
			t.Fatalf("delete %s: %+v", n, op.Error)
		}
	}
	must[*compute.Operation](t)(svc.Instances.Insert(project, "us-central1-a", vm("again", "")).Do())
	if i := must[*compute.Instance](t)(svc.Instances.Get(project, "us-central1-a", "again").Do()); i.NetworkInterfaces[0].NetworkIP != "10.1.0.2" {
		t.Fatalf("after release got %s, want 10.1.0.2", i.NetworkInterfaces[0].NetworkIP)
	}
}

// TestMultiNICLibrary: an instance with interfaces in two VPC networks
// shows nic0 and nic1 with their networks and addresses; two interfaces
// in one network, or an ephemeral external IP on nic1, are refused; a
// reserved one on nic1 is its access config and IN_USE by the instance;
// the second network cannot be deleted while nic1 is in it.
func TestMultiNICLibrary(t *testing.T) {
	svc, _, _ := newService(t)
	netWithSubnet(t, svc)
	wait(t, svc, must[*compute.Operation](t)(svc.Networks.Insert(project, &compute.Network{Name: "net2", ForceSendFields: []string{"AutoCreateSubnetworks"}}).Do()))
	must[*compute.Operation](t)(svc.Subnetworks.Insert(project, "us-central1", &compute.Subnetwork{Name: "b", Network: "global/networks/net2", IpCidrRange: "10.2.0.0/24"}).Do())
	in := vm("two", "10.1.0.7")
	in.NetworkInterfaces = append(in.NetworkInterfaces, &compute.NetworkInterface{Subnetwork: "regions/us-central1/subnetworks/b", NetworkIP: "10.2.0.7"})
	must[*compute.Operation](t)(svc.Instances.Insert(project, "us-central1-a", in).Do())
	i := must[*compute.Instance](t)(svc.Instances.Get(project, "us-central1-a", "two").Do())
	if len(i.NetworkInterfaces) != 2 {
		t.Fatalf("interfaces %+v", i.NetworkInterfaces)
	}
	n0, n1 := i.NetworkInterfaces[0], i.NetworkInterfaces[1]
	if n0.Name != "nic0" || n0.NetworkIP != "10.1.0.7" || !strings.HasSuffix(n0.Network, "/global/networks/net1") ||
		n1.Name != "nic1" || n1.NetworkIP != "10.2.0.7" || !strings.HasSuffix(n1.Network, "/global/networks/net2") || !strings.HasSuffix(n1.Subnetwork, "/subnetworks/b") {
		t.Fatalf("nic0 %+v nic1 %+v", n0, n1)
	}
	same := vm("same", "")
	same.NetworkInterfaces = append(same.NetworkInterfaces, &compute.NetworkInterface{Subnetwork: "regions/us-central1/subnetworks/a"})
	_, err := svc.Instances.Insert(project, "us-central1-a", same).Do()
	wantMessage(t, err, 400, "invalid", "Networks must be distinct for NICs attached to a VM.")
	ext := vm("ext", "")
	ext.NetworkInterfaces = append(ext.NetworkInterfaces, &compute.NetworkInterface{Subnetwork: "regions/us-central1/subnetworks/b",
		AccessConfigs: []*compute.AccessConfig{{Type: "ONE_TO_ONE_NAT"}}})
	_, err = svc.Instances.Insert(project, "us-central1-a", ext).Do()
	wantReason(t, err, 400, "invalid")
	// A reserved address on nic1, an ephemeral one on nic0.
	must[*compute.Operation](t)(svc.Addresses.Insert(project, "us-central1", &compute.Address{Name: "n1ip"}).Do())
	a := must[*compute.Address](t)(svc.Addresses.Get(project, "us-central1", "n1ip").Do())
	both := vm("both", "", &compute.AccessConfig{Type: "ONE_TO_ONE_NAT"})
	both.NetworkInterfaces = append(both.NetworkInterfaces, &compute.NetworkInterface{Subnetwork: "regions/us-central1/subnetworks/b",
		AccessConfigs: []*compute.AccessConfig{{Type: "ONE_TO_ONE_NAT", NatIP: a.Address}}})
	must[*compute.Operation](t)(svc.Instances.Insert(project, "us-central1-a", both).Do())
	bi := must[*compute.Instance](t)(svc.Instances.Get(project, "us-central1-a", "both").Do())
	if ac0, ac1 := bi.NetworkInterfaces[0].AccessConfigs, bi.NetworkInterfaces[1].AccessConfigs; len(ac0) != 1 || ac0[0].NatIP == "" || ac0[0].NatIP == a.Address ||
		len(ac1) != 1 || ac1[0].NatIP != a.Address {
		t.Fatalf("access configs nic0 %+v nic1 %+v", ac0, ac1)
	}
	if a = must[*compute.Address](t)(svc.Addresses.Get(project, "us-central1", "n1ip").Do()); a.Status != "IN_USE" || a.Users[0] != bi.SelfLink {
		t.Fatalf("nic1's address %+v", a)
	}
	must[*compute.Operation](t)(svc.Instances.Delete(project, "us-central1-a", "both").Do())
	if a = must[*compute.Address](t)(svc.Addresses.Get(project, "us-central1", "n1ip").Do()); a.Status != "RESERVED" {
		t.Fatalf("nic1's address after delete %+v", a)
	}
	must[*compute.Operation](t)(svc.Subnetworks.Delete(project, "us-central1", "b").Do())
	if op := must[*compute.Operation](t)(svc.Networks.Delete(project, "net2").Do()); op.Error == nil {
		t.Fatal("net2 deleted while nic1 of an instance is in it")
	}
	must[*compute.Operation](t)(svc.Instances.Delete(project, "us-central1-a", "two").Do())
}

// wantMessage is wantReason that also checks the message holds msg.
func wantMessage(t *testing.T, err error, code int, reason, msg string) {
	t.Helper()
	wantReason(t, err, code, reason)
	if !strings.Contains(err.Error(), msg) {
		t.Fatalf("error %v, want a message with %q", err, msg)
	}
}
