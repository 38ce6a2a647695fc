// Package differential checks that every valid cloud topology behaves as
// `mcnlab simulate` says: Generate draws random, valid topologies from a
// seed, and a Runner deploys each one with the mcnlab binary, approves its
// run-time routes, measures its reachability with `mcnlab reach` and
// compares every pair with the simulation. A failing case keeps its
// topology and both outputs and names the seed that reproduces it.
// It runs labs only through the binary, as a user does; it never touches
// the kernel itself.
package differential

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
)

// Approval is a site's prefix approved at run time
// (`mcnlab routes approve SITE PREFIX`).
type Approval struct {
	Site   string
	Prefix netip.Prefix
}

// Case is one drawn topology.
type Case struct {
	Seed  uint64
	Index int
	// YAML is the topology file.
	YAML []byte
	// Approve are the routes to approve once the lab is up.
	Approve []Approval
	// Drawn says in a line what was drawn, for logs.
	Drawn string
	// Multi says the case is across clouds (GenerateMulti).
	Multi bool
	// Cloud is a one-cloud case's cloud (GenerateOn); "" is AWS
	// (Generate's).
	Cloud string
}

// Reproduce is the make command that draws c again.
func (c Case) Reproduce() string {
	if c.Multi {
		return fmt.Sprintf("make soak SEED=%d N=0 MULTI=%d CLOUDN=0 CASE=%d", c.Seed, c.Index+1, c.Index)
	}
	if c.Cloud != "" && c.Cloud != AWS {
		return fmt.Sprintf("make soak SEED=%d N=0 MULTI=0 CLOUD=%s CLOUDN=%d CASE=%d", c.Seed, c.Cloud, c.Index+1, c.Index)
	}
	return fmt.Sprintf("make soak SEED=%d N=%d MULTI=0 CLOUDN=0 CASE=%d", c.Seed, c.Index+1, c.Index)
}

// regions the generator places accounts in: the lab's cloud answers for
// every region.
var regions = []string{"us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2", "sa-east-1"}

// elasticIPQuota is AWS's default elastic IP quota per Region, which the
// lab's cloud enforces: the gateways of one account fit in it.
const elasticIPQuota = 5

// vpcQuota is AWS's default quota of VPCs, and of internet gateways, per
// Region.
const vpcQuota = 5

// domainNames are drawn out of name order on purpose: inspect once listed
// members beside the wrong domain when domains were not in name order.
var domainNames = []string{"zeta", "alpha", "mid", "beta"}

// vpcDraw is a drawn VPC.
type vpcDraw struct {
	name    string
	cidr    netip.Prefix
	subnets []subnetDraw
	role    string // "transit", "spoke" or ""
	group   string // its transit or spoke
	gwSub   int    // the gateways' subnet
	ha      bool
	// A multi-cloud case's VPCs have their own cloud, account, region
	// and (a spoke) transit; "" in a one-cloud case (gen's).
	cloud, account, region, transit string
}

type subnetDraw struct {
	name string
	cidr netip.Prefix
}

type siteDraw struct {
	name, router, conn, transit string
	asn                         uint32
	advertise                   []netip.Prefix
	hosts                       map[int]netip.Addr // advertise index -> host address
	line                        netip.Prefix
}

// transitDraw is a drawn transit.
type transitDraw struct {
	name, approval string
	vpc            *vpcDraw
	hpe            int
	asn            uint32
	approved       []Approval
}

// gen draws one topology. Its steps run in Generate's order: each draws
// from r in turn, so reordering them changes every case of a seed.
type gen struct {
	r *rand.Rand
	b strings.Builder

	c        *Case
	cloud    string   // AWS, Azure, GCP or OCI
	drawn    []string // what was drawn, for Case.Drawn
	region   string
	account  string // the account's line
	vpcs     []*vpcDraw
	ntr      int // transits
	transits []*transitDraw
	spokes   []*vpcDraw
	sites    []*siteDraw
	known    []netip.Prefix // every prefix of the topology, for allow lists
	nw       int            // workloads written
	multi    bool           // a multi-cloud case (GenerateMulti)
}

