package model

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/internal/handle"
)

// namedProfile is a test-only provider shaped like Azure, GCP and OCI
// rather than AWS: names unique per scope and kind, IDs derived from the
// scope and name (random for unnamed objects), no default network ACL or
// security group, two addresses reserved at the bottom of each subnet and
// one at the top, and two regions. That the model serves it shows the
// model is not AWS's alone.
var namedProfile = Profile{
	Provider: "named",
	NewID: func(account string, kind Kind, at Place) string {
		if at.Name == "" {
			return "named-" + string(kind) + "-" + newID("x")
		}
		return "/accounts/" + account + "/scopes/" + at.Scope + "/" + string(kind) + "/" + at.Name
	},
	UniqueNames:  true,
	Limits:       Limits{MinNetworkPrefixBits: 8, MaxNetworkPrefixBits: 29, MinSubnetPrefixBits: 8, MaxSubnetPrefixBits: 29, CIDRsPerNetwork: 5, RoutesPerTable: 50, NetworksPerRegion: 10, SubnetsPerNetwork: 10, RouteTablesPerNetwork: 10},
	ReservedLow:  2,
	ReservedHigh: 1,
	Regions:      []string{"alpha", "beta"},
}

func init() { profiles[namedProfile.Provider] = &namedProfile }

const namedAcct = "named-1"

func newNamedCloud(t *testing.T) *Cloud {
	t.Helper()
	c := New()
	c.AddAccount(Account{ID: namedAcct, Provider: "named"})
	return c
}

func TestNamedProfileNamesAreUniquePerScopeAndKind(t *testing.T) {
	c := newNamedCloud(t)
	a, err := c.Account(namedAcct)
	if err != nil || a.Limits != namedProfile.Limits {
		t.Fatalf("account %+v, %v: want the profile's limits", a, err)
	}
	n, err := c.CreateNetworkAt(namedAcct, Place{Region: "alpha", Scope: "rg1", Name: "net1"}, pfx("10.0.0.0/16"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := "/accounts/named-1/scopes/rg1/network/net1"; n.ID != want {
		t.Errorf("ID %s, want %s", n.ID, want)
	}
	if n.Name != "net1" || n.Scope != "rg1" || n.Region != "alpha" || n.Handle != handle.Of(n.ID) {
		t.Errorf("network %+v: want name net1, scope rg1, region alpha, handle %s", n.Meta, handle.Of(n.ID))
	}
	if n.MainRouteTableID == "" || n.DefaultNetworkACLID != "" || n.DefaultSecurityGroupID != "" {
		t.Errorf("defaults %q %q %q: want a main route table only", n.MainRouteTableID, n.DefaultNetworkACLID, n.DefaultSecurityGroupID)
	}
	if id, err := c.ByName(namedAcct, "rg1", KindNetwork, "net1"); err != nil || id != n.ID {
		t.Errorf("ByName = %q, %v; want %s", id, err, n.ID)
	}
	_, err = c.CreateNetworkAt(namedAcct, Place{Region: "beta", Scope: "rg1", Name: "net1"}, pfx("10.1.0.0/16"), nil)
	wantCode(t, err, CodeAlreadyExists)
	other, err := c.CreateNetworkAt(namedAcct, Place{Region: "alpha", Scope: "rg2", Name: "net1"}, pfx("10.1.0.0/16"), nil)
	if err != nil {
		t.Fatalf("the same name in another scope: %v", err)
	}
	_, err = c.CreateNetworkAt(namedAcct, Place{Region: "us-east-1", Scope: "rg1", Name: "net3"}, pfx("10.2.0.0/16"), nil)
	wantCode(t, err, CodeInvalidParameter)

	// A subnet of another kind may share the network's name; it has no
	// default ACL to join, and its profile reserves two low addresses.
	s, err := c.CreateSubnetAt(namedAcct, n.ID, Place{Scope: "rg1", Name: "net1"}, pfx("10.0.1.0/24"), "alpha-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.AvailableIPs != 256-3 || s.Name != "net1" || s.Region != "alpha" {
		t.Errorf("subnet %+v: want 253 free addresses, name net1, region alpha", s)
	}
	inst, err := c.RunInstances(namedAcct, LaunchSpec{SubnetID: s.ID, Count: 1})
	if err != nil {
		t.Fatal(err)
	}
	if want := netip.MustParseAddr("10.0.1.2"); inst[0].PrivateIP != want || len(inst[0].SecurityGroupIDs) != 0 {
		t.Errorf("instance %s has %s and groups %v: want %s and none", inst[0].ID, inst[0].PrivateIP, inst[0].SecurityGroupIDs, want)
	}

	// The index survives a snapshot, and a deleted object frees its name.
	b, _, err := c.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	r := New()
	if err := r.Restore(b); err != nil {
		t.Fatal(err)
	}
	if id, err := r.ByName(namedAcct, "rg2", KindNetwork, "net1"); err != nil || id != other.ID {
		t.Errorf("after restore ByName = %q, %v; want %s", id, err, other.ID)
	}
	if err := r.DeleteNetwork(namedAcct, other.ID); err != nil {
		t.Fatal(err)
	}
	_, err = r.ByName(namedAcct, "rg2", KindNetwork, "net1")
	wantCode(t, err, CodeNotFound)
	if _, err := r.CreateNetworkAt(namedAcct, Place{Region: "alpha", Scope: "rg2", Name: "net1"}, pfx("10.1.0.0/16"), nil); err != nil {
		t.Errorf("a freed name: %v", err)
	}
}

// TestAWSObjectsHaveNoUniqueNames: an AWS account's objects have no name
// or scope (a Name tag is only a tag), two VPCs may carry one Name tag,
// and the name index finds nothing.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_Tags.html — tag keys and values are not unique across resources
func TestAWSObjectsHaveNoUniqueNames(t *testing.T) {
	c := newCloud(t)
	a := mustNetwork(t, c, "10.0.0.0/16")
	b := mustNetwork(t, c, "10.1.0.0/16")
	for _, n := range []Network{a, b} {
		if n.Name != "" || n.Scope != "" || n.Handle != handle.Of(n.ID) || !strings.HasPrefix(n.ID, "vpc-") {
			t.Errorf("network %s: %+v; want no name or scope and handle %s", n.ID, n.Meta, handle.Of(n.ID))
		}
	}
	_, err := c.ByName(acct, "", KindNetwork, "n")
	wantCode(t, err, CodeNotFound)
	if id, ok := c.ByHandle(a.Handle); !ok || id != a.ID {
		t.Errorf("ByHandle(%s) = %q, %v; want %s", a.Handle, id, ok, a.ID)
	}
}

// TestRandomIDsAreMintedAgainOnAHandleCollision forces half of all IDs
// onto one handle: every object still gets a handle of its own.
func TestRandomIDsAreMintedAgainOnAHandleCollision(t *testing.T) {
	c := newCloud(t)
	c.hash = func(id string) string {
		if id[len(id)-1] < '8' {
			return "aaaaaaaa"
		}
		return handle.Of(id)
	}
	seen := map[string]string{}
	for i := range 5 {
		n := mustNetwork(t, c, netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i), 0, 0}), 16).String())
		rt, err := c.RouteTable(acct, n.MainRouteTableID)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range []Meta{n.Meta, rt.Meta} {
			if prev, dup := seen[o.Handle]; dup {
				t.Fatalf("handle %s given twice (%s)", o.Handle, prev)
			}
			seen[o.Handle] = n.ID
		}
	}
}

