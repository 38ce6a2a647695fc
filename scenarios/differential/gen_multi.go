package differential

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// Multi is the "cloud" of a multi-cloud case (GenerateMulti): transits
// in two or three of AWS, Azure and GCP, and sometimes OCI beside them.
const Multi = "multi"

// multiStream sets a multi-cloud case's random stream apart from
// GenerateOn's (the same seed and index draw unrelated numbers), so that
// drawing multi-cloud cases changes no one-cloud case of a recorded seed
// (TestSeedsDrawTheSameCases).
const multiStream = 0x6d756c7469636c64 // "multicld"

// ociStream draws, apart from the case's own stream, whether OCI joins a
// multi-cloud case: a case OCI does not join is byte for byte the case
// that the seed drew before OCI was drawn, so recorded seeds of those
// still reproduce.
const ociStream = 0x6f63696a6f696e73 // "ocijoins"

// ociJoins is the probability that OCI joins a multi-cloud case.
const ociJoins = 0.5

// GenerateMulti draws case index of seed across clouds: two or three of
// AWS, Azure and GCP, and in half the cases OCI beside them (drawn from
// a stream of its own, ociStream), each with an account, a transit (HA or not, maybe
// HPE tunnels, maybe manual approval) and one or two VPCs most of which
// are its spokes, each pair of transits peered or not; workloads, sites
// (by private line or tunnel to the AWS transit, by tunnel to the
// others), approvals and domains as in GenerateOn. The lab deploys it
// with one cloud process serving every provider (`cloudmock serve
// --also`), as topologies/multicloud.yaml.
func GenerateMulti(seed uint64, index int, name string) Case {
	c := Case{Seed: seed, Index: index, Multi: true}
	g := &gen{r: rand.New(rand.NewPCG(seed, uint64(index)^multiStream)), c: &c, cloud: Multi, multi: true}
	g.line("# mcnlab differential case %d of seed %d across clouds (scenarios/differential)", index, seed)
	g.line("name: %s", name)
	g.line("version: 1")
	clouds := []string{AWS, Azure, GCP}
	if g.p(0.5) { // two of the three
		i := g.r.IntN(len(clouds))
		clouds = slices.Delete(clouds, i, i+1)
	}
	if rand.New(rand.NewPCG(seed^ociStream, uint64(index))).Float64() < ociJoins {
		clouds = append(clouds, OCI)
	}
	g.drawn = append(g.drawn, strings.Join(clouds, "+"))
	g.drawClouds(clouds)
	g.drawSites()
	g.drawApprovals()
	g.knownPrefixes()
	g.line("accounts:")
	g.writeAccounts(clouds)
	g.writeVPCs()
	g.writeTransits()
	g.writeSpokes()
	g.writeSites()
	g.drawDomains()
	return g.finish()
}

// drawClouds draws, per cloud, its region, its transit's VPC and one or
// two more VPCs, most of them the transit's spokes (a spoke attaches to a
// transit of its own cloud). The VPCs are numbered across clouds
// (v1.., 10.1.0.0..), as are the transits (t1..) and spokes (s1..).
func (g *gen) drawClouds(clouds []string) {
	k := 0
	for _, cl := range clouds {
		region := regions[g.r.IntN(len(regions))]
		if rs := cloudRegions[cl]; rs != nil {
			region = rs[slices.Index(regions, region)]
		}
		g.drawn = append(g.drawn, region)
		var transit string
		for j := range 2 + g.r.IntN(2) {
			v := g.drawVPC(k)
			v.cloud, v.account, v.region = cl, cl+"-acct", region
			v.gwSub, v.ha = g.r.IntN(len(v.subnets)), g.p(0.5)
			switch {
			case j == 0:
				g.drawTransit(v, len(g.transits))
				transit = v.group
			case g.p(0.85):
				v.role, v.group, v.transit = "spoke", fmt.Sprintf("s%d", len(g.spokes)+1), transit
				g.spokes = append(g.spokes, v)
			}
			g.vpcs = append(g.vpcs, v)
			k++
		}
	}
}

// transitCloud is the cloud of transit name: its VPC's in a multi-cloud
// case, the case's otherwise.
func (g *gen) transitCloud(name string) string {
	for _, tr := range g.transits {
		if tr.name == name && tr.vpc.cloud != "" {
			return tr.vpc.cloud
		}
	}
	return g.cloud
}

// writeAccounts writes an account per cloud; the AWS one raises its
// elastic IP quota when its gateways take more than AWS's default 5
// (drawAccount).
func (g *gen) writeAccounts(clouds []string) {
	for _, cl := range clouds {
		eips := 0
		for _, v := range g.vpcs {
			if v.cloud == cl && v.role != "" {
				eips++
				if v.ha {
					eips++
				}
			}
		}
		if cl == AWS && eips > elasticIPQuota {
			g.line("  %s-acct: {provider: aws, credentials: lab, quotas: {elastic-ips-per-region: %d}}", cl, eips)
			continue
		}
		g.line("  %s-acct: {provider: %s, credentials: lab}", cl, cl)
	}
}

// writePeerings peers each pair of a multi-cloud case's transits with
// probability 0.7 (over the internet, between the clouds).
func (g *gen) writePeerings() {
	var ps []string
	for i, a := range g.transits {
		for _, b := range g.transits[i+1:] {
			if g.p(0.7) {
				ps = append(ps, "  - ["+a.name+", "+b.name+"]")
				g.drawn = append(g.drawn, "peered "+a.name+"-"+b.name)
			}
		}
	}
	if len(ps) > 0 {
		g.line("transit-peerings:")
		for _, l := range ps {
			g.line("%s", l)
		}
	}
}
