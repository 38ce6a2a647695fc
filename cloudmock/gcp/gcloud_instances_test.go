package gcp_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// gcloudInstances drives addresses and instances with gcloud in network
// net2 (subnet s2, 10.2.0.0/24 in us-central1): an address reserved, an
// instance made on it with a chosen IP and tags, listed, described and
// deleted, and GCP's errors for a bad name and an unknown zone.
func gcloudInstances(t *testing.T, must func(...string) string, fails func(string, ...string), base string) {
	t.Helper()
	must("addresses", "create", "ip1", "--region", "us-central1")
	const addr = "203.0.113.1" // the first address of the emulated internet
	image := "--image=https://www.googleapis.com/compute/v1/projects/debian-cloud/global/images/debian-12-bookworm-v20250610"
	must("instances", "create", "vm1", "--zone", "us-central1-a", "--subnet", "s2", "--private-network-ip", "10.2.0.20", "--address", addr,
		"--tags", "web,db", "--can-ip-forward", "--machine-type", "e2-micro", image)
	var vm struct {
		Status            string                   `json:"status"`
		CanIPForward      bool                     `json:"canIpForward"`
		Tags              struct{ Items []string } `json:"tags"`
		NetworkInterfaces []struct {
			NetworkIP     string `json:"networkIP"`
			Subnetwork    string `json:"subnetwork"`
			AccessConfigs []struct {
				NatIP string `json:"natIP"`
			} `json:"accessConfigs"`
		} `json:"networkInterfaces"`
	}
	if err := json.Unmarshal([]byte(must("instances", "describe", "vm1", "--zone", "us-central1-a", "--format=json")), &vm); err != nil {
		t.Fatal(err)
	}
	nic := vm.NetworkInterfaces[0]
	if vm.Status != "RUNNING" || !vm.CanIPForward || strings.Join(vm.Tags.Items, ",") != "db,web" || nic.NetworkIP != "10.2.0.20" ||
		!strings.HasPrefix(nic.Subnetwork, base) || len(nic.AccessConfigs) != 1 || nic.AccessConfigs[0].NatIP != addr {
		t.Fatalf("instances describe: %+v", vm)
	}
	if out := must("instances", "list", "--format=value(name,zone.basename(),networkInterfaces[0].networkIP,status)"); strings.TrimSpace(out) != "vm1\tus-central1-a\t10.2.0.20\tRUNNING" {
		t.Fatalf("instances list: %q", out)
	}
	if out := must("addresses", "list", "--format=value(name,status)"); strings.TrimSpace(out) != "ip1\tIN_USE" {
		t.Fatalf("addresses list: %q", out)
	}
	fails("Must be a match of regex", "instances", "create", "Bad_VM", "--zone", "us-central1-a", "--subnet", "s2", image)
	fails("was not found", "instances", "create", "vm2", "--zone", "us-central1-q", "--subnet", "s2", image)
	fails("is already being used by another resource", "instances", "create", "vm3", "--zone", "us-central1-b", "--subnet", "s2", "--private-network-ip", "10.2.0.20", image)
	must("instances", "delete", "vm1", "--zone", "us-central1-a", "--quiet")
	must("addresses", "delete", "ip1", "--region", "us-central1", "--quiet")
	if out := must("instances", "list", "--format=value(name)"); strings.TrimSpace(out) != "" {
		t.Fatalf("instances after delete: %q", out)
	}
}
