package gcp_test

import (
	"strings"
	"testing"
)

// gcloudVPC drives with gcloud, in network net2 (subnet s2, 10.2.0.0/24
// in us-central1, route r1 to 10.9.0.0/16 via 10.2.0.9) and a network
// net3 it makes: a static internal address and an instance with two
// interfaces on it, a peering of net2 and net3 exchanging net2's custom
// routes, and a Cloud Router with a Cloud NAT gateway; it removes them
// all again.
func gcloudVPC(t *testing.T, must func(...string) string, fails func(string, ...string)) {
	t.Helper()
	must("networks", "create", "net3", "--subnet-mode=custom")
	must("networks", "subnets", "create", "s3", "--network", "net3", "--region", "us-central1", "--range", "10.3.0.0/24")

	must("addresses", "create", "int1", "--region", "us-central1", "--subnet", "s2", "--addresses", "10.2.0.30")
	if out := must("addresses", "list", "--format=value(name,addressType,address,status)"); strings.TrimSpace(out) != "int1\tINTERNAL\t10.2.0.30\tRESERVED" {
		t.Fatalf("addresses list: %q", out)
	}
	image := "--image=https://www.googleapis.com/compute/v1/projects/debian-cloud/global/images/debian-12-bookworm-v20250610"
	must("instances", "create", "two", "--zone", "us-central1-a", "--machine-type", "e2-standard-2", image,
		"--network-interface", "subnet=s2,private-network-ip=10.2.0.30,no-address", "--network-interface", "subnet=s3,no-address")
	if out := must("instances", "describe", "two", "--zone", "us-central1-a", "--format=value(networkInterfaces[].networkIP.list())"); strings.TrimSpace(out) != "10.2.0.30,10.3.0.2" {
		t.Fatalf("two's interfaces: %q", out)
	}
	if out := must("addresses", "describe", "int1", "--region", "us-central1", "--format=value(status)"); strings.TrimSpace(out) != "IN_USE" {
		t.Fatalf("int1 once used: %q", out)
	}

	must("networks", "peerings", "create", "p23", "--network", "net2", "--peer-network", "net3", "--export-custom-routes")
	must("networks", "peerings", "create", "p32", "--network", "net3", "--peer-network", "net2", "--import-custom-routes")
	if out := must("networks", "peerings", "list", "--network", "net3", "--format=value(peerings[].state.list())"); strings.TrimSpace(out) != "ACTIVE" {
		t.Fatalf("peerings list: %q", out)
	}
	out := must("networks", "peerings", "list-routes", "p32", "--network", "net3", "--region", "us-central1", "--direction", "INCOMING", "--format=value(destRange,type)")
	if !strings.Contains(out, "10.2.0.0/24\tSUBNET_PEERING_ROUTE") || !strings.Contains(out, "10.9.0.0/16\tSTATIC_PEERING_ROUTE") {
		t.Fatalf("peerings list-routes: %q", out)
	}
	must("networks", "peerings", "update", "p32", "--network", "net3", "--no-import-custom-routes")
	out = must("networks", "peerings", "list-routes", "p32", "--network", "net3", "--region", "us-central1", "--direction", "INCOMING", "--format=value(destRange)")
	if strings.Contains(out, "10.9.0.0/16") {
		t.Fatalf("custom route imported after --no-import-custom-routes: %q", out)
	}
	fails("cannot peer with itself", "networks", "peerings", "create", "self", "--network", "net2", "--peer-network", "net2")

	must("routers", "create", "rtr", "--network", "net2", "--region", "us-central1", "--asn", "64514")
	must("routers", "nats", "create", "nat1", "--router", "rtr", "--region", "us-central1", "--auto-allocate-nat-external-ips", "--nat-all-subnet-ip-ranges")
	if out := must("routers", "get-status", "rtr", "--region", "us-central1", "--format=value(result.natStatus[0].autoAllocatedNatIps.list())"); !strings.HasPrefix(strings.TrimSpace(out), "203.0.113.") {
		t.Fatalf("routers get-status: %q", out)
	}
	if out := must("routers", "list", "--format=value(name,bgp.asn,nats[].name.list())"); strings.TrimSpace(out) != "rtr\t64514\tnat1" {
		t.Fatalf("routers list: %q", out)
	}
	fails("private ASN", "routers", "create", "bad", "--network", "net2", "--region", "us-central1", "--asn", "100")
	must("routers", "nats", "delete", "nat1", "--router", "rtr", "--region", "us-central1", "--quiet")
	must("routers", "delete", "rtr", "--region", "us-central1", "--quiet")

	must("networks", "peerings", "delete", "p32", "--network", "net3")
	must("networks", "peerings", "delete", "p23", "--network", "net2")
	must("instances", "delete", "two", "--zone", "us-central1-a", "--quiet")
	must("addresses", "delete", "int1", "--region", "us-central1", "--quiet")
	must("networks", "subnets", "delete", "s3", "--region", "us-central1", "--quiet")
	must("networks", "delete", "net3", "--quiet")
}
