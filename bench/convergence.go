package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/topologies"
)

// GatewayRouteProtocol marks the kernel routes a gateway installs.
const GatewayRouteProtocol = 186

// ExtraRange is where the on-prem router's extra prefixes come from (the
// benchmarking range, RFC 2544).
var ExtraRange = netip.MustParsePrefix("198.18.0.0/15")

// ExtraPrefixLen is the length of each extra prefix: /29s, so 198.18.0.0/15
// holds 16384 of them.
const ExtraPrefixLen = 29

// ConvergenceOptions configures Convergence.
type ConvergenceOptions struct {
	Lab string
	// Topology is the lab; OnPrem names its BIRD node that announces the
	// prefixes.
	Topology *topologies.Topology
	OnPrem   string
	// GatewayCommand starts `mcnlab gateway` (this binary by default).
	GatewayCommand []string
	// Prefixes are the counts N to measure, in order.
	Prefixes []int
	// Timeout bounds each wait (120 s when zero).
	Timeout time.Duration
	Log     io.Writer
}

// ConvergenceResult is the outcome of `mcnlab bench convergence`.
type ConvergenceResult struct {
	Topology string             `json:"topology"`
	OnPrem   string             `json:"onprem"`
	Gateways []string           `json:"gateways"`
	DeployS  float64            `json:"deploy_s"`
	Runs     []ConvergenceRun   `json:"runs"`
	IdleRSS  map[string]float64 `json:"idle_rss_mb"` // each gateway SettleAfter after convergence, before any extra prefix
	// IdleAnon and IdleFile split IdleRSS: the gateway's own memory
	// (RssAnon) and the pages of its binary (RssFile), which every
	// gateway of the machine shares.
	IdleAnon map[string]float64 `json:"idle_rss_anon_mb"`
	IdleFile map[string]float64 `json:"idle_rss_file_mb"`
	TargetMB float64            `json:"target_idle_rss_mb"`
}

// ConvergenceRun is one N.
type ConvergenceRun struct {
	Prefixes int `json:"prefixes"`
	// AnnounceS: from `birdc configure` until every gateway has all N in
	// its kernel FIB; WithdrawS: from the reconfiguration without them
	// until no gateway has any.
	AnnounceS float64 `json:"announce_s"`
	WithdrawS float64 `json:"withdraw_s"`
	// PerGateway: when each gateway had all N, from the announcement.
	PerGateway map[string]float64 `json:"per_gateway_announce_s"`
	// LoadedRSS: each gateway's VmRSS with the N prefixes in place.
	LoadedRSS map[string]float64 `json:"loaded_rss_mb"`
	// AfterRSS: each gateway's VmRSS after the withdrawal.
	AfterRSS map[string]float64 `json:"after_rss_mb"`
	// SettledRSS: each gateway's VmRSS SettleAfter after the withdrawal,
	// once the daemons have had time to return their free heap.
	SettledRSS map[string]float64 `json:"settled_rss_mb"`
	// SettledAnon: the part of SettledRSS that is the gateway's own
	// (RssAnon); the rest is pages of its binary.
	SettledAnon map[string]float64 `json:"settled_rss_anon_mb"`
	// AnnounceCPU and WithdrawCPU: the CPU time (user and system) each
	// gateway spent from the announcement (the withdrawal) until every
	// gateway had all N (none): what the work costs whatever the load of
	// the machine, which stretches the times above.
	AnnounceCPU map[string]float64 `json:"announce_cpu_s"`
	WithdrawCPU map[string]float64 `json:"withdraw_cpu_s"`
	// BenchCPU is the CPU time of this process (the bench: counting each
	// gateway's routes) during the announcement and the withdrawal; it
	// competes with the gateways for the machine's cores.
	BenchCPU [2]float64 `json:"bench_cpu_s"`
	// SessionDowns counts the BGP sessions that went down (the gateways'
	// "Peer Down" log lines) during the announcement and the withdrawal:
	// on a loaded machine BFD (300 ms) or hold timers (3 s) expire, the
	// routes go and come back, and the time and CPU figures of a run with
	// resets measure that churn as well.
	SessionDowns [2]int `json:"session_downs"`
	// LoadAvg is the machine's 1-minute load average at the announcement
	// and after the withdrawal.
	LoadAvg [2]float64 `json:"load_avg_1min"`
}

