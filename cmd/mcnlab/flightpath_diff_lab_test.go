package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/mcnlab/mcnlab/controller/api"
	"github.com/mcnlab/mcnlab/controller/cloud"
	awsprov "github.com/mcnlab/mcnlab/controller/cloud/aws"
	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/probe"
	"github.com/mcnlab/mcnlab/internal/roottest"
	mcnlab "github.com/mcnlab/mcnlab/lab"
	"github.com/mcnlab/mcnlab/scenarios/differential"
	"github.com/mcnlab/mcnlab/topologies"
)

// The CI run of the FlightPath differential test: a fixed seed, at least
// 50 cases over a few deployed topologies.
var (
	fpSeed  = flag.Uint64("flightpath.seed", 1607, "seed of the FlightPath differential test's topologies and rule changes")
	fpCases = flag.Int("flightpath.cases", 51, "cases (rule changes, each followed by a comparison) of the FlightPath differential test")
	fpLabs  = flag.Int("flightpath.labs", 4, "topologies the FlightPath differential test deploys (on AWS, Azure, GCP and across clouds in turn), the cases shared among them")
)

// fpPort is the TCP port the differential test connects to; every
// endpoint listens on it.
const fpPort = 5432

// TestFlightPathDifferential deploys random valid topologies
// (scenarios/differential's generator, on AWS, Azure, GCP and across
// two or three of them in turn),
// changes their rules at random through the cloud's API between cases
// (AWS: security group rules authorized and revoked, network ACL entries,
// routes to the internet gateway; Azure: NSG rules, allow or deny, at
// free priorities among the controller's; GCP: firewall rules, allow or
// deny, at 900, 1000 or 1100 for the workload's tag; everywhere run-time
// route approvals granted and revoked; across clouds, each workload's
// cloud's changes), and
// checks after each change that every compared pair's FlightPath verdict
// equals what a ping and a TCP connect see.
func TestFlightPathDifferential(t *testing.T) {
	roottest.Require(t)
	if _, err := exec.LookPath("bird"); err != nil {
		roottest.Missing(t, "bird is not installed: %v", err)
	}
	seed := *fpSeed
	t.Logf("FlightPath differential: seed %d, %d cases over %d topologies (reproduce: go test -run TestFlightPathDifferential -flightpath.seed=%d; another seed to try: %d)",
		seed, *fpCases, *fpLabs, seed, rand.Uint64()%100000)
	r := rand.New(rand.NewPCG(seed, 16))
	per := (*fpCases + *fpLabs - 1) / *fpLabs
	done, compared, index := 0, 0, 0
	for l := range *fpLabs {
		cl := differential.Clouds[l%len(differential.Clouds)]
		c := rich(t, seed, &index, cl)
		t.Run(fmt.Sprintf("topology%d-%s", l, cl), func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "topology.yaml")
			if err := os.WriteFile(file, c.YAML, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("topology %d (case %d of seed %d): %s", l, c.Index, seed, c.Drawn)
			lab := deployCloudLab(t, file, "fpd")
			d := newFPLab(t, lab, c)
			d.open(t, r)
			for i := 0; i < per && done < *fpCases; i++ {
				what, ends := d.mutate(t, r)
				d.settle(t)
				compared += d.compare(t, r, ends, fmt.Sprintf("case %d (topology %d, change %d: %s)", done, l, i, what))
				done++
			}
		})
	}
	t.Logf("seed %d: %d cases, %d verdicts compared with pings and TCP connects", seed, done, compared)
	if done < *fpCases {
		t.Errorf("%d cases ran, want %d", done, *fpCases)
	}
}

// rich draws the next case of the seed on cloud cl from *index on that
// has at least five endpoints and a spoke (across clouds: spokes on two
// peered transits), so that a deployed topology has pairs enough to
// compare.
func rich(t *testing.T, seed uint64, index *int, cl string) differential.Case {
	t.Helper()
	for ; ; *index++ {
		c := differential.GenerateOn(seed, *index, "fpd", cl)
		top, err := topologies.Parse("case.yaml", c.YAML)
		if err != nil {
			t.Fatalf("case %d of seed %d: %v", *index, seed, err)
		}
		cp, err := intent.Compile(top)
		if err != nil {
			t.Fatalf("case %d of seed %d: %v", *index, seed, err)
		}
		// Every cloud's labs draw on cases with sites too: a site by
		// tunnel to an Azure or GCP transit comes up since their cloud
		// processes serve the sites' uplinks (TestTunnelSiteLab).
		// A multi-cloud lab needs spokes in two clouds' transits,
		// peered, for flows that cross clouds.
		if len(cp.Endpoints) >= 5 && len(top.Cloud.Spokes) > 0 && (cl != differential.Multi || crossCloud(top)) {
			*index++
			return c
		}
	}
}

