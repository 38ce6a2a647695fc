package aws_test

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// TestFixedAddressesLaunchFirst: instances with a fixed private address
// are launched in a phase before those whose address EC2 chooses, so
// that none of the latter, launched at the same time, takes the address
// a fixed one asks for: here the fixed one asks for 10.1.1.4, the first
// address EC2 hands out in the subnet (the first four are reserved), and
// six instances without an address come first in the desired state.
// Before, all were launched together and one of them could take it:
// RunInstances answered InvalidIPAddress.InUse (scenarios/differential,
// seed 2201, case 5 across clouds, a /28 transit VPC with two workloads
// without an address and one at .4).
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html — the first four addresses and the last one of a subnet are reserved
func TestFixedAddressesLaunchFirst(t *testing.T) {
	e := newEnv(t)
	d := lab()
	var free []cloud.Instance
	for i := range 6 {
		free = append(free, cloud.Instance{Key: fmt.Sprintf("free%d", i), VPC: "prod-vpc", Subnet: "prod-vpc/app", Image: cloud.ImageWorkload, SourceDestCheck: true})
	}
	fixed := cloud.Instance{Key: "fixed", VPC: "prod-vpc", Subnet: "prod-vpc/app", PrivateIP: netip.MustParseAddr("10.1.1.4"), Image: cloud.ImageWorkload, SourceDestCheck: true}
	d.Instances = append(free, append(d.Instances, fixed)...)
	calls, err := e.p.Plan(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	got := strs(calls)
	launch := func(key string) int {
		return slices.IndexFunc(got, func(s string) bool { return strings.Contains(s, "RunInstances "+key+" ") })
	}
	for _, in := range free {
		if launch(in.Key) < launch("fixed") || launch(in.Key) < launch("gw1") {
			t.Fatalf("plan launches %s (no address) before the instances with one:\n%s", in.Key, strings.Join(got, "\n"))
		}
	}
	inv, _, err := e.p.Apply(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	if a := inv.Instances["fixed"].PrivateIP; a != netip.MustParseAddr("10.1.1.4") {
		t.Fatalf("fixed has %s, want 10.1.1.4", a)
	}
}