// SettleAfter is when SettledRSS is read after a withdrawal, and IdleRSS
// after the deployment converged: two of the gateway daemon's memory
// release checks (daemon.ReleaseEvery, 5 s).
const SettleAfter = 10 * time.Second

// TargetIdleRSSMB is the goal for an idle gateway's memory (issue 19).
const TargetIdleRSSMB = 20

// Convergence deploys the lab, and for each N makes the on-prem BIRD
// router announce N extra /29s (static blackhole routes added to its
// "announced" protocol, then `birdc configure`), measures the time until
// every gateway has all of them in its kernel FIB (counted from the route
// notifications of each gateway's namespace, protocol 186 routes inside
// ExtraRange, and confirmed by a dump: routeWatch), then
// withdraws them and measures the time until no gateway has any. It reads
// each gateway's VmRSS idle, loaded and after. The lab is destroyed at the
// end, also on error or when ctx ends.
func Convergence(ctx context.Context, o ConvergenceOptions) (res *ConvergenceResult, err error) {
	if o.Timeout <= 0 {
		o.Timeout = 120 * time.Second
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	onprem := o.Topology.Node(o.OnPrem)
	if onprem == nil || onprem.Kind != topologies.KindBIRD {
		return nil, fmt.Errorf("bench convergence: node %q is not a bird node of the topology", o.OnPrem)
	}
	for _, n := range o.Prefixes {
		if n < 1 || n > 1<<(ExtraPrefixLen-ExtraRange.Bits()) {
			return nil, fmt.Errorf("bench convergence: %d prefixes: want 1..%d (/%ds of %s)", n, 1<<(ExtraPrefixLen-ExtraRange.Bits()), ExtraPrefixLen, ExtraRange)
		}
	}
	gws := gatewayNames(o.Topology)
	if len(gws) == 0 {
		return nil, errors.New("bench convergence: the topology has no gateway nodes")
	}
	program, err := gatewayProgram(o.GatewayCommand)
	if err != nil {
		return nil, err
	}
	res = &ConvergenceResult{Topology: o.Topology.Name, OnPrem: o.OnPrem, Gateways: gws, TargetMB: TargetIdleRSSMB}
	deployS, cleanup, err := deployGateways(ctx, o.Lab, o.Topology, program, o.Log)
	defer func() { err = errors.Join(err, cleanup()) }()
	if err != nil {
		return nil, err
	}
	res.DeployS = deployS

	handles := map[string]*routeWatch{}
	defer func() {
		for _, h := range handles {
			h.Close()
		}
	}()
	for _, g := range gws {
		h, err := newRouteWatch(emulator.NamespaceName(o.Lab, g))
		if err != nil {
			return nil, fmt.Errorf("gateway %s: %w", g, err)
		}
		handles[g] = h
	}
	// Idle: converged, then left alone as long as after a withdrawal
	// (the gateways' memory release and page trim run on that tick).
	if err := sleepCtx(ctx, SettleAfter); err != nil {
		return nil, err
	}
	if res.IdleAnon, err = gatewayStatusMB(o.Lab, gws, "RssAnon"); err != nil {
		return nil, err
	}
	if res.IdleFile, err = gatewayStatusMB(o.Lab, gws, "RssFile"); err != nil {
		return nil, err
	}
	if res.IdleRSS, err = gatewayRSS(o.Lab, gws); err != nil {
		return nil, err
	}
	dir := emulator.NodeDir(o.Lab, o.OnPrem)
	base, err := os.ReadFile(filepath.Join(dir, "bird.conf"))
	if err != nil {
		return nil, fmt.Errorf("bench convergence: %w", err)
	}
	for _, n := range o.Prefixes {
		conf, err := withExtraRoutes(base, n)
		if err != nil {
			return nil, err
		}
		run, err := convergenceRun(ctx, o, gws, handles, n, conf, base)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(o.Log, "  %6d prefixes: announced everywhere in %6.2fs, withdrawn in %6.2fs (load %.1f -> %.1f)\n",
			n, run.AnnounceS, run.WithdrawS, run.LoadAvg[0], run.LoadAvg[1])
		res.Runs = append(res.Runs, run)
	}
	return res, nil
}

// convergenceRun announces n prefixes (BIRD's configuration conf) and
// withdraws them (base), measuring both.
func convergenceRun(ctx context.Context, o ConvergenceOptions, gws []string, handles map[string]*routeWatch, n int, conf, base []byte) (ConvergenceRun, error) {
	run := ConvergenceRun{Prefixes: n}
	run.LoadAvg[0] = loadAvg()
	dir := emulator.NodeDir(o.Lab, o.OnPrem)
	cpu0, err := gatewayCPU(o.Lab, gws)
	if err != nil {
		return run, err
	}
	self0 := procCPU(os.Getpid())
	downs0 := sessionDowns(o.Lab, gws)
	start := time.Now()
	if err := birdConfigure(ctx, dir, conf); err != nil {
		return run, err
	}
	if run.PerGateway, err = waitExtraRoutes(ctx, handles, n, o.Timeout); err != nil {
		return run, fmt.Errorf("announce %d prefixes: %w", n, err)
	}
	run.AnnounceS = time.Since(start).Seconds()
	self1 := procCPU(os.Getpid())
	downs1 := sessionDowns(o.Lab, gws)
	cpu1, err := gatewayCPU(o.Lab, gws)
	if err != nil {
		return run, err
	}
	if run.LoadedRSS, err = gatewayRSS(o.Lab, gws); err != nil {
		return run, err
	}
	start = time.Now()
	if err := birdConfigure(ctx, dir, base); err != nil {
		return run, err
	}
	if _, err := waitExtraRoutes(ctx, handles, 0, o.Timeout); err != nil {
		return run, fmt.Errorf("withdraw %d prefixes: %w", n, err)
	}
	run.WithdrawS = time.Since(start).Seconds()
	run.BenchCPU = [2]float64{self1 - self0, procCPU(os.Getpid()) - self1}
	run.SessionDowns = [2]int{downs1 - downs0, sessionDowns(o.Lab, gws) - downs1}
	cpu2, err := gatewayCPU(o.Lab, gws)
	if err != nil {
		return run, err
	}
	run.LoadAvg[1] = loadAvg()
	run.AnnounceCPU, run.WithdrawCPU = map[string]float64{}, map[string]float64{}
	for _, g := range gws {
		run.AnnounceCPU[g], run.WithdrawCPU[g] = cpu1[g]-cpu0[g], cpu2[g]-cpu1[g]
	}
	if run.AfterRSS, err = gatewayRSS(o.Lab, gws); err != nil {
		return run, err
	}
	if err := sleepCtx(ctx, SettleAfter); err != nil {
		return run, err
	}
	if run.SettledAnon, err = gatewayStatusMB(o.Lab, gws, "RssAnon"); err != nil {
		return run, err
	}
	run.SettledRSS, err = gatewayRSS(o.Lab, gws)
	return run, err
}

// gatewayCPU reads each gateway's CPU time (user and system) so far, in
// seconds.
func gatewayCPU(lab string, gws []string) (map[string]float64, error) {
	out := map[string]float64{}
	for _, g := range gws {
		pid, err := emulator.GatewayPID(lab, g)
		if err != nil {
			return nil, err
		}
		out[g] = procCPU(pid)
	}
	return out, nil
}

// sessionDowns counts the "Peer Down" lines of every gateway's log (GoBGP
// logs one per session that leaves Established); a log that cannot be
// read counts 0.
func sessionDowns(lab string, gws []string) int {
	n := 0
	for _, g := range gws {
		b, _ := os.ReadFile(emulator.GatewayLog(lab, g))
		n += bytes.Count(b, []byte(`msg="gobgp: Peer Down"`))
	}
	return n
}

// sleepCtx waits d (a measuring point, not a readiness wait) or until ctx
// ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// ExtraPrefix returns the i-th extra prefix.
func ExtraPrefix(i int) netip.Prefix {
	a := ExtraRange.Addr().As4()
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	v += uint32(i) << (32 - ExtraPrefixLen)
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), ExtraPrefixLen)
}

