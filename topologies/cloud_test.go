package topologies

import (
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

// awsTransit is aws-transit.yaml's cloud intent, built in Go.
func awsTransit() *Topology {
	pfx := netip.MustParsePrefix
	addr := netip.MustParseAddr
	spokeVPC := func(name string, n byte, workloads ...*Workload) *VPC {
		return &VPC{Name: name, Account: "aws-lab", Region: "us-east-1",
			CIDR:      netip.PrefixFrom(netip.AddrFrom4([4]byte{10, n, 0, 0}), 16),
			Subnets:   []*Subnet{{Name: "gw", CIDR: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, n, 0, 0}), 24)}, {Name: "app", CIDR: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, n, 1, 0}), 24)}},
			Workloads: workloads}
	}
	return &Topology{Name: "aws-transit", Version: 1, Defaults: Defaults{MTU: DefaultMTU}, Cloud: &Cloud{
		Accounts: []*Account{{Name: "aws-lab", Provider: ProviderAWS, Credentials: "lab", Quotas: []*QuotaValue{{Key: "elastic-ips-per-region", Value: 8}}}},
		VPCs: []*VPC{
			{Name: "transit-vpc", Account: "aws-lab", Region: "us-east-1", CIDR: pfx("10.10.0.0/16"), Subnets: []*Subnet{{Name: "gw", CIDR: pfx("10.10.1.0/24")}}},
			spokeVPC("prod-vpc", 1, &Workload{Name: "prod-app", Subnet: "app", Address: addr("10.1.1.10")}),
			spokeVPC("dev-vpc", 2, &Workload{Name: "dev-app", Subnet: "app", Address: addr("10.2.1.10")}),
			spokeVPC("shared-vpc", 3, &Workload{Name: "shared-web", Subnet: "app", Address: addr("10.3.1.10")},
				&Workload{Name: "shared-db", Subnet: "app", Address: addr("10.3.1.20"), Allow: []netip.Prefix{pfx("10.1.0.0/16"), pfx("10.3.0.0/16"), pfx("10.100.0.0/24")}}),
		},
		Transits: []*Transit{{Name: "transit", VPC: "transit-vpc", Subnet: "gw", ASN: 65000, HA: true, HPETunnels: 2, Approval: Approval{Mode: ApprovalManual}}},
		Spokes: []*Spoke{
			{Name: "prod", VPC: "prod-vpc", Subnet: "gw", Transit: "transit", HA: true},
			{Name: "dev", VPC: "dev-vpc", Subnet: "gw", Transit: "transit", HA: true},
			{Name: "shared", VPC: "shared-vpc", Subnet: "gw", Transit: "transit", HA: true},
		},
		Sites: []*Site{{Name: "dc1", Router: SiteFRR, ASN: 65100, Advertise: []netip.Prefix{pfx("10.100.0.0/24"), pfx("10.101.0.0/24")},
			Connection: SiteConnection{Type: ConnPrivateLine, Transit: "transit"},
			Hosts:      []*SiteHost{{Name: "dc1-app", Address: addr("10.100.0.10")}, {Name: "dc1-lab", Address: addr("10.101.0.10")}}}},
		Domains: []*Domain{
			{Name: "prod", Members: []string{"prod"}},
			{Name: "dev", Members: []string{"dev"}},
			{Name: "shared", Members: []string{"shared", "dc1"}},
		},
		Connections: []*DomainConnection{{A: "prod", B: "shared"}, {A: "dev", B: "shared"}},
	}}
}