// crossCloud reports whether two spokes of top attach to transits that
// are peered with each other.
func crossCloud(top *topologies.Topology) bool {
	for _, a := range top.Cloud.Spokes {
		for _, b := range top.Cloud.Spokes {
			for _, p := range top.Cloud.TransitPeerings {
				if p.A == a.Transit && p.B == b.Transit {
					return true
				}
			}
		}
	}
	return false
}

// fpLab is a deployed differential topology under test.
type fpLab struct {
	lab     string
	c       differential.Case
	plan    *intent.Plan
	ec2     *ec2.Client
	api     *api.Client
	addr    map[string]netip.Addr
	ns      map[string]string
	subnet  map[string]string      // workload -> subnet ID
	group   map[string]string      // workload -> security group ID
	vpc     map[string]string      // workload -> VPC ID
	prov    map[string]string      // workload -> its cloud (differential.AWS, Azure, GCP)
	crs     map[string]*cloudRules // Azure's and GCP's rules, by cloud
	added   []undo                 // changes that can be taken back
	revoked []differential.Approval
	cur     []string // the endpoints the change being made concerns
}

// undo takes one change back.
type undo struct {
	what string
	ends []string // the endpoints the change concerns
	do   func(context.Context) error
}

func newFPLab(t *testing.T, lab string, c differential.Case) *fpLab {
	t.Helper()
	ctx := t.Context()
	for _, a := range c.Approve {
		if _, stderr, err := run(t, "routes", "approve", a.Site, a.Prefix.String(), "--lab", lab, "--wait", "10s"); err != nil {
			t.Fatalf("routes approve %s %s: %v\n%s", a.Site, a.Prefix, err, stderr)
		}
	}
	cp, instances, err := mcnlab.PlanAndInstances(ctx, lab)
	if err != nil {
		t.Fatal(err)
	}
	apiCl, err := mcnlab.API(lab)
	if err != nil {
		t.Fatal(err)
	}
	d := &fpLab{lab: lab, c: c, plan: cp, api: apiCl, addr: map[string]netip.Addr{}, ns: map[string]string{},
		subnet: map[string]string{}, group: map[string]string{}, vpc: map[string]string{}, prov: workloadClouds(cp), crs: map[string]*cloudRules{}}
	for _, a := range cp.Accounts {
		if a.Account.Provider != topologies.ProviderAWS || d.ec2 != nil {
			continue
		}
		ep, err := mcnlab.ReadEndpoint(lab, "aws")
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := awsprov.LabConfig(&ep, a.Region)
		if err != nil {
			t.Fatal(err)
		}
		d.ec2 = ec2.NewFromConfig(cfg)
	}
	ids := map[string]string{}
	for _, e := range cp.Endpoints {
		if e.Site != "" {
			d.addr[e.Name], d.ns[e.Name] = e.Address, emulator.NamespaceName(lab, e.Name)
		} else {
			in := instances[e.Instance]
			d.addr[e.Name], d.ns[e.Name], ids[e.Name] = in.PrivateIP, emulator.InstanceNamespace(lab, in.ID), in.ID
			if d.prov[e.Name] == differential.AWS {
				d.describe(t, e.Name, in.ID)
			}
		}
		serveHiOn(t, d.ns[e.Name], netip.AddrPortFrom(netip.IPv4Unspecified(), fpPort))
	}
	for _, c := range []string{differential.Azure, differential.GCP} {
		if slices.Contains(slices.Collect(maps.Values(d.prov)), c) {
			d.crs[c] = newCloudRules(t, d, c, ids)
		}
	}
	d.settle(t)
	return d
}

// open admits the private ranges into about half of the workloads'
// security groups, so that more pairs reach and the changes that follow
// block some of them.
func (d *fpLab) open(t *testing.T, r *rand.Rand) {
	t.Helper()
	// Azure's NSGs and GCP's firewalls admit what the topology's allow
	// lists say.
	for _, e := range d.plan.Endpoints {
		if e.VPC != "" && d.prov[e.Name] == differential.AWS && r.IntN(2) == 0 {
			what, err := d.authorize(t.Context(), e.Name, "-1", netip.MustParsePrefix("10.0.0.0/8"))
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
		}
	}
	d.added = nil // kept: the changes take only their own back
}

