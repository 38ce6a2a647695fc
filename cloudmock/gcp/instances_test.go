package gcp_test

import (
	"slices"
	"strings"
	"testing"

	compute "google.golang.org/api/compute/v1"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// netWithSubnet makes network net1 with subnet a (10.1.0.0/24) in
// us-central1.
func netWithSubnet(t *testing.T, svc *compute.Service) {
	t.Helper()
	wait(t, svc, must[*compute.Operation](t)(svc.Networks.Insert(project, &compute.Network{Name: "net1", ForceSendFields: []string{"AutoCreateSubnetworks"}}).Do()))
	must[*compute.Operation](t)(svc.Subnetworks.Insert(project, "us-central1", &compute.Subnetwork{Name: "a", Network: "global/networks/net1", IpCidrRange: "10.1.0.0/24"}).Do())
}

func vm(name, ip string, ac ...*compute.AccessConfig) *compute.Instance {
	return &compute.Instance{Name: name, MachineType: "zones/us-central1-a/machineTypes/e2-micro",
		NetworkInterfaces: []*compute.NetworkInterface{{Subnetwork: "regions/us-central1/subnetworks/a", NetworkIP: ip, AccessConfigs: ac}}}
}

// TestInstancesLibrary: the Go library makes an instance with a chosen
// internal IP, a tag, a service account and IP forwarding, reads it,
// lists it (zonal and aggregated), changes its tags with the fingerprint,
// stops and starts it and deletes it; the operations are zonal.
func TestInstancesLibrary(t *testing.T) {
	svc, _, _ := newService(t)
	netWithSubnet(t, svc)
	in := vm("web1", "10.1.0.10")
	in.CanIpForward, in.Tags = true, &compute.Tags{Items: []string{"web"}}
	in.ServiceAccounts = []*compute.ServiceAccount{{Email: "app@proj1.iam.gserviceaccount.com", Scopes: []string{"https://www.googleapis.com/auth/cloud-platform"}}}
	op := must[*compute.Operation](t)(svc.Instances.Insert(project, "us-central1-a", in).Do())
	if op.Status != "DONE" || op.Error != nil || !strings.HasSuffix(op.Zone, "/zones/us-central1-a") || !strings.HasSuffix(op.TargetLink, "/zones/us-central1-a/instances/web1") {
		t.Fatalf("insert operation %+v", op)
	}
	if got := must[*compute.Operation](t)(svc.ZoneOperations.Get(project, "us-central1-a", op.Name).Do()); got.Name != op.Name {
		t.Fatalf("zone operation %+v", got)
	}
	must[*compute.Operation](t)(svc.Instances.Insert(project, "us-central1-a", vm("web2", "")).Do())
	i := must[*compute.Instance](t)(svc.Instances.Get(project, "us-central1-a", "web1").Do())
	nic := i.NetworkInterfaces[0]
	if i.Status != "RUNNING" || !i.CanIpForward || nic.NetworkIP != "10.1.0.10" || !strings.HasSuffix(nic.Network, "/global/networks/net1") ||
		!slices.Equal(i.Tags.Items, []string{"web"}) || i.ServiceAccounts[0].Email != "app@proj1.iam.gserviceaccount.com" || len(nic.AccessConfigs) != 0 {
		t.Fatalf("instance %+v nic %+v", i, nic)
	}
	// The next free address: GCP reserves .0, .1 (gateway).
	if w2 := must[*compute.Instance](t)(svc.Instances.Get(project, "us-central1-a", "web2").Do()); w2.NetworkInterfaces[0].NetworkIP != "10.1.0.2" {
		t.Fatalf("web2 got %s, want 10.1.0.2", w2.NetworkInterfaces[0].NetworkIP)
	}
	l := must[*compute.InstanceList](t)(svc.Instances.List(project, "us-central1-a").Do())
	if len(l.Items) != 2 || l.Items[0].Name != "web1" {
		t.Fatalf("list %+v", l.Items)
	}
	agg := must[*compute.InstanceAggregatedList](t)(svc.Instances.AggregatedList(project).Do())
	if len(agg.Items["zones/us-central1-a"].Instances) != 2 {
		t.Fatalf("aggregated %+v", agg.Items)
	}
	_, err := svc.Instances.SetTags(project, "us-central1-a", "web1", &compute.Tags{Items: []string{"db"}, Fingerprint: "stale"}).Do()
	wantReason(t, err, 412, "conditionNotMet")
	must[*compute.Operation](t)(svc.Instances.SetTags(project, "us-central1-a", "web1", &compute.Tags{Items: []string{"db", "web"}, Fingerprint: i.Tags.Fingerprint}).Do())
	if i = must[*compute.Instance](t)(svc.Instances.Get(project, "us-central1-a", "web1").Do()); !slices.Equal(i.Tags.Items, []string{"db", "web"}) {
		t.Fatalf("tags after setTags %v", i.Tags.Items)
	}
	must[*compute.Operation](t)(svc.Instances.Stop(project, "us-central1-a", "web1").Do())
	if i = must[*compute.Instance](t)(svc.Instances.Get(project, "us-central1-a", "web1").Do()); i.Status != "TERMINATED" || i.NetworkInterfaces[0].NetworkIP != "10.1.0.10" {
		t.Fatalf("stopped instance %s %s", i.Status, i.NetworkInterfaces[0].NetworkIP)
	}
	must[*compute.Operation](t)(svc.Instances.Start(project, "us-central1-a", "web1").Do())
	if i = must[*compute.Instance](t)(svc.Instances.Get(project, "us-central1-a", "web1").Do()); i.Status != "RUNNING" {
		t.Fatalf("started instance %s", i.Status)
	}
	must[*compute.Operation](t)(svc.Instances.Delete(project, "us-central1-a", "web1").Do())
	_, err = svc.Instances.Get(project, "us-central1-a", "web1").Do()
	wantReason(t, err, 404, "notFound")
	// The name and the address are free again.
	must[*compute.Operation](t)(svc.Instances.Insert(project, "us-central1-a", vm("web1", "10.1.0.10")).Do())
}

// TestInstanceErrors: GCP's errors for a bad name, an unknown zone, a
// subnet of another region, an IP outside the subnet, an IP in use
// (inside the operation) and a duplicate name.
func TestInstanceErrors(t *testing.T) {
	svc, _, _ := newService(t)
	netWithSubnet(t, svc)
	_, err := svc.Instances.Insert(project, "us-central1-a", vm("Bad_Name", "")).Do()
	wantReason(t, err, 400, "invalid")
	_, err = svc.Instances.Insert(project, "us-central1-q", vm("x", "")).Do()
	wantReason(t, err, 404, "notFound")
	_, err = svc.Instances.Insert(project, "us-east1-b", vm("x", "")).Do()
	wantReason(t, err, 400, "invalid")
	_, err = svc.Instances.Insert(project, "us-central1-a", vm("x", "10.2.0.5")).Do()
	wantReason(t, err, 400, "invalid")
	must[*compute.Operation](t)(svc.Instances.Insert(project, "us-central1-a", vm("x", "10.1.0.5")).Do())
	_, err = svc.Instances.Insert(project, "us-central1-a", vm("x", "")).Do()
	wantReason(t, err, 409, "alreadyExists")
	op := must[*compute.Operation](t)(svc.Instances.Insert(project, "us-central1-b", vm("y", "10.1.0.5")).Do())
	if op.Error == nil || op.Error.Errors[0].Code != "IP_IN_USE_BY_ANOTHER_RESOURCE" || op.Error.Errors[0].Message != "IP '10.1.0.5' is already being used by another resource." {
		t.Fatalf("operation %+v, want IP_IN_USE_BY_ANOTHER_RESOURCE", op.Error)
	}
	if _, err := svc.Instances.Get(project, "us-central1-b", "y").Do(); err == nil {
		t.Fatal("the failed instance exists")
	}
}

// TestAddressesLibrary: a regional external address is RESERVED, bound
// to an instance as its natIP it is IN_USE with the instance as its user
// and cannot be deleted or bound twice; an ephemeral access config gets
// an address of the emulated internet; a global address lists apart.
func TestAddressesLibrary(t *testing.T) {
	svc, _, _ := newService(t)
	netWithSubnet(t, svc)
	must[*compute.Operation](t)(svc.Addresses.Insert(project, "us-central1", &compute.Address{Name: "ip1"}).Do())
	must[*compute.Operation](t)(svc.GlobalAddresses.Insert(project, &compute.Address{Name: "gip"}).Do())
	a := must[*compute.Address](t)(svc.Addresses.Get(project, "us-central1", "ip1").Do())
	if a.Status != "RESERVED" || a.AddressType != "EXTERNAL" || a.NetworkTier != "PREMIUM" || !strings.HasPrefix(a.Address, "203.0.113.") || len(a.Users) != 0 {
		t.Fatalf("address %+v", a)
	}
	_, err := svc.Addresses.Insert(project, "us-central1", &compute.Address{Name: "ip1"}).Do()
	wantReason(t, err, 409, "alreadyExists")
	_, err = svc.Instances.Insert(project, "us-central1-a", vm("v0", "", &compute.AccessConfig{NatIP: "198.51.100.7"})).Do()
	wantReason(t, err, 400, "invalid")
	must[*compute.Operation](t)(svc.Instances.Insert(project, "us-central1-a", vm("v1", "", &compute.AccessConfig{Type: "ONE_TO_ONE_NAT", NatIP: a.Address})).Do())
	must[*compute.Operation](t)(svc.Instances.Insert(project, "us-central1-a", vm("v2", "", &compute.AccessConfig{Name: "eph"})).Do())
	v1 := must[*compute.Instance](t)(svc.Instances.Get(project, "us-central1-a", "v1").Do())
	if ac := v1.NetworkInterfaces[0].AccessConfigs; len(ac) != 1 || ac[0].NatIP != a.Address || ac[0].Type != "ONE_TO_ONE_NAT" || ac[0].Name != "External NAT" {
		t.Fatalf("v1 access configs %+v", ac)
	}
	v2 := must[*compute.Instance](t)(svc.Instances.Get(project, "us-central1-a", "v2").Do())
	if ac := v2.NetworkInterfaces[0].AccessConfigs; len(ac) != 1 || !strings.HasPrefix(ac[0].NatIP, "203.0.113.") || ac[0].NatIP == a.Address || ac[0].Name != "eph" {
		t.Fatalf("v2 access configs %+v", ac)
	}
	if a = must[*compute.Address](t)(svc.Addresses.Get(project, "us-central1", "ip1").Do()); a.Status != "IN_USE" || len(a.Users) != 1 || a.Users[0] != v1.SelfLink {
		t.Fatalf("address in use %+v", a)
	}
	op := must[*compute.Operation](t)(svc.Instances.Insert(project, "us-central1-a", vm("v3", "", &compute.AccessConfig{NatIP: a.Address})).Do())
	if op.Error == nil || op.Error.Errors[0].Code != "IP_IN_USE_BY_ANOTHER_RESOURCE" {
		t.Fatalf("second user of %s: %+v", a.Address, op.Error)
	}
	op = must[*compute.Operation](t)(svc.Addresses.Delete(project, "us-central1", "ip1").Do())
	if op.Error == nil || op.Error.Errors[0].Code != "RESOURCE_IN_USE_BY_ANOTHER_RESOURCE" {
		t.Fatalf("delete in use: %+v", op.Error)
	}
	if l := must[*compute.AddressList](t)(svc.GlobalAddresses.List(project).Do()); len(l.Items) != 1 || l.Items[0].Name != "gip" || l.Items[0].Region != "" {
		t.Fatalf("global addresses %+v", l.Items)
	}
	if agg := must[*compute.AddressAggregatedList](t)(svc.Addresses.AggregatedList(project).Do()); len(agg.Items["regions/us-central1"].Addresses) != 1 || len(agg.Items["global"].Addresses) != 1 {
		t.Fatalf("aggregated addresses %+v", agg.Items)
	}
	must[*compute.Operation](t)(svc.Instances.Delete(project, "us-central1-a", "v1").Do())
	if a = must[*compute.Address](t)(svc.Addresses.Get(project, "us-central1", "ip1").Do()); a.Status != "RESERVED" {
		t.Fatalf("address after its instance went %+v", a)
	}
	if op = must[*compute.Operation](t)(svc.Addresses.Delete(project, "us-central1", "ip1").Do()); op.Error != nil {
		t.Fatalf("delete %+v", op.Error)
	}
	if l := must[*compute.AddressList](t)(svc.Addresses.List(project, "us-central1").Do()); len(l.Items) != 0 {
		t.Fatalf("addresses after delete %+v", l.Items)
	}
}

// TestInstanceStatusInTransit: while a realizer follows the cloud, a
// stopped instance is STOPPING and a started one STAGING until the
// dataplane has acted (model.SettlePower), then TERMINATED and RUNNING.
// GCP: https://cloud.google.com/compute/docs/instances/instance-life-cycle — STOPPING, TERMINATED; STAGING, RUNNING
func TestInstanceStatusInTransit(t *testing.T) {
	svc, cloud, _ := newService(t)
	netWithSubnet(t, svc)
	must[*compute.Operation](t)(svc.Instances.Insert(project, "us-central1-a", vm("web1", "10.1.0.10")).Do())
	cloud.SetPowerTransitions(true)
	status := func(want string) {
		t.Helper()
		if i := must[*compute.Instance](t)(svc.Instances.Get(project, "us-central1-a", "web1").Do()); i.Status != want {
			t.Fatalf("status %s, want %s", i.Status, want)
		}
	}
	must[*compute.Operation](t)(svc.Instances.Stop(project, "us-central1-a", "web1").Do())
	status("STOPPING")
	cloud.SettlePower(model.PowerInTransit(cloud.Instances(project)))
	status("TERMINATED")
	must[*compute.Operation](t)(svc.Instances.Start(project, "us-central1-a", "web1").Do())
	status("STAGING")
	cloud.SettlePower(model.PowerInTransit(cloud.Instances(project)))
	status("RUNNING")
}