// TestCloudExample checks every decoded value of aws-transit.yaml and a
// few positions.
func TestCloudExample(t *testing.T) {
	topo, err := Load("aws-transit.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(topo.Nodes) != 0 || len(topo.Links) != 0 || topo.Cloud == nil {
		t.Fatalf("nodes %d, links %d, cloud %v", len(topo.Nodes), len(topo.Links), topo.Cloud)
	}
	got, want := strippedCloud(topo.Cloud), awsTransit().Cloud
	for _, pair := range []struct {
		name string
		a, b any
	}{
		{"accounts", got.Accounts, want.Accounts}, {"vpcs", got.VPCs, want.VPCs}, {"transits", got.Transits, want.Transits},
		{"spokes", got.Spokes, want.Spokes}, {"peerings", got.TransitPeerings, want.TransitPeerings}, {"sites", got.Sites, want.Sites},
		{"domains", got.Domains, want.Domains}, {"connections", got.Connections, want.Connections},
	} {
		if !reflect.DeepEqual(pair.a, pair.b) {
			t.Errorf("%s differ:\n got %s\nwant %s", pair.name, dump(pair.a), dump(pair.b))
		}
	}
	cl := topo.Cloud
	for _, p := range []struct {
		what      string
		got, want Pos
	}{
		{"account aws-lab", cl.Accounts[0].Pos, Pos{16, 3}},
		{"vpc prod-vpc", cl.VPCs[1].Pos, Pos{23, 3}},
		{"subnet prod-vpc.app", cl.VPCs[1].Subnets[1].Pos, Pos{27, 32}},
		{"workload prod-app", cl.VPCs[1].Workloads[0].Pos, Pos{29, 7}},
		{"transit", cl.Transits[0].Pos, Pos{47, 3}},
		{"site dc1 connection", cl.Sites[0].Connection.Pos, Pos{63, 17}},
		{"host dc1-lab", cl.Sites[0].Hosts[1].Pos, Pos{64, 35}},
		{"connection [dev, shared]", cl.Connections[1].Pos, Pos{71, 5}},
	} {
		if p.got != p.want {
			t.Errorf("%s at %v, want %v", p.what, p.got, p.want)
		}
	}
}

// dump prints a slice of pointers by value, one item a line.
func dump(v any) string {
	rv := reflect.ValueOf(v)
	var b strings.Builder
	for i := range rv.Len() {
		fmt.Fprintf(&b, "\n  %+v", reflect.Indirect(rv.Index(i)).Interface())
	}
	return b.String()
}