// describe reads a workload's subnet, security group and VPC through the
// EC2 API.
func (d *fpLab) describe(t *testing.T, name, id string) {
	t.Helper()
	out, err := d.ec2.DescribeInstances(t.Context(), &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil || len(out.Reservations) != 1 || len(out.Reservations[0].Instances) != 1 {
		t.Fatalf("describe instance %s (%s): %v", id, name, err)
	}
	in := out.Reservations[0].Instances[0]
	d.subnet[name], d.vpc[name] = *in.SubnetId, *in.VpcId
	if len(in.SecurityGroups) > 0 {
		d.group[name] = *in.SecurityGroups[0].GroupId
	}
}

// settle waits until every spoke workload's route table holds the
// learned routes the controller is to program there (each endpoint's
// prefix that the domain policy and the approvals in force let through:
// Plan.DesiredView) and no route to an approved prefix that is not in
// force, and reports whether it had to wait. The controller programs
// learned routes as its spoke gateways learn them, for some seconds after
// deploy says converged (which waits for tunnels and sessions, not for
// route tables) and after an approval changes: a comparison made while
// they fill in reads a table without a route that a probe a moment later
// finds there. That was the disagreement that went away when asked again
// (one in six runs): FlightPath and the probe were both right, at two
// moments.
func (d *fpLab) settle(t *testing.T) bool {
	t.Helper()
	start := time.Now()
	deadline := start.Add(15 * time.Second)
	first := ""
	for {
		diff := d.routesDiffer(t)
		if diff == "" && first != "" {
			t.Logf("route tables settled after %s (at first %s)", time.Since(start).Round(time.Millisecond), first)
		}
		if diff == "" {
			return first != ""
		}
		first = cmp.Or(first, diff)
		if time.Now().After(deadline) {
			t.Fatalf("route tables not settled after 15 s: %s", diff)
		}
		time.Sleep(100 * time.Millisecond) // the controller's next sync (controller.Interval)
	}
}

// routesDiffer says how a spoke workload's route table differs from what
// the controller is to program there (settle), or "".
func (d *fpLab) routesDiffer(t *testing.T) string {
	appr, err := d.api.Approved(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	view := d.plan.DesiredView(approvedByTransit(appr), nil)
	for _, e := range d.plan.Endpoints {
		if e.VPC == "" || len(d.plan.GatewaysOf(e.Spoke)) == 0 {
			continue
		}
		have := d.learned(t, e.Name)
		want := view.Ends[e.Instance].Table
		for _, r := range want.Routes {
			if r.Kind == cloud.RouteInstance && !have[r.Destination] {
				return fmt.Sprintf("%s's route table: no learned route to %s yet", e.Name, r.Destination)
			}
		}
		for _, a := range d.c.Approve {
			if have[a.Prefix] && !hasRoute(want, a.Prefix) {
				return fmt.Sprintf("%s's route table: a route to %s, whose approval is revoked", e.Name, a.Prefix)
			}
		}
	}
	return ""
}

// snapshot renders the learned routes of every spoke workload's route
// table, to tell whether they moved.
func (d *fpLab) snapshot(t *testing.T) string {
	var b strings.Builder
	for _, e := range d.plan.Endpoints {
		if e.VPC == "" || len(d.plan.GatewaysOf(e.Spoke)) == 0 {
			continue
		}
		fmt.Fprintf(&b, "%s: %v\n", e.Name, slices.SortedFunc(maps.Keys(d.learned(t, e.Name)), netip.Prefix.Compare))
	}
	return b.String()
}

func hasRoute(t cloud.TableState, p netip.Prefix) bool {
	for _, r := range t.Routes {
		if r.Destination == p {
			return true
		}
	}
	return false
}

// compareOne is the verdict FlightPath gives a flow and what a probe saw.
type compareOne struct {
	from, to, flow string
	fp             api.FlightPath
	seen           bool
	err            error
}

// compare compares every ordered pair with one of the changed endpoints
// ends and others at random, 24 at least (all when fewer), each with a
// ping and a TCP connect, and returns how many verdicts it compared.
func (d *fpLab) compare(t *testing.T, r *rand.Rand, ends []string, label string) int {
	t.Helper()
	var pairs, rest [][2]string
	for _, a := range d.plan.Endpoints {
		for _, b := range d.plan.Endpoints {
			switch {
			case a.Name == b.Name:
			case slices.Contains(ends, a.Name) || slices.Contains(ends, b.Name):
				pairs = append(pairs, [2]string{a.Name, b.Name})
			default:
				rest = append(rest, [2]string{a.Name, b.Name})
			}
		}
	}
	r.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
	pairs = append(pairs, rest[:max(0, min(len(rest), 24-len(pairs)))]...)
	before := d.snapshot(t)
	res := make([]compareOne, 2*len(pairs))
	var wg sync.WaitGroup
	for i, p := range pairs {
		for j, proto := range []string{"icmp", "tcp"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res[2*i+j] = d.probe(t.Context(), p[0], p[1], proto)
			}()
		}
	}
	wg.Wait()
	reached, why := 0, map[string]int{}
	for _, c := range res {
		if c.fp.Block != nil {
			why[c.fp.Block.Kind+" "+strings.Fields(c.fp.Reason)[0]+map[bool]string{true: " (reply)"}[c.fp.Block.Return]]++
		}
		switch {
		case c.err != nil:
			t.Errorf("%s: %s -> %s %s: %v", label, c.from, c.to, c.flow, c.err)
		case c.fp.Reachable != c.seen:
			// The route tables were settled before the comparison
			// (settle): a disagreement fails, unless they moved under it
			// (a learned route withdrawn and learned again, as a BGP
			// session that a loaded machine drops does): then both were
			// right at their moments, and the flow is asked and sent
			// again once the tables are settled, and fails if it holds.
			moved := d.settle(t) || d.snapshot(t) != before
			if !moved {
				t.Errorf("%s: %s -> %s %s: FlightPath says reachable %v (%s), the probe saw %v",
					label, c.from, c.to, c.flow, c.fp.Reachable, c.fp.Reason, c.seen)
				continue
			}
			if again := d.probe(t.Context(), c.from, c.to, c.flow); again.err != nil || again.fp.Reachable != again.seen {
				t.Errorf("%s: %s -> %s %s: FlightPath says reachable %v (%s), the probe saw %v (asked again after the route tables moved and settled: %v, %v)",
					label, c.from, c.to, c.flow, c.fp.Reachable, c.fp.Reason, c.seen, again.fp.Reachable, again.seen)
			} else {
				t.Logf("%s: %s -> %s %s: FlightPath said reachable %v (%s), the probe saw %v while the route tables moved; settled, both say %v",
					label, c.from, c.to, c.flow, c.fp.Reachable, c.fp.Reason, c.seen, again.seen)
			}
		case c.seen:
			reached++
		}
	}
	t.Logf("%s: %d verdicts compared (%d reachable; blocked by %v)", label, len(res), reached, why)
	return len(res)
}

// probe asks FlightPath for one flow, then sends it: three echo requests,
// or a TCP connect to fpPort. A flow FlightPath passes that was not seen
// is sent once more with twice the time, so that a loaded machine's slow
// answer is not taken for a drop.
func (d *fpLab) probe(ctx context.Context, from, to, proto string) compareOne {
	c := compareOne{from: from, to: to, flow: proto}
	req := api.FlightPathRequest{From: from, To: to, Protocol: proto}
	if proto == "tcp" {
		req.Port = fpPort
	}
	if c.fp, c.err = d.api.FlightPath(ctx, req); c.err != nil {
		return c
	}
	for _, wait := range []time.Duration{400 * time.Millisecond, 800 * time.Millisecond} {
		if c.seen, c.err = d.send(from, to, proto, wait); c.err != nil || c.seen || !c.fp.Reachable {
			return c
		}
	}
	return c
}

// send sends one flow: three echo requests each answered within wait, or
// a TCP connect within 2.5 waits.
func (d *fpLab) send(from, to, proto string, wait time.Duration) (bool, error) {
	if proto == "tcp" {
		return connects(d.ns[from], d.addr[to], fpPort, 5*wait/2), nil
	}
	p, err := probe.NewPinger(d.ns[from])
	if err != nil {
		return false, err
	}
	defer p.Close()
	for seq := 1; seq <= 3; seq++ {
		if _, err := p.Ping(d.addr[to], seq, wait); err == nil {
			return true, nil
		}
	}
	return false, nil
}

// workloadClouds maps each workload of a plan to its account's cloud.
func workloadClouds(cp *intent.Plan) map[string]string {
	acct := map[string]string{}
	for _, a := range cp.Topology.Cloud.Accounts {
		acct[a.Name] = string(a.Provider)
	}
	vpc := map[string]string{}
	for _, v := range cp.Topology.Cloud.VPCs {
		vpc[v.Name] = acct[v.Account]
	}
	out := map[string]string{}
	for _, e := range cp.Endpoints {
		if e.VPC != "" {
			out[e.Name] = vpc[e.VPC]
		}
	}
	return out
}
