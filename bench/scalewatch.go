package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/mcnlab/mcnlab/controller/api"
	"github.com/mcnlab/mcnlab/controller/cloud"
	awsprov "github.com/mcnlab/mcnlab/controller/cloud/aws"
	"github.com/mcnlab/mcnlab/controller/intent"
	mcnlab "github.com/mcnlab/mcnlab/lab"
)

// The phases of a scale deploy, in order, named by what is waited for.
const (
	PhaseCloudObjects = "cloud objects (VPCs, subnets, security groups)"
	PhaseInstances    = "instances running (gateways and workloads)"
	PhaseConfigured   = "gateways configured (every tunnel pushed)"
	PhaseTunnels      = "tunnels up (both ends)"
	PhaseSessions     = "BGP sessions established (both ends)"
	PhaseRoutes       = "routes to every other spoke in every spoke route table"
)

// scalePhases lists the phases in order.
var scalePhases = []string{PhaseCloudObjects, PhaseInstances, PhaseConfigured, PhaseTunnels, PhaseSessions, PhaseRoutes}

// scaleWatchInterval is how often a scale deploy's progress is read.
const scaleWatchInterval = 500 * time.Millisecond

// instanceAddr is an instance's ID and private address.
type instanceAddr struct {
	id   string
	addr netip.Addr
}

// scaleWatch follows a scale deploy through its phases: it reads the
// lab's cloud (the provider's Observe, and DescribeRouteTables through
// the AWS SDK) and the controller's status.
type scaleWatch struct {
	lab string
	cp  *intent.Plan
	log io.Writer
	// want is each phase's count when it is done.
	want      map[string]int
	wantPorts map[string]int // gateway key -> its tunnels
	spokeVPC  map[string]netip.Prefix
	spokeOf   map[netip.Prefix]string // a spoke VPC's range -> its name
	// Filled as the lab comes up.
	providers map[string]cloud.Provider
	ec2       *ec2.Client
	api       *api.Client
	inv       cloud.Inventory
	instances map[string]instanceAddr
	count     map[string]int
	done      map[string]float64
}

// newScaleWatch prepares the watch of cp's deploy as lab.
func newScaleWatch(lab string, cp *intent.Plan, log io.Writer) *scaleWatch {
	w := &scaleWatch{lab: lab, cp: cp, log: log, want: map[string]int{}, wantPorts: map[string]int{},
		spokeVPC: map[string]netip.Prefix{}, spokeOf: map[netip.Prefix]string{}, count: map[string]int{}, done: map[string]float64{}}
	d := cp.Accounts[0].Desired
	subnets := 0
	for _, v := range d.VPCs {
		subnets += len(v.Subnets)
	}
	w.want[PhaseCloudObjects] = len(d.VPCs) + subnets + len(d.SecurityGroups)
	w.want[PhaseInstances] = len(d.Instances)
	w.want[PhaseConfigured] = len(cp.Gateways)
	w.want[PhaseTunnels] = 2 * len(cp.Tunnels)
	w.want[PhaseSessions] = 2 * len(cp.Tunnels)
	for _, t := range cp.Tunnels {
		w.wantPorts[t.A]++
		w.wantPorts[t.B]++
	}
	for _, sp := range cp.Topology.Cloud.Spokes {
		for _, v := range cp.Topology.Cloud.VPCs {
			if v.Name == sp.VPC {
				w.spokeVPC[v.Name] = v.CIDR
				w.spokeOf[v.CIDR] = v.Name
				w.want[PhaseRoutes] += len(v.Subnets)
			}
		}
	}
	return w
}