// TestCloudPresence checks that Cloud is nil without cloud keys and set
// with any of them, and the defaults the decoder fills.
func TestCloudPresence(t *testing.T) {
	two, err := Load("two-hosts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if two.Cloud != nil {
		t.Errorf("two-hosts: Cloud = %+v, want nil", two.Cloud)
	}
	topo, err := Parse("", []byte("name: x\nversion: 1\nnodes: {h1: {kind: host}}\ndomains: {}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if topo.Cloud == nil || len(topo.Cloud.Domains) != 0 {
		t.Errorf("domains: {} gives Cloud %+v, want an empty one", topo.Cloud)
	}
	roundTrip(t, topo)

	full, err := Load("testdata/good/cloud-full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cl := full.Cloud
	if a := cl.Accounts[0]; a.Credentials != "lab" {
		t.Errorf("default credentials = %q, want lab", a.Credentials)
	}
	if c := cl.Accounts[1].Credentials; c != "profile:prod-admin" {
		t.Errorf("credentials = %q", c)
	}
	west := cl.VPCs[1]
	if w := west.Workloads[0]; w.Allow == nil || len(w.Allow) != 0 {
		t.Errorf("allow: [] = %#v, want empty and not nil (admit nothing)", w.Allow)
	}
	if w := west.Workloads[1]; w.Allow != nil || w.Address.IsValid() {
		t.Errorf("workload without allow/address = %+v, want nil allow (anywhere), zero address", w)
	}
	east := cl.Transits[0]
	wantApproved := []ApprovedRoute{
		{Site: "dc1", Prefix: netip.MustParsePrefix("10.100.0.0/24")},
		{Site: "dc1", Prefix: netip.MustParsePrefix("10.100.0.128/25")},
		{Site: "dc2", Prefix: netip.MustParsePrefix("10.200.0.0/16")},
	}
	for i := range east.Approval.Approved {
		east.Approval.Approved[i].Pos = Pos{}
	}
	if east.ASN != 4200000000 || east.HPETunnels != 8 || east.Approval.Mode != ApprovalManual || !reflect.DeepEqual(east.Approval.Approved, wantApproved) {
		t.Errorf("transit east = %+v", east)
	}
	if west := cl.Transits[1]; west.HA || west.HPETunnels != 1 || west.Approval.Mode != ApprovalAuto {
		t.Errorf("transit west = %+v", west)
	}
	if s := cl.Spokes[0]; s.ASN != 65010 || s.HA {
		t.Errorf("spoke app = %+v", s)
	}
	if c := cl.Sites[0].Connection; c.Address != netip.MustParsePrefix("169.254.100.0/30") {
		t.Errorf("site dc1 connection = %+v", c)
	}
	if c := cl.Sites[1].Connection; c.Type != ConnTunnel || c.Address.IsValid() {
		t.Errorf("site dc2 connection = %+v", c)
	}
	if p := cl.TransitPeerings[0]; p.A != "east" || p.B != "west" {
		t.Errorf("peering = %+v", p)
	}
}

// TestValidateCloudGoBuilt checks the cloud checks on a topology built in
// Go: the example is valid (after ApplyDefaults), round-trips through
// Marshal, and each mistake is reported at its field path.
func TestValidateCloudGoBuilt(t *testing.T) {
	good := awsTransit()
	good.Cloud.Accounts[0].Credentials = ""
	good.Cloud.Transits[0].Approval.Mode = ""
	if err := Validate(good); err != nil {
		t.Fatalf("valid topology: %v", err)
	}
	good.ApplyDefaults()
	if good.Cloud.Accounts[0].Credentials != "lab" || good.Cloud.Transits[0].Approval.Mode != ApprovalAuto {
		t.Errorf("ApplyDefaults left credentials %q, mode %q", good.Cloud.Accounts[0].Credentials, good.Cloud.Transits[0].Approval.Mode)
	}
	roundTrip(t, good)

	bad := awsTransit()
	cl := bad.Cloud
	cl.VPCs[1].Region = "us-west-2"
	cl.VPCs[2].CIDR = netip.MustParsePrefix("10.1.0.0/16")
	cl.VPCs[2].Subnets[1].CIDR = netip.Prefix{}
	cl.Transits[0].ASN = 0
	cl.Transits[0].HPETunnels = 9
	cl.Spokes[1].Transit = "transti"
	cl.Spokes = append(cl.Spokes, &Spoke{Name: "dc1", VPC: "nope", Subnet: "gw", Transit: "transit"})
	cl.Sites[0].Hosts[0].Address = netip.Addr{}
	cl.Domains[2].Members = append(cl.Domains[2].Members, "prod")
	cl.Connections = append(cl.Connections, nil, &DomainConnection{A: "shared", B: "prod"})
	// A second transit of the same name is reported once, as a duplicate;
	// its own faults (no AS, no VPC) are not checked.
	cl.Transits = append(cl.Transits, nil, &Transit{Name: "transit"})
	cl.Spokes = append(cl.Spokes, nil)
	cl.Sites = append(cl.Sites, nil)
	err := Validate(bad)
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("Validate = %v, want an ErrorList", err)
	}
	// Without positions the errors sort by path.
	want := []string{
		"connections[2]: nil connection",
		"connections[3]: a second connection of shared and prod; the first is connections[0]",
		`domains.shared.members[2]: spoke prod is already in domain prod (domains.prod.members[0]); a spoke or site is in at most one domain`,
		`sites.dc1: name "dc1" is already used by spoke dc1 (spokes.dc1); nodes, workloads, site hosts, sites, spokes, transits and internet hosts share one name space: rename one`,
		`sites.dc1.hosts.dc1-app: missing address; write one such as 10.100.0.10`,
		"sites[1]: nil site",
		`spokes.dc1.vpc: unknown vpc "nope"; defined vpcs: dev-vpc, prod-vpc, shared-vpc, transit-vpc`,
		`spokes.dev.transit: unknown transit "transti"; did you mean "transit"? defined transits: transit`,
		"spokes[4]: nil spoke",
		`transits.transit: name "transit" is already used by transit transit (transits.transit); nodes, workloads, site hosts, sites, spokes, transits and internet hosts share one name space: rename one`,
		`transits.transit.asn: missing AS number; write asn: 65000`,
		`transits.transit.hpe.tunnels: hpe tunnels 9 is out of range; use 1..8 (tunnels to each peer gateway)`,
		"transits[1]: nil transit",
		`vpcs.dev-vpc.cidr: cidr 10.1.0.0/16 of vpc dev-vpc overlaps cidr 10.1.0.0/16 of vpc prod-vpc (vpcs.prod-vpc.cidr); give every vpc its own range`,
		`vpcs.dev-vpc.subnets.app: missing prefix; write one such as 10.1.0.0/24`,
		`vpcs.dev-vpc.subnets.gw: subnet 10.2.0.0/24 is not inside the vpc's cidr 10.1.0.0/16; use a prefix inside it, such as 10.1.0.0/24`,
	}
	var got []string
	for _, e := range list {
		got = append(got, e.Error())
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Validate =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
