package topologies

import (
	"os"
	"strings"
	"testing"
)

// TestReservedAddresses: a workload on an address its provider keeps for
// itself in the subnet is refused at its address field, with the
// provider's reserved addresses and the range an instance may use
// named; the first and the last usable address are accepted. GCP keeps
// the network address, the gateway, the second-to-last and the broadcast
// address (so .2 and .3 are usable there, .254 is not); AWS and Azure
// the first four and the last.
func TestReservedAddresses(t *testing.T) {
	const (
		gcp = "vpcs.prod-vpc.workloads.prod-app.address: %s is reserved by GCP in subnet app (10.1.1.0/24): the network address, the default gateway 10.1.1.1, the second-to-last address 10.1.1.254 and the broadcast address 10.1.1.255 of a subnet's range are; use one of 10.1.1.2..10.1.1.253"
		az  = "vpcs.prod-vnet.workloads.prod-app.address: %s is reserved by Azure in subnet app (10.1.1.0/24): the first four addresses and the last one of a subnet are; use one of 10.1.1.4..10.1.1.254"
		aws = "vpcs.prod-vpc.workloads.prod-app.address: %s is reserved by AWS in subnet app (10.1.1.0/24): the first four addresses and the last one of a subnet are; use one of 10.1.1.4..10.1.1.254"
	)
	cases := []struct {
		file, addr, pos, msg string // msg "" when valid
	}{
		{"gcp-transit.yaml", "10.1.1.0", "32:40", gcp},
		{"gcp-transit.yaml", "10.1.1.1", "32:40", gcp},
		{"gcp-transit.yaml", "10.1.1.2", "", ""},
		{"gcp-transit.yaml", "10.1.1.3", "", ""},
		{"gcp-transit.yaml", "10.1.1.253", "", ""},
		{"gcp-transit.yaml", "10.1.1.254", "32:40", gcp},
		{"gcp-transit.yaml", "10.1.1.255", "32:40", gcp},
		{"azure-transit.yaml", "10.1.1.0", "33:40", az},
		{"azure-transit.yaml", "10.1.1.3", "33:40", az},
		{"azure-transit.yaml", "10.1.1.4", "", ""},
		{"azure-transit.yaml", "10.1.1.254", "", ""},
		{"azure-transit.yaml", "10.1.1.255", "33:40", az},
		{"aws-transit.yaml", "10.1.1.2", "29:40", aws},
		{"aws-transit.yaml", "10.1.1.4", "", ""},
		{"aws-transit.yaml", "10.1.1.254", "", ""},
		{"aws-transit.yaml", "10.1.1.255", "29:40", aws},
	}
	for _, c := range cases {
		src, err := os.ReadFile(c.file)
		if err != nil {
			t.Fatal(err)
		}
		edited := strings.Replace(string(src), "prod-app: {subnet: app, address: 10.1.1.10}", "prod-app: {subnet: app, address: "+c.addr+"}", 1)
		_, err = Parse(c.file, []byte(edited))
		want := ""
		if c.msg != "" {
			want = c.file + ":" + c.pos + ": " + strings.Replace(c.msg, "%s", c.addr, 1)
		}
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != want {
			t.Errorf("%s with prod-app at %s:\n got %s\nwant %s", c.file, c.addr, got, want)
		}
	}
}