// TestNameDerivedIDCollisionIsAConflict: a profile whose IDs derive from
// names cannot mint again; the second name whose ID has a taken handle is
// refused and leaves nothing behind.
func TestNameDerivedIDCollisionIsAConflict(t *testing.T) {
	c := newNamedCloud(t)
	c.hash = func(id string) string {
		if strings.HasSuffix(id, "/net1") || strings.HasSuffix(id, "/net2") {
			return "bbbbbbbb"
		}
		return handle.Of(id)
	}
	if _, err := c.CreateNetworkAt(namedAcct, Place{Region: "alpha", Name: "net1"}, pfx("10.0.0.0/16"), nil); err != nil {
		t.Fatal(err)
	}
	_, err := c.CreateNetworkAt(namedAcct, Place{Region: "alpha", Name: "net2"}, pfx("10.1.0.0/16"), nil)
	wantCode(t, err, CodeConflict)
	if got := c.Networks(namedAcct); len(got) != 1 {
		t.Errorf("%d networks, want 1", len(got))
	}
	_, err = c.ByName(namedAcct, "", KindNetwork, "net2")
	wantCode(t, err, CodeNotFound)
}

// TestRestoreGivesOldSnapshotsTheirHandles: a snapshot without handles (an
// older version) gets each object the handle of its ID.
func TestRestoreGivesOldSnapshotsTheirHandles(t *testing.T) {
	c := newCloud(t)
	n := mustNetwork(t, c, "10.0.0.0/16")
	b, _, err := c.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	old := strings.ReplaceAll(string(b), `,"handle":"`+n.Handle+`"`, "")
	old = strings.Replace(old, `"version":`+strconv.Itoa(SnapshotVersion), `"version":2`, 1)
	if strings.Contains(old, n.Handle) || !strings.Contains(old, `"version":2`) {
		t.Fatalf("the snapshot still has the handle or version 3: %s", old)
	}
	r := New()
	if err := r.Restore([]byte(old)); err != nil {
		t.Fatal(err)
	}
	if h, ok := r.Handle(n.ID); !ok || h != handle.Of(n.ID) {
		t.Errorf("handle %q, %v; want %s", h, ok, handle.Of(n.ID))
	}
}

// TestAWSRegions: an AWS account's objects are made in AWS's regions (or
// the front-end's default one); a region AWS does not have is refused.
// AWS: https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html — the Regions and their codes
func TestAWSRegions(t *testing.T) {
	c := newCloud(t)
	for _, r := range []string{"", "us-east-1", "eu-west-1", "ap-southeast-2", "us-gov-west-1"} {
		if _, err := c.CreateNetworkIn(acct, r, pfx("10.0.0.0/16"), nil); err != nil {
			t.Errorf("region %q: %v", r, err)
		}
	}
	_, err := c.CreateNetworkIn(acct, "xx-moon-1", pfx("10.0.0.0/16"), nil)
	wantCode(t, err, CodeInvalidParameter)
	_, err = c.CreateInternetGatewayAt(acct, Place{Region: "xx-moon-1"}, nil)
	wantCode(t, err, CodeInvalidParameter)
	if p, ok := LookupProfile(""); !ok || p.Provider != ProviderAWS || p.Limits != DefaultLimits() {
		t.Errorf("the empty provider's profile is %+v, %v; want AWS's with DefaultLimits", p.Provider, ok)
	}
}