func (g *gen) p(prob float64) bool { return g.r.Float64() < prob }

func (g *gen) line(format string, args ...any) { fmt.Fprintf(&g.b, format+"\n", args...) }

// nth is the n-th address of p.
func nth(p netip.Prefix, n int) netip.Addr {
	a := p.Masked().Addr().As4()
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	v += uint32(n)
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

func size(p netip.Prefix) int { return 1 << (32 - p.Bits()) }

func prefixes(ps []netip.Prefix) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return "[" + strings.Join(s, ", ") + "]"
}

// Generate draws case index of seed: a valid cloud topology named name
// with two to five VPCs, one or two transits, spokes, workloads, sites and
// segmentation, and the routes to approve at run time. The same seed and
// index give the same case.
func Generate(seed uint64, index int, name string) Case {
	return GenerateOn(seed, index, name, AWS)
}

// The clouds the generator draws topologies on.
const (
	AWS   = "aws"
	Azure = "azure"
	GCP   = "gcp"
	OCI   = "oci"
)

// Clouds are the clouds GenerateOn draws on: each one alone, and
// several at once (Multi). OCI comes last so that the first four, which
// TestFlightPathDifferential deploys in turn, are what they were.
var Clouds = []string{AWS, Azure, GCP, Multi, OCI}

// cloudRegions are the regions the generator places an Azure, GCP or
// OCI account's networks in (AWS's: regions), each the counterpart of
// AWS's at its index.
var cloudRegions = map[string][]string{
	Azure: {"eastus", "westeurope", "westus2", "northeurope", "southeastasia"},
	GCP:   {"us-central1", "europe-west1", "us-east1", "asia-southeast1", "us-west1"},
	OCI:   {"us-ashburn-1", "us-phoenix-1", "uk-london-1", "ap-sydney-1", "sa-saopaulo-1"},
}

// GenerateOn is Generate on cloud (AWS, Azure, GCP or OCI; Multi is
// GenerateMulti): the same draws,
// the cloud's regions, and what the controller builds there only: on
// Azure, GCP and OCI no quotas (AWS's) and sites by tunnel (router
// gobgp), a private line being ExpressRoute, Cloud Interconnect or
// FastConnect, not built yet.
// The AWS cases are Generate's, unchanged.
func GenerateOn(seed uint64, index int, name, cloud string) Case {
	if cloud == Multi {
		return GenerateMulti(seed, index, name)
	}
	c := Case{Seed: seed, Index: index, Cloud: cloud}
	g := &gen{r: rand.New(rand.NewPCG(seed, uint64(index))), c: &c, cloud: cloud}
	// An AWS case's text is what Generate drew before other clouds were
	// drawn, byte for byte, so that recorded seeds draw the same cases
	// (TestSeedsDrawTheSameCases).
	if cloud == AWS {
		g.line("# mcnlab differential case %d of seed %d (scenarios/differential)", index, seed)
	} else {
		g.line("# mcnlab differential case %d of seed %d on %s (scenarios/differential)", index, seed, cloud)
	}
	g.line("name: %s", name)
	g.line("version: 1")
	g.region = regions[g.r.IntN(len(regions))]
	if rs := cloudRegions[cloud]; rs != nil {
		g.region = rs[slices.Index(regions, g.region)]
		g.drawn = append(g.drawn, cloud)
	}
	g.drawn = append(g.drawn, g.region)
	g.drawVPCs()
	g.drawRoles()
	g.drawAccount()
	g.line("accounts:")
	g.line("%s", g.account)
	g.drawSites()
	g.drawApprovals()
	g.knownPrefixes()
	g.writeVPCs()
	g.writeTransits()
	g.writeSpokes()
	g.writeSites()
	g.drawDomains()
	return g.finish()
}

