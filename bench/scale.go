package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/probe"
	"github.com/mcnlab/mcnlab/emulator/state"
	mcnlab "github.com/mcnlab/mcnlab/lab"
	"github.com/mcnlab/mcnlab/topologies"
)

// ScaleOptions configures Scale.
type ScaleOptions struct {
	// Lab is the lab's name (each N deploys it anew).
	Lab string
	// Spokes are the spoke counts N to deploy, in order.
	Spokes []int
	// HA makes the transit and every spoke a gateway pair.
	HA bool
	// Self is the mcnlab binary the lab's daemons run and that validate
	// and simulate are timed with; empty: this executable.
	Self string
	// PlanSpokes is the size of the generated topology that `validate`
	// and `simulate` are timed on (0: none).
	PlanSpokes int
	// Pairs is the size of the reachability sample (20 when zero).
	Pairs int
	// Timeout bounds each deploy's wait for convergence (300 s when
	// zero).
	Timeout time.Duration
	Log     io.Writer
}

// ScaleResult is the outcome of `mcnlab bench scale`.
type ScaleResult struct {
	Date  string `json:"date"`
	Cores int    `json:"cores"`
	HA    bool   `json:"ha"`
	// Plan is the validate and simulate figure of the PlanSpokes-spoke
	// topology; nil when not asked for.
	Plan *ScalePlan `json:"plan,omitempty"`
	Runs []ScaleRun `json:"runs"`
}

// ScalePlan times `mcnlab validate` and `mcnlab simulate` (the whole
// matrix printed, to a discarded output) on a generated topology, each as
// the command a user runs, process start included.
type ScalePlan struct {
	Spokes    int     `json:"spokes"`
	Workloads int     `json:"workloads"`
	Pairs     int     `json:"pairs"`
	ValidateS float64 `json:"validate_s"`
	SimulateS float64 `json:"simulate_s"`
}

// ScaleRun is one N.
type ScaleRun struct {
	Spokes   int `json:"spokes"`
	Gateways int `json:"gateways"`
	Tunnels  int `json:"tunnels"`
	// ConvergedS runs from the start of the deploy until every phase is
	// done and the deploy returned.
	ConvergedS float64 `json:"converged_s"`
	// PerSpokeS is ConvergedS / Spokes.
	PerSpokeS float64      `json:"per_spoke_s"`
	Phases    []ScalePhase `json:"phases"`
	// RSS: every gateway's processes (VmRSS), after convergence.
	RSSTotalMB   float64 `json:"rss_total_mb"`
	RSSGatewayMB Spread  `json:"rss_gateway_mb"`
	// AnonGatewayMB is each gateway's anonymous memory (RssAnon): its
	// RSS less the binary's pages, which every gateway shares.
	AnonGatewayMB Spread `json:"anon_gateway_mb"`
	// ControllerCPUS and CloudCPUS are the daemons' CPU seconds from
	// their start until convergence; APICalls the cloud API requests
	// the controller sent by then.
	ControllerCPUS float64 `json:"controller_cpu_s"`
	CloudCPUS      float64 `json:"cloud_cpu_s"`
	APICalls       uint64  `json:"api_calls"`
	// Reach is the sample of workload pairs pinged.
	Reach    ScaleReach `json:"reach"`
	DestroyS float64    `json:"destroy_s"`
	// Leftover lists what destroy left behind (namespaces, the state
	// directory); empty when nothing.
	Leftover []string `json:"leftover,omitempty"`
	// LoadBefore and LoadAfter are the 1-minute load averages.
	LoadBefore float64 `json:"load_before"`
	LoadAfter  float64 `json:"load_after"`
	// Error is why this N failed ("" when it did not); Phases then hold
	// those done by then (0 s: not done).
	Error string `json:"error,omitempty"`
}

// ScalePhase is when one phase of a deploy was done, from the deploy's
// start, and how many things it counted.
type ScalePhase struct {
	Name  string  `json:"name"`
	S     float64 `json:"s"`
	Count int     `json:"count"`
}

// ScaleReach is the reachability sample: random ordered pairs of
// workloads in different spokes, each pinged (3 tries).
type ScaleReach struct {
	Pairs  int      `json:"pairs"`
	Passed int      `json:"passed"`
	Failed []string `json:"failed,omitempty"`
}

// Scale times validate and simulate on a PlanSpokes-spoke topology, then
// for each N generates the transit with N spokes, deploys it, and reports
// the time until converged and per phase, memory, the daemons' CPU and
// API calls, a reachability sample, and the time to destroy it. A run's
// lab is destroyed also on error.
func Scale(ctx context.Context, o ScaleOptions) (*ScaleResult, error) {
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.Pairs <= 0 {
		o.Pairs = 20
	}
	if o.Timeout <= 0 {
		o.Timeout = 300 * time.Second
	}
	if o.Self == "" {
		self, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("bench scale: find mcnlab binary: %w", err)
		}
		o.Self = self
	}
	res := &ScaleResult{Date: time.Now().UTC().Format(time.RFC3339), Cores: runtime.NumCPU(), HA: o.HA}
	if o.PlanSpokes > 0 {
		p, err := timePlan(ctx, o)
		if err != nil {
			return nil, err
		}
		res.Plan = p
	}
	for _, n := range o.Spokes {
		run, err := scaleRun(ctx, o, n)
		if err != nil {
			if run != nil {
				run.Error = err.Error()
				res.Runs = append(res.Runs, *run)
			}
			return res, fmt.Errorf("bench scale: %d spokes: %w", n, err)
		}
		res.Runs = append(res.Runs, *run)
	}
	return res, nil
}