// run follows the deploy until every phase is done and deployed answered
// nil, or it answers an error, or limit passes.
func (w *scaleWatch) run(ctx context.Context, start time.Time, deployed <-chan error, limit time.Duration) error {
	defer func() {
		for _, p := range w.providers {
			p.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	tick := time.NewTicker(scaleWatchInterval)
	defer tick.Stop()
	deployDone, last := false, time.Now()
	for {
		select {
		case err := <-deployed:
			if err != nil {
				return err
			}
			deployDone = true
		default:
		}
		w.poll(ctx)
		now := time.Since(start).Seconds()
		for _, ph := range scalePhases {
			if _, ok := w.done[ph]; !ok && w.count[ph] >= w.want[ph] {
				w.done[ph] = now
				fmt.Fprintf(w.log, "  %6.1fs  done: %s (%d)\n", now, ph, w.want[ph])
			}
		}
		if deployDone && len(w.done) == len(scalePhases) {
			return nil
		}
		if time.Since(last) >= 2*time.Second {
			last = time.Now()
			w.progress(now)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("not converged after %s: %s", limit, w.missing())
		case <-tick.C:
		}
	}
}

// phases returns the phases with their times, in order.
func (w *scaleWatch) phases() []ScalePhase {
	out := make([]ScalePhase, 0, len(scalePhases))
	for _, ph := range scalePhases {
		out = append(out, ScalePhase{Name: ph, S: w.done[ph], Count: w.want[ph]})
	}
	return out
}

// progress prints each phase's count.
func (w *scaleWatch) progress(now float64) {
	var parts []string
	for _, ph := range scalePhases {
		if _, ok := w.done[ph]; !ok {
			name, _, _ := strings.Cut(ph, " (")
			parts = append(parts, fmt.Sprintf("%s %d/%d", name, w.count[ph], w.want[ph]))
		}
	}
	fmt.Fprintf(w.log, "  %6.1fs  waiting: %s\n", now, strings.Join(parts, ", "))
}

// missing names the phases not done, with their counts.
func (w *scaleWatch) missing() string {
	var parts []string
	for _, ph := range scalePhases {
		if _, ok := w.done[ph]; !ok {
			parts = append(parts, fmt.Sprintf("%s: %d of %d", ph, w.count[ph], w.want[ph]))
		}
	}
	if len(parts) == 0 {
		return "the deploy did not return"
	}
	return strings.Join(parts, "; ")
}

// poll reads what is up now; what cannot be read yet (the cloud or the
// controller not started) counts nothing.
func (w *scaleWatch) poll(ctx context.Context) {
	if w.providers == nil {
		if ps, err := mcnlab.Providers(ctx, w.cp, w.lab, ""); err == nil {
			w.providers = ps
		}
	}
	_, objectsDone := w.done[PhaseCloudObjects]
	_, instancesDone := w.done[PhaseInstances]
	if w.providers != nil && !(objectsDone && instancesDone) {
		w.observe(ctx)
	}
	if w.api == nil {
		if c, err := mcnlab.API(w.lab); err == nil {
			w.api = c
		}
	}
	if w.api != nil {
		if st, err := w.api.Status(ctx); err == nil {
			w.status(st)
		}
	}
	if _, ok := w.done[PhaseTunnels]; ok {
		w.routes(ctx)
	}
}

// observe counts the cloud's objects and running instances.
func (w *scaleWatch) observe(ctx context.Context) {
	inv := cloud.Inventory{VPCs: map[string]string{}, Subnets: map[string]string{}, RouteTables: map[string]string{},
		Groups: map[string]string{}, Instances: map[string]cloud.InstanceInfo{}}
	for _, p := range w.providers {
		got, err := p.Observe(ctx)
		if err != nil {
			return
		}
		for _, m := range [][2]map[string]string{{inv.VPCs, got.VPCs}, {inv.Subnets, got.Subnets}, {inv.RouteTables, got.RouteTables}, {inv.Groups, got.Groups}} {
			for k, v := range m[1] {
				m[0][k] = v
			}
		}
		for k, v := range got.Instances {
			inv.Instances[k] = v
		}
	}
	w.inv = inv
	w.count[PhaseCloudObjects] = len(inv.VPCs) + len(inv.Subnets) + len(inv.Groups)
	n := 0
	instances := map[string]instanceAddr{}
	for k, in := range inv.Instances {
		if in.ID != "" && in.PrivateIP.IsValid() && (w.cp.Gateway(k) == nil || in.PublicIP.IsValid()) {
			n++
			instances[k] = instanceAddr{id: in.ID, addr: in.PrivateIP}
		}
	}
	w.count[PhaseInstances] = n
	w.instances = instances
}

// status counts configured gateways, tunnels up and sessions established
// from the controller's status.
func (w *scaleWatch) status(st api.Status) {
	configured, tunnels, sessions := 0, 0, 0
	for _, g := range st.Gateways {
		if g.Tunnels == w.wantPorts[g.Name] && g.Sessions >= g.Tunnels {
			configured++
		}
		tunnels += g.TunnelsUp
		sessions += g.SessionsUp
	}
	w.count[PhaseConfigured], w.count[PhaseTunnels], w.count[PhaseSessions] = configured, tunnels, sessions
}

// routes counts the spoke route tables that hold a route to every other
// spoke's VPC, read from the cloud with DescribeRouteTables.
func (w *scaleWatch) routes(ctx context.Context) {
	if w.ec2 == nil {
		ep, err := mcnlab.ReadEndpoint(w.lab, "aws")
		if err != nil {
			return
		}
		cfg, err := awsprov.LabConfig(&ep, "")
		if err != nil {
			return
		}
		w.ec2 = ec2.NewFromConfig(cfg)
	}
	tables := map[string]bool{} // the spokes' route tables by ID
	for key, id := range w.inv.RouteTables {
		vpc, _, _ := strings.Cut(key, "/")
		if _, ok := w.spokeVPC[vpc]; ok {
			tables[id] = true
		}
	}
	others := len(w.spokeVPC) - 1
	complete := 0
	pg := ec2.NewDescribeRouteTablesPaginator(w.ec2, &ec2.DescribeRouteTablesInput{})
	for pg.HasMorePages() {
		out, err := pg.NextPage(ctx)
		if err != nil {
			return
		}
		for _, rt := range out.RouteTables {
			if rt.RouteTableId == nil || !tables[*rt.RouteTableId] {
				continue
			}
			n := 0
			for _, r := range rt.Routes {
				if r.DestinationCidrBlock == nil || string(r.State) != "active" {
					continue
				}
				if p, err := netip.ParsePrefix(*r.DestinationCidrBlock); err == nil && w.isOtherSpoke(p, rt.VpcId) {
					n++
				}
			}
			if n >= others {
				complete++
			}
		}
	}
	// Subnets that share a table count it once each.
	w.count[PhaseRoutes] = complete * w.want[PhaseRoutes] / max(len(tables), 1)
}

// isOtherSpoke reports whether p is the range of a spoke VPC other than
// the one with ID vpcID.
func (w *scaleWatch) isOtherSpoke(p netip.Prefix, vpcID *string) bool {
	name, ok := w.spokeOf[p]
	return ok && (vpcID == nil || w.inv.VPCs[name] != *vpcID)
}

// controllerAPICalls reads the cloud API requests the lab's controller
// sent from its /metrics.
func controllerAPICalls(ctx context.Context, lab string) (uint64, error) {
	c, err := mcnlab.API(lab)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, "GET", c.BaseURL+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("read the controller's metrics: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("read the controller's metrics: %d %v", resp.StatusCode, err)
	}
	var total uint64
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if ok && strings.HasPrefix(name, "mcnlab_cloud_api_requests_total{") {
			v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
			if err != nil {
				return 0, fmt.Errorf("metrics: %s: %w", sc.Text(), err)
			}
			total += uint64(v)
		}
	}
	return total, nil
}

// indentWriter writes each line to w after a prefix; one lock keeps the
// lines of several writers whole.
type indentWriter struct {
	mu     *sync.Mutex
	w      io.Writer
	prefix string
}

var logMu sync.Mutex

// indent returns a writer that prefixes each line written to w.
func indent(w io.Writer, prefix string) io.Writer {
	return &indentWriter{mu: &logMu, w: w, prefix: prefix}
}

// Write writes p's lines with the prefix.
func (iw *indentWriter) Write(p []byte) (int, error) {
	iw.mu.Lock()
	defer iw.mu.Unlock()
	for _, l := range strings.SplitAfter(string(p), "\n") {
		if l == "" {
			continue
		}
		if _, err := io.WriteString(iw.w, iw.prefix+l); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}