// finish is the drawn case: its text, and what was drawn in a line.
func (g *gen) finish() Case {
	c := g.c
	c.YAML = []byte(g.b.String())
	c.Drawn = fmt.Sprintf("%d VPCs, %d transits, %d spokes, %d workloads, %d sites, %d run-time approvals; %s",
		len(g.vpcs), len(g.transits), len(g.spokes), g.nw, len(g.sites), len(c.Approve), strings.Join(g.drawn, ", "))
	return *c
}

// drawVPCs draws two to five VPCs: 10.k.0.0 with /16../28 blocks; one
// subnet as large as the VPC, or one to three carved from it.
func (g *gen) drawVPCs() {
	r := g.r
	g.vpcs = make([]*vpcDraw, 2+r.IntN(4))
	// The number of transits is drawn here, before the blocks, to keep
	// every seed's cases as they were.
	g.ntr = 1
	if len(g.vpcs) >= 3 && g.p(0.35) {
		g.ntr = 2
	}
	for k := range g.vpcs {
		g.vpcs[k] = g.drawVPC(k)
	}
}

// drawVPC draws VPC k (v<k+1>, 10.<k+1>.0.0): a /16../28 block with one
// subnet as large as the VPC, or one to three carved from it.
func (g *gen) drawVPC(k int) *vpcDraw {
	r := g.r
	bitsChoice := []int{16, 20, 22, 24, 24, 25, 26, 28}
	bits := bitsChoice[r.IntN(len(bitsChoice))]
	v := &vpcDraw{name: fmt.Sprintf("v%d", k+1), cidr: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(k + 1), 0, 0}), bits)}
	names := []string{"gw", "app", "db"}
	if bits >= 27 || g.p(0.2) {
		v.subnets = []subnetDraw{{names[r.IntN(3)], v.cidr}}
	} else {
		sb := bits + 2 + r.IntN(min(28-bits-2, 6)+1)
		n := 1 + r.IntN(3)
		for j := range n {
			v.subnets = append(v.subnets, subnetDraw{names[j], netip.PrefixFrom(nth(v.cidr, j*(1<<(32-sb))), sb)})
		}
	}
	return v
}

// drawRoles gives the first ntr VPCs a transit and most others a
// spoke.
func (g *gen) drawRoles() {
	r := g.r
	for k, v := range g.vpcs {
		v.gwSub = r.IntN(len(v.subnets))
		v.ha = g.p(0.5)
		switch {
		case k < g.ntr:
			g.drawTransit(v, k)
		case g.p(0.85):
			v.role, v.group = "spoke", fmt.Sprintf("s%d", len(g.spokes)+1)
			g.spokes = append(g.spokes, v)
		}
	}
}

// drawTransit makes VPC v (the k-th) transit t<k+1>: maybe HPE tunnels,
// maybe manual approval.
func (g *gen) drawTransit(v *vpcDraw, k int) {
	v.role, v.group = "transit", fmt.Sprintf("t%d", k+1)
	tr := &transitDraw{name: v.group, vpc: v, asn: uint32(65000 + k), approval: "auto"}
	if g.p(0.5) {
		tr.hpe = 1 + g.r.IntN(3)
	}
	if g.p(0.5) {
		tr.approval = "manual"
	}
	g.transits = append(g.transits, tr)
}

// gatewayEIPs counts the elastic IPs the gateways take, and the VPCs
// whose gateways are HA.
func (g *gen) gatewayEIPs() (n int, ha []*vpcDraw) {
	for _, v := range g.vpcs {
		if v.role != "" {
			n++
			if v.ha {
				n++
				ha = append(ha, v)
			}
		}
	}
	return n, ha
}