// withExtraRoutes returns bird.conf with n blackhole routes added to its
// `protocol static announced` block (which the emulator writes).
func withExtraRoutes(conf []byte, n int) ([]byte, error) {
	const head = "protocol static announced {\n  ipv4;\n"
	i := bytes.Index(conf, []byte(head))
	if i < 0 {
		return nil, errors.New("bench convergence: bird.conf has no `protocol static announced` block")
	}
	var b bytes.Buffer
	b.Write(conf[:i+len(head)])
	for k := range n {
		fmt.Fprintf(&b, "  route %s blackhole;\n", ExtraPrefix(k))
	}
	b.Write(conf[i+len(head):])
	return b.Bytes(), nil
}

// birdConfigure writes bird.conf in dir and makes the running BIRD read
// it (`birdc -s dir/bird.ctl configure`, over BIRD's unix control socket).
func birdConfigure(ctx context.Context, dir string, conf []byte) error {
	path := filepath.Join(dir, "bird.conf")
	tmp := path + ".new"
	if err := os.WriteFile(tmp, conf, 0o644); err != nil {
		return fmt.Errorf("write bird.conf: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write bird.conf: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, filepath.Join(filepath.Dir(emulator.BIRDBin), "birdc"), "-s", filepath.Join(dir, "bird.ctl"), "configure").CombinedOutput()
	if err != nil {
		return fmt.Errorf("birdc configure: %w: %s", err, out)
	}
	if !bytes.Contains(out, []byte("Reconfigured")) && !bytes.Contains(out, []byte("Reconfiguration in progress")) {
		return fmt.Errorf("birdc configure: %s", bytes.TrimSpace(out))
	}
	return nil
}

// waitExtraRoutes polls every gateway's count every 25 ms until it has
// exactly want extra routes, confirmed by a dump of its table; it returns
// when each got there, from the call.
func waitExtraRoutes(ctx context.Context, handles map[string]*routeWatch, want int, timeout time.Duration) (map[string]float64, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	done := map[string]float64{}
	last := map[string]int{}
	t := time.NewTicker(25 * time.Millisecond)
	defer t.Stop()
	for {
		for g, h := range handles {
			if _, ok := done[g]; ok {
				continue
			}
			n, err := h.count()
			if err == nil && n == want {
				// Notifications say so: a dump decides.
				n, err = h.dumper.count()
			}
			if err != nil {
				return nil, fmt.Errorf("list routes of gateway %s: %w", g, err)
			}
			last[g] = n
			if n == want {
				done[g] = time.Since(start).Seconds()
			}
		}
		if len(done) == len(handles) {
			return done, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("gateways' extra routes %v, want %d each: %w", last, want, ctx.Err())
		case <-t.C:
		}
	}
}

// gatewayRSS reads each gateway daemon's VmRSS, in MB (2^20 bytes).
func gatewayRSS(lab string, gws []string) (map[string]float64, error) {
	return gatewayStatusMB(lab, gws, "VmRSS")
}

// gatewayStatusMB reads a kB field of each gateway's /proc/PID/status, in
// MB.
func gatewayStatusMB(lab string, gws []string, field string) (map[string]float64, error) {
	out := map[string]float64{}
	for _, g := range gws {
		pid, err := emulator.GatewayPID(lab, g)
		if err != nil {
			return nil, err
		}
		kb, err := procStatusKB(pid, field)
		if err != nil {
			return nil, fmt.Errorf("gateway %s: %w", g, err)
		}
		out[g] = float64(kb) / 1024
	}
	return out, nil
}

// vmRSS reads VmRSS (kB) from /proc/PID/status.
func vmRSS(pid int) (int, error) { return procStatusKB(pid, "VmRSS") }

// procStatusKB reads a kB field (VmRSS, RssAnon, ...) of /proc/PID/status.
func procStatusKB(pid int, field string) (int, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, fmt.Errorf("read memory of pid %d: %w", pid, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			if err != nil {
				return 0, fmt.Errorf("read memory of pid %d: %s %q: %w", pid, field, v, err)
			}
			return kb, nil
		}
	}
	return 0, fmt.Errorf("read memory of pid %d: no %s", pid, field)
}