// writeGenerated writes the generated n-spoke topology to a file of its
// own and returns its path and bytes.
func writeGenerated(lab string, n int, ha bool) (string, []byte, *topologies.Topology, error) {
	t, err := GenerateTransit(lab, n, ha)
	if err != nil {
		return "", nil, nil, err
	}
	b, err := topologies.Marshal(t)
	if err != nil {
		return "", nil, nil, err
	}
	dir, err := os.MkdirTemp("", "mcnlab-scale-")
	if err != nil {
		return "", nil, nil, err
	}
	p := filepath.Join(dir, fmt.Sprintf("%s-%d.yaml", lab, n))
	return p, b, t, os.WriteFile(p, b, 0o644)
}

// timePlan runs `mcnlab validate` and `mcnlab simulate` on the generated
// PlanSpokes-spoke topology.
func timePlan(ctx context.Context, o ScaleOptions) (*ScalePlan, error) {
	file, _, _, err := writeGenerated(o.Lab, o.PlanSpokes, o.HA)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(filepath.Dir(file))
	p := &ScalePlan{Spokes: o.PlanSpokes, Workloads: o.PlanSpokes, Pairs: o.PlanSpokes * (o.PlanSpokes - 1)}
	for _, c := range []struct {
		args []string
		into *float64
	}{{[]string{"validate", file}, &p.ValidateS}, {[]string{"simulate", "-t", file}, &p.SimulateS}} {
		cmd := exec.CommandContext(ctx, o.Self, c.args...)
		var stderr strings.Builder
		cmd.Stdout, cmd.Stderr = io.Discard, &stderr
		start := time.Now()
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("mcnlab %s: %w: %s", strings.Join(c.args, " "), err, stderr.String())
		}
		*c.into = time.Since(start).Seconds()
	}
	fmt.Fprintf(o.Log, "%d spokes (%d workloads): validate %.2fs, simulate (%d pairs printed) %.2fs\n",
		p.Spokes, p.Workloads, p.ValidateS, p.Pairs, p.SimulateS)
	return p, nil
}

// scaleRun deploys the n-spoke transit, measures it and destroys it.
func scaleRun(ctx context.Context, o ScaleOptions, n int) (run *ScaleRun, err error) {
	file, src, t, err := writeGenerated(o.Lab, n, o.HA)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(filepath.Dir(file))
	cp, err := intent.Compile(t)
	if err != nil {
		return nil, err
	}
	run = &ScaleRun{Spokes: n, Gateways: len(cp.Gateways), Tunnels: len(cp.Tunnels), LoadBefore: loadAvg()}
	fmt.Fprintf(o.Log, "%d spokes: %d VPCs, %d gateways, %d tunnels, %d workloads; deploying lab %s (load %.1f)\n",
		n, len(t.Cloud.VPCs), run.Gateways, run.Tunnels, len(cp.Endpoints), o.Lab, run.LoadBefore)
	destroyed := false
	defer func() {
		// A deploy that failed has destroyed its lab already.
		if _, lerr := state.Load(o.Lab); !destroyed && lerr == nil {
			err = errors.Join(err, emulator.Destroy(context.Background(), o.Lab, nil))
		}
	}()
	// The watch writes beside the deploy's own lines: both go through
	// logMu (indent).
	w := newScaleWatch(o.Lab, cp, indent(o.Log, ""))
	start := time.Now()
	dctx, cancel := context.WithCancel(ctx)
	defer cancel()
	deployed := make(chan error, 1)
	go func() {
		deployed <- mcnlab.Deploy(dctx, mcnlab.Deployment{Topology: t, File: file, Source: src, Lab: o.Lab},
			mcnlab.Options{Self: o.Self, Out: indent(o.Log, "  deploy: "), Progress: emulator.Silent{}, ConvergeTimeout: o.Timeout})
	}()
	if err := w.run(dctx, start, deployed, o.Timeout+30*time.Second); err != nil {
		run.ConvergedS, run.Phases = time.Since(start).Seconds(), w.phases()
		return run, err
	}
	run.ConvergedS = time.Since(start).Seconds()
	run.PerSpokeS = run.ConvergedS / float64(n)
	run.Phases = w.phases()
	fmt.Fprintf(o.Log, "  converged in %.2fs (%.3fs per spoke)\n", run.ConvergedS, run.PerSpokeS)
	if err := measureScale(ctx, o.Lab, cp, w.instances, run, o.Log); err != nil {
		return nil, err
	}
	run.Reach = reachSample(o.Lab, cp, w.instances, o.Pairs)
	fmt.Fprintf(o.Log, "  reach: %d of %d sampled pairs answer\n", run.Reach.Passed, run.Reach.Pairs)
	dstart := time.Now()
	destroyed = true
	if err := emulator.Destroy(context.Background(), o.Lab, nil); err != nil {
		return nil, fmt.Errorf("destroy: %w", err)
	}
	run.DestroyS = time.Since(dstart).Seconds()
	run.Leftover = leftovers(o.Lab)
	run.LoadAfter = loadAvg()
	fmt.Fprintf(o.Log, "  destroyed in %.2fs, %d things left (load %.1f)\n", run.DestroyS, len(run.Leftover), run.LoadAfter)
	if run.Reach.Passed != run.Reach.Pairs {
		return run, fmt.Errorf("%d of %d sampled pairs do not reach: %s", run.Reach.Pairs-run.Reach.Passed, run.Reach.Pairs, strings.Join(run.Reach.Failed, "; "))
	}
	return run, nil
}