// drawAccount fits the gateways in the account's elastic IPs. Each
// transit and spoke gateway takes an elastic IP: AWS's default quota is 5
// per Region. Mostly the account raises it (quotas:), else HA is dropped
// until the gateways fit.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/elastic-ip-addresses-eip.html#using-instance-addressing-limit — 5 Elastic IP addresses per Region
func (g *gen) drawAccount() {
	quotas := g.defaultVPCQuotas()
	account := func() string {
		if g.cloud != AWS {
			return "  acct: {provider: " + g.cloud + ", credentials: lab}"
		}
		if len(quotas) == 0 {
			return "  acct: {provider: aws, credentials: lab}"
		}
		return "  acct: {provider: aws, credentials: lab, quotas: {" + strings.Join(quotas, ", ") + "}}"
	}
	if eips, _ := g.gatewayEIPs(); eips > elasticIPQuota && g.p(0.7) {
		quotas = append(quotas, fmt.Sprintf("elastic-ips-per-region: %d", eips))
		g.account = account()
		g.drawn = append(g.drawn, fmt.Sprintf("%d elastic IPs", eips))
		return
	}
	for {
		n, ha := g.gatewayEIPs()
		if n <= elasticIPQuota || len(ha) == 0 {
			g.account = account()
			return
		}
		ha[g.r.IntN(len(ha))].ha = false
	}
}

// defaultVPCQuotas raises the quotas that the region's default VPC and its
// internet gateway, with the drawn VPCs and theirs, would pass (5 each).
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html — VPCs and internet gateways per Region: 5, the default VPC's included
func (g *gen) defaultVPCQuotas() []string {
	var out []string
	if n := len(g.vpcs) + 1; n > vpcQuota {
		out = append(out, fmt.Sprintf("vpcs-per-region: %d", n))
	}
	igws := 1
	for _, v := range g.vpcs {
		if v.role != "" {
			igws++
		}
	}
	if igws > vpcQuota {
		out = append(out, fmt.Sprintf("internet-gateways-per-region: %d", igws))
	}
	return out
}

// drawSites draws zero to three sites: every router kind, private lines
// (several on one transit) and tunnels.
func (g *gen) drawSites() {
	r := g.r
	for i := range []int{0, 1, 1, 1, 2, 2, 3}[r.IntN(7)] {
		s := &siteDraw{name: fmt.Sprintf("d%d", i+1), router: []string{"frr", "bird", "gobgp"}[r.IntN(3)],
			conn: "private-line", transit: g.transits[r.IntN(len(g.transits))].name, asn: uint32(65100 + i), hosts: map[int]netip.Addr{}}
		if s.router == "gobgp" && g.p(0.5) {
			s.conn = "tunnel"
		}
		if g.transitCloud(s.transit) != AWS {
			s.router, s.conn = "gobgp", "tunnel"
		}
		for j := range 1 + r.IntN(2) {
			bits := []int{16, 22, 24, 24, 26}[r.IntN(5)]
			pr := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(100 + 4*i + j), 0, 0}), bits)
			s.advertise = append(s.advertise, pr)
			if g.p(0.85) {
				s.hosts[j] = nth(pr, 1+r.IntN(min(size(pr)-2, 60)))
			}
		}
		if s.conn == "private-line" && g.p(0.3) {
			s.line = netip.PrefixFrom(netip.AddrFrom4([4]byte{169, 254, byte(100 + i), 8}), 30)
		}
		g.sites = append(g.sites, s)
	}
}

// drawApprovals: on a manual transit each advertised prefix is approved in
// the file, at run time, or left pending.
func (g *gen) drawApprovals() {
	trByName := map[string]*transitDraw{}
	for _, tr := range g.transits {
		trByName[tr.name] = tr
	}
	for _, s := range g.sites {
		tr := trByName[s.transit]
		if tr.approval != "manual" {
			continue
		}
		for _, pr := range s.advertise {
			switch x := g.r.Float64(); {
			case x < 0.3:
				tr.approved = append(tr.approved, Approval{s.name, pr})
			case x < 0.7:
				g.c.Approve = append(g.c.Approve, Approval{s.name, pr})
			}
		}
	}
}

