package tracker_test

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/controller/tracker"
	"github.com/mcnlab/mcnlab/topologies"
)

// demo is the tracker of the demo topology (topologies/aws-transit.yaml)
// as its account would list it after a deploy: the topology's VPCs made
// by the lab, the account's default VPC, and another team's VPC inside
// prod-vpc's range.
func demo(t *testing.T) []tracker.Allocation {
	t.Helper()
	top, err := topologies.Load("../../topologies/aws-transit.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cp, err := intent.Compile(top)
	if err != nil {
		t.Fatal(err)
	}
	var accounts []tracker.Account
	for i, a := range cp.Accounts {
		acc := tracker.Account{Name: a.Account.Name, Provider: a.Account.Provider}
		for j, v := range a.Desired.VPCs {
			acc.Networks = append(acc.Networks, cloud.Network{ID: fmt.Sprintf("vpc-%d%d", i, j), Name: v.Key, Region: a.Region,
				CIDRs: []netip.Prefix{v.CIDR}, Key: v.Key, Owner: top.Name})
		}
		acc.Networks = append(acc.Networks,
			cloud.Network{ID: "vpc-default", Region: a.Region, CIDRs: []netip.Prefix{netip.MustParsePrefix("172.31.0.0/16")}},
			cloud.Network{ID: "vpc-team", Name: "team-vpc", Region: a.Region, CIDRs: []netip.Prefix{netip.MustParsePrefix("10.1.128.0/20")}})
		accounts = append(accounts, acc)
	}
	return tracker.Build(top.Name, accounts, top.Cloud.Sites)
}

func names(as []tracker.Allocation) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Name+" "+a.CIDR.String())
	}
	return out
}

// TestDemoAllocations: every VPC of the demo, the default VPC, the other
// team's VPC and dc1's two prefixes are listed in address order, the lab's
// VPCs marked managed, and prod-vpc and team-vpc name each other as
// overlapping.
func TestDemoAllocations(t *testing.T) {
	all := demo(t)
	want := []string{"prod-vpc 10.1.0.0/16", "team-vpc 10.1.128.0/20", "dev-vpc 10.2.0.0/16", "shared-vpc 10.3.0.0/16",
		"transit-vpc 10.10.0.0/16", "dc1 10.100.0.0/24", "dc1 10.101.0.0/24", "vpc-default 172.31.0.0/16"}
	if got := names(all); !slices.Equal(got, want) {
		t.Fatalf("allocations\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	for _, a := range all {
		managed := strings.HasSuffix(a.Name, "-vpc") && a.Name != "team-vpc"
		if a.Managed != managed {
			t.Errorf("%s: managed %v, want %v", a.Name, a.Managed, managed)
		}
		wantKind, wantCloud := tracker.KindNetwork, "aws"
		if a.Name == "dc1" {
			wantKind, wantCloud = tracker.KindSite, "on-prem"
		}
		if a.Kind != wantKind || a.Cloud != wantCloud {
			t.Errorf("%s: kind %s cloud %s, want %s %s", a.Name, a.Kind, a.Cloud, wantKind, wantCloud)
		}
		var wantOver []string
		switch a.Name {
		case "prod-vpc":
			wantOver = []string{"team-vpc 10.1.128.0/20"}
		case "team-vpc":
			wantOver = []string{"prod-vpc 10.1.0.0/16"}
		}
		if !slices.Equal(a.Overlaps, wantOver) {
			t.Errorf("%s overlaps %v, want %v", a.Name, a.Overlaps, wantOver)
		}
	}
}

// TestDemoTest: --test answers the allocations a CIDR overlaps, inside,
// around or equal to it, and refuses a CIDR with host bits or none.
func TestDemoTest(t *testing.T) {
	all := demo(t)
	for _, c := range []struct {
		cidr string
		want []string
	}{
		{"10.1.0.0/24", []string{"prod-vpc 10.1.0.0/16"}}, // the done-when
		{"10.1.128.0/24", []string{"prod-vpc 10.1.0.0/16", "team-vpc 10.1.128.0/20"}},
		{"10.0.0.0/8", []string{"prod-vpc 10.1.0.0/16", "team-vpc 10.1.128.0/20", "dev-vpc 10.2.0.0/16", "shared-vpc 10.3.0.0/16",
			"transit-vpc 10.10.0.0/16", "dc1 10.100.0.0/24", "dc1 10.101.0.0/24"}},
		{"10.101.0.128/25", []string{"dc1 10.101.0.0/24"}},
		{"10.3.0.0/16", []string{"shared-vpc 10.3.0.0/16"}},
		{"10.4.0.0/16", nil},
		{"2001:db8::/32", nil},
	} {
		got, err := tracker.Test(all, c.cidr)
		if err != nil {
			t.Errorf("test %s: %v", c.cidr, err)
			continue
		}
		if n := names(got); !slices.Equal(n, c.want) {
			t.Errorf("test %s = %v, want %v", c.cidr, n, c.want)
		}
	}
	for cidr, want := range map[string]string{
		"10.1.0.1/24": `test "10.1.0.1/24": host bits are set; did you mean 10.1.0.0/24?`,
		"10.1.0.0":    `test "10.1.0.0": not a CIDR such as 10.1.0.0/24: netip.ParsePrefix("10.1.0.0"): no '/'`,
	} {
		if _, err := tracker.Test(all, cidr); err == nil || err.Error() != want {
			t.Errorf("test %s: error %v, want %q", cidr, err, want)
		}
	}
}