// measureScale reads the gateways' memory and the daemons' CPU and API
// calls of a converged lab.
func measureScale(ctx context.Context, lab string, cp *intent.Plan, instances map[string]instanceAddr, run *ScaleRun, log io.Writer) error {
	var rss, anon []float64
	for _, g := range cp.Gateways {
		in, ok := instances[g.Key]
		if !ok {
			return fmt.Errorf("gateway %s has no instance", g.Key)
		}
		procs, err := emulator.NamespaceProcesses(emulator.InstanceNamespace(lab, in.id))
		if err != nil {
			return fmt.Errorf("gateway %s: %w", g.Key, err)
		}
		mb, an := 0.0, 0.0
		for _, p := range procs {
			if kb, err := vmRSS(p.PID); err == nil {
				mb += float64(kb) / 1024
			}
			if kb, err := procStatusKB(p.PID, "RssAnon"); err == nil {
				an += float64(kb) / 1024
			}
		}
		rss, anon = append(rss, mb), append(anon, an)
		run.RSSTotalMB += mb
	}
	run.RSSGatewayMB, run.AnonGatewayMB = spreadOf(rss), spreadOf(anon)
	if p, ok := mcnlab.DaemonOf(lab, mcnlab.ControllerDaemon); ok {
		run.ControllerCPUS = procCPU(p.PID)
	}
	if p, ok := mcnlab.DaemonOf(lab, mcnlab.CloudDaemon); ok {
		run.CloudCPUS = procCPU(p.PID)
	}
	calls, err := controllerAPICalls(ctx, lab)
	if err != nil {
		return err
	}
	run.APICalls = calls
	fmt.Fprintf(log, "  gateways' RSS %.0f MB in all (%.1f-%.1f MB each, median %.1f; anonymous median %.1f); controller %.1f CPU s, %d API calls; cloud %.1f CPU s\n",
		run.RSSTotalMB, run.RSSGatewayMB.Min, run.RSSGatewayMB.Max, run.RSSGatewayMB.Median, run.AnonGatewayMB.Median, run.ControllerCPUS, run.APICalls, run.CloudCPUS)
	return nil
}

// spreadOf returns the median, min and max of vs.
func spreadOf(vs []float64) Spread {
	if len(vs) == 0 {
		return Spread{}
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	return Spread{Median: s[len(s)/2], Min: s[0], Max: s[len(s)-1]}
}

// reachSample pings n random ordered pairs of workloads (3 tries each).
func reachSample(lab string, cp *intent.Plan, instances map[string]instanceAddr, n int) ScaleReach {
	eps := cp.Endpoints
	r := ScaleReach{}
	if len(eps) < 2 {
		return r
	}
	seen := map[[2]int]bool{}
	for len(seen) < min(n, len(eps)*(len(eps)-1)) {
		a, b := rand.IntN(len(eps)), rand.IntN(len(eps))
		if a != b {
			seen[[2]int{a, b}] = true
		}
	}
	for k := range seen {
		from, to := eps[k[0]], eps[k[1]]
		r.Pairs++
		if err := pingOnce(lab, instances[from.Instance], instances[to.Instance].addr); err != nil {
			r.Failed = append(r.Failed, fmt.Sprintf("%s -> %s: %v", from.Name, to.Name, err))
			continue
		}
		r.Passed++
	}
	return r
}

// pingOnce pings dst from an instance's namespace, 3 tries of 1 s.
func pingOnce(lab string, from instanceAddr, dst netip.Addr) error {
	p, err := probe.NewPinger(emulator.InstanceNamespace(lab, from.id))
	if err != nil {
		return err
	}
	defer p.Close()
	for seq := 1; ; seq++ {
		_, err := p.Ping(dst, seq, time.Second)
		if err == nil || seq == 3 {
			return err
		}
	}
}

// leftovers lists what a destroyed lab left: its state directory and
// namespaces named after it.
func leftovers(lab string) []string {
	var out []string
	if _, err := os.Stat(state.Dir(lab)); err == nil {
		out = append(out, state.Dir(lab))
	}
	ents, _ := os.ReadDir("/run/netns")
	prefix := emulator.NamespaceName(lab, "")
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), prefix) {
			out = append(out, "netns "+e.Name())
		}
	}
	return out
}