// knownPrefixes lists every prefix of the topology, for allow lists.
func (g *gen) knownPrefixes() {
	for _, v := range g.vpcs {
		g.known = append(g.known, v.cidr)
		for _, s := range v.subnets {
			if s.cidr.Bits() < 28 {
				g.known = append(g.known, netip.PrefixFrom(s.cidr.Addr(), s.cidr.Bits()+1)) // half a subnet
			}
		}
	}
	for _, s := range g.sites {
		g.known = append(g.known, s.advertise...)
	}
	g.known = append(g.known, netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.0.0/16"))
}

// writeVPCs writes the VPCs with zero to three workloads each.
func (g *gen) writeVPCs() {
	g.line("vpcs:")
	for _, v := range g.vpcs {
		g.line("  %s:", v.name)
		g.line("    account: %s", cmp.Or(v.account, "acct"))
		g.line("    region: %s", cmp.Or(v.region, g.region))
		g.line("    cidr: %s", v.cidr)
		var sn []string
		for _, s := range v.subnets {
			sn = append(sn, s.name+": "+s.cidr.String())
		}
		g.line("    subnets: {%s}", strings.Join(sn, ", "))
		nws := []int{0, 1, 1, 1, 2, 2, 3}[g.r.IntN(7)]
		if nws == 0 {
			continue
		}
		g.line("    workloads:")
		used := map[netip.Addr]bool{}
		for range nws {
			g.nw++
			g.line("      w%d: {%s}", g.nw, strings.Join(g.drawWorkload(v, used), ", "))
		}
	}
}

// drawWorkload draws one workload of v: its subnet, maybe an address (not
// one of used, sometimes where the gateways would go) and maybe an allow
// list.
func (g *gen) drawWorkload(v *vpcDraw, used map[netip.Addr]bool) []string {
	r := g.r
	si := r.IntN(len(v.subnets))
	if v.role != "" && g.p(0.3) {
		si = v.gwSub // in the gateways' own subnet
	}
	s := v.subnets[si]
	fields := []string{"subnet: " + s.name}
	if g.p(0.65) {
		var a netip.Addr
		for {
			h := 4 + r.IntN(size(s.cidr)-5)
			if cmp.Or(v.cloud, g.cloud) == GCP && h == size(s.cidr)-2 {
				// GCP reserves a subnet's second-to-last address too.
				// GCP: https://cloud.google.com/vpc/docs/subnets#unusable-ip-addresses-in-every-subnet
				h--
			}
			if si == v.gwSub && v.role != "" && g.p(0.3) {
				h = 10 + r.IntN(2) // where the gateways would go
			}
			if a = nth(s.cidr, h); !used[a] {
				break
			}
		}
		used[a] = true
		fields = append(fields, "address: "+a.String())
	}
	switch x := r.Float64(); {
	case x < 0.45:
	case x < 0.55:
		fields = append(fields, "allow: []")
	default:
		var allow []netip.Prefix
		for range 1 + r.IntN(3) {
			if pr := g.known[r.IntN(len(g.known))]; !slices.Contains(allow, pr) {
				allow = append(allow, pr)
			}
		}
		fields = append(fields, "allow: "+prefixes(allow))
	}
	return fields
}

// writeTransits writes the transits, their approvals and maybe their
// peering.
func (g *gen) writeTransits() {
	g.line("transits:")
	for _, tr := range g.transits {
		f := []string{"vpc: " + tr.vpc.name, "subnet: " + tr.vpc.subnets[tr.vpc.gwSub].name, fmt.Sprintf("asn: %d", tr.asn), fmt.Sprintf("ha: %v", tr.vpc.ha)}
		if tr.hpe > 0 {
			f = append(f, fmt.Sprintf("hpe: {tunnels: %d}", tr.hpe))
		}
		ap := "approval: {mode: " + tr.approval
		if len(tr.approved) > 0 {
			bySite := map[string][]netip.Prefix{}
			var order []string
			for _, a := range tr.approved {
				if bySite[a.Site] == nil {
					order = append(order, a.Site)
				}
				bySite[a.Site] = append(bySite[a.Site], a.Prefix)
			}
			var l []string
			for _, s := range order {
				l = append(l, s+": "+prefixes(bySite[s]))
			}
			ap += ", approved: {" + strings.Join(l, ", ") + "}"
		}
		f = append(f, ap+"}")
		g.line("  %s: {%s}", tr.name, strings.Join(f, ", "))
	}
	if g.multi {
		g.writePeerings()
	} else if len(g.transits) == 2 && g.p(0.6) {
		g.line("transit-peerings:")
		g.line("  - [t1, t2]")
		g.drawn = append(g.drawn, "peered")
	}
}

// writeSpokes writes the spokes, each on a drawn transit.
func (g *gen) writeSpokes() {
	if len(g.spokes) == 0 {
		return
	}
	g.line("spokes:")
	for i, v := range g.spokes {
		tr := v.transit
		if tr == "" {
			tr = g.transits[g.r.IntN(len(g.transits))].name
		}
		f := []string{"vpc: " + v.name, "subnet: " + v.subnets[v.gwSub].name, "transit: " + tr, fmt.Sprintf("ha: %v", v.ha)}
		if g.p(0.4) {
			f = append(f, fmt.Sprintf("asn: %d", 64700+i))
		}
		g.line("  %s: {%s}", v.group, strings.Join(f, ", "))
	}
}

// writeSites writes the sites.
func (g *gen) writeSites() {
	if len(g.sites) == 0 {
		return
	}
	g.line("sites:")
	nh := 0
	for _, s := range g.sites {
		g.line("  %s:", s.name)
		g.line("    router: %s", s.router)
		g.line("    asn: %d", s.asn)
		g.line("    advertise: %s", prefixes(s.advertise))
		conn := "type: " + s.conn + ", transit: " + s.transit
		if s.line.IsValid() {
			conn += ", address: " + s.line.String()
		}
		g.line("    connection: {%s}", conn)
		if len(s.hosts) > 0 {
			var hs []string
			for j := range s.advertise {
				if a, ok := s.hosts[j]; ok {
					nh++
					hs = append(hs, fmt.Sprintf("h%d: %s", nh, a))
				}
			}
			g.line("    hosts: {%s}", strings.Join(hs, ", "))
		}
		g.drawn = append(g.drawn, s.router+"/"+s.conn)
	}
}

// drawDomains puts spokes and sites in up to three segmentation domains,
// some in none, and connects some domain pairs.
func (g *gen) drawDomains() {
	var members []string
	for _, v := range g.spokes {
		members = append(members, v.group)
	}
	for _, s := range g.sites {
		members = append(members, s.name)
	}
	if len(members) < 2 || !g.p(0.5) {
		return
	}
	nd := 1 + g.r.IntN(3)
	in := make([][]string, nd)
	for _, m := range members {
		if g.p(0.8) {
			d := g.r.IntN(nd)
			in[d] = append(in[d], m)
		}
	}
	if slices.IndexFunc(in, func(ms []string) bool { return len(ms) > 0 }) < 0 {
		in[0] = append(in[0], members[0])
	}
	var doms []string
	g.line("domains:")
	for d, ms := range in {
		if len(ms) > 0 {
			g.line("  %s: {members: [%s]}", domainNames[d], strings.Join(ms, ", "))
			doms = append(doms, domainNames[d])
		}
	}
	var conns []string
	for i := range doms {
		for j := i + 1; j < len(doms); j++ {
			if g.p(0.4) {
				conns = append(conns, "  - ["+doms[i]+", "+doms[j]+"]")
			}
		}
	}
	if len(conns) > 0 {
		g.line("connections:")
		for _, l := range conns {
			g.line("%s", l)
		}
	}
	g.drawn = append(g.drawn, fmt.Sprintf("%d domains, %d connections", len(doms), len(conns)))
}
