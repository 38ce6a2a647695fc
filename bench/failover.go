package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/mcnlab/mcnlab/controller/gwconf"
	"github.com/mcnlab/mcnlab/dataplane/mgmt"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/state"
	mcnlab "github.com/mcnlab/mcnlab/lab"
	"github.com/mcnlab/mcnlab/topologies"
)

// FailoverOptions configures Failover.
type FailoverOptions struct {
	// Lab is the lab's name; Topology the lab (with gateway nodes).
	Lab      string
	Topology *topologies.Topology
	// GatewayCommand starts `mcnlab gateway` (this binary by default).
	GatewayCommand []string
	// Kill names the gateways to kill, one after the other; empty means
	// the first gateway of each pair (every other gateway in file order).
	Kill []string
	// Pairs are the probed host pairs "src>dst"; empty means every pair of
	// hosts, each once (src before dst in file order).
	Pairs []string
	// Interval between probes of one pair (10 ms when zero).
	Interval time.Duration
	// Settle is how long traffic must flow without loss before a kill and
	// before a restart (2 s when zero).
	Settle time.Duration
	// Timeout bounds each wait: recovery after a kill, rejoin after a
	// restart (60 s when zero).
	Timeout time.Duration
	// Log receives progress lines; it may be nil.
	Log io.Writer
}

// FailoverResult is the outcome of `mcnlab bench failover`.
type FailoverResult struct {
	Topology   string       `json:"topology"`
	IntervalMS float64      `json:"probe_interval_ms"`
	Pairs      []string     `json:"pairs"`
	DeployS    float64      `json:"deploy_s"`
	Kills      []KillResult `json:"kills"`
	LossMS     Spread       `json:"loss_window_ms"` // over every kill and pair: worst pair per kill
	RejoinS    Spread       `json:"rejoin_s"`
	TargetMS   float64      `json:"target_loss_window_ms"`
}

// KillResult is what one SIGKILL and restart of a gateway did.
type KillResult struct {
	Gateway string `json:"gateway"`
	// Probes over the outage: from the kill until the traffic flowed
	// again without loss, per pair.
	Outage map[string]Window `json:"outage"`
	// Probes over the rejoin: from the end of the outage (the probes not
	// judged yet when the gateway was restarted included) until the FIB
	// of every gateway is as before the kill, per pair.
	Rejoin map[string]Window `json:"rejoin"`
	// MaxLossMS is the longest loss window of any pair, over both phases.
	MaxLossMS float64 `json:"max_loss_window_ms"`
	// Lost counts the probes lost, all pairs and both phases.
	Lost int `json:"lost"`
	// RecoveredS: kill until the first probe after the last one lost (of
	// any pair); 0 when none was lost.
	RecoveredS float64 `json:"recovered_s"`
	// SessionsS: restart until the gateway's own tunnels are up and its
	// sessions established (through its management API).
	SessionsS float64 `json:"sessions_s"`
	// RejoinS: restart until every gateway's routes (prefixes and next
	// hops) are again those before the kill: traffic is balanced again.
	RejoinS float64 `json:"rejoin_s"`
}

// TargetLossWindow is the goal for the loss window of a gateway failure.
const TargetLossWindow = 2 * time.Second

// Failover deploys the lab, configures its gateways, probes traffic
// between host pairs continuously and, for each gateway to kill, SIGKILLs
// it, measures the loss, restarts it with the same command line (it comes
// back with its saved configuration) and measures its rejoin. The lab is
// destroyed at the end, also on error or when ctx ends.
func Failover(ctx context.Context, o FailoverOptions) (res *FailoverResult, err error) {
	if o.Interval <= 0 {
		o.Interval = 10 * time.Millisecond
	}
	if o.Settle <= 0 {
		o.Settle = 2 * time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 60 * time.Second
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	gws := gatewayNames(o.Topology)
	if len(gws) == 0 {
		return nil, errors.New("bench failover: the topology has no gateway nodes")
	}
	if len(o.Kill) == 0 {
		for i := 0; i < len(gws); i += 2 {
			o.Kill = append(o.Kill, gws[i])
		}
	}
	for _, k := range o.Kill {
		if !slices.Contains(gws, k) {
			return nil, fmt.Errorf("bench failover: --kill %s: not a gateway node of the topology (gateways: %s)", k, strings.Join(gws, ", "))
		}
	}
	pairs, err := hostPairs(o.Topology, o.Pairs)
	if err != nil {
		return nil, fmt.Errorf("bench failover: %w", err)
	}
	program, err := gatewayProgram(o.GatewayCommand)
	if err != nil {
		return nil, err
	}

	res = &FailoverResult{Topology: o.Topology.Name, IntervalMS: float64(o.Interval.Microseconds()) / 1000, TargetMS: float64(TargetLossWindow.Milliseconds())}
	deployS, cleanup, err := deployGateways(ctx, o.Lab, o.Topology, program, o.Log)
	defer func() { err = errors.Join(err, cleanup()) }()
	if err != nil {
		return nil, err
	}
	res.DeployS = deployS
	defer func() {
		if err != nil {
			diagnose(o.Log, o.Lab, o.Topology)
		}
	}()

	pctx, stopProbes := context.WithCancel(ctx)
	var streams []*stream
	defer func() {
		stopProbes()
		for _, s := range streams {
			s.stop()
		}
	}()
	for _, p := range pairs {
		s, err := startStream(pctx, p.name, emulator.NamespaceName(o.Lab, p.src), p.dst, o.Interval)
		if err != nil {
			return nil, err
		}
		streams = append(streams, s)
		res.Pairs = append(res.Pairs, p.name)
	}
	var worst, rejoins []float64
	for _, g := range o.Kill {
		if _, err := waitHealthy(ctx, streams, time.Now(), o.Settle, o.Timeout); err != nil {
			return nil, fmt.Errorf("before killing %s: %w", g, err)
		}
		before, err := stableFIBs(ctx, o.Lab, gws, max(o.Settle, stableFor), o.Timeout)
		if err != nil {
			return nil, fmt.Errorf("before killing %s: %w", g, err)
		}
		kr, err := killAndRejoin(ctx, o, program, g, gws, streams, before)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(o.Log, "  %-6s loss window %7.0f ms  lost %5d  recovered %5.2fs  sessions %5.2fs  rejoined %5.2fs\n",
			g, kr.MaxLossMS, kr.Lost, kr.RecoveredS, kr.SessionsS, kr.RejoinS)
		res.Kills = append(res.Kills, kr)
		worst = append(worst, kr.MaxLossMS)
		rejoins = append(rejoins, kr.RejoinS)
	}
	res.LossMS, res.RejoinS = NewSpread(worst), NewSpread(rejoins)
	return res, nil
}

// killAndRejoin kills gateway g, waits until traffic flows again, restarts
// it and waits until every gateway's routes are as in before.
func killAndRejoin(ctx context.Context, o FailoverOptions, program []string, g string, gws []string, streams []*stream, before map[string]string) (KillResult, error) {
	kr := KillResult{Gateway: g, Outage: map[string]Window{}, Rejoin: map[string]Window{}}
	cl := mgmt.NewClient(emulator.GatewaySocket(o.Lab, g))
	defer cl.Close()
	cfg, err := cl.Config(ctx)
	if err != nil {
		return kr, fmt.Errorf("config of gateway %s: %w", g, err)
	}
	pid, err := emulator.GatewayPID(o.Lab, g)
	if err != nil {
		return kr, err
	}
	proc, err := processOf(pid)
	if err != nil {
		return kr, err
	}
	killed := time.Now()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		return kr, fmt.Errorf("kill gateway %s (pid %d): %w", g, pid, err)
	}
	if err := mcnlab.WaitExited(ctx, proc, o.Timeout); err != nil {
		return kr, fmt.Errorf("kill gateway %s: %w", g, err)
	}
	steady, err := waitHealthy(ctx, streams, killed, o.Settle, o.Timeout)
	if err != nil {
		return kr, fmt.Errorf("after killing %s: %w", g, err)
	}

	restarted := time.Now()
	sctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	p, err := emulator.StartDaemon(sctx, emulator.NamespaceName(o.Lab, g), emulator.GatewayArgv(o.Lab, g, program), emulator.GatewayLog(o.Lab, g))
	if err != nil {
		return kr, fmt.Errorf("restart gateway %s: %w", g, err)
	}
	if err := emulator.WaitSocket(sctx, emulator.GatewaySocket(o.Lab, g), p); err != nil {
		return kr, fmt.Errorf("restart gateway %s: %w", g, err)
	}
	// Nobody configures it: it must have restored its own configuration.
	got, err := cl.Config(sctx)
	if err != nil {
		return kr, fmt.Errorf("config of restarted gateway %s: %w", g, err)
	}
	if !reflect.DeepEqual(got, cfg) {
		return kr, fmt.Errorf("restarted gateway %s did not restore its configuration: has %d peers and %d neighbours, had %d and %d",
			g, len(got.Peers), len(got.Neighbors), len(cfg.Peers), len(cfg.Neighbors))
	}
	if err := gwconf.WaitConverged(sctx, mcnlab.Nodes{Lab: o.Lab}, []string{g}, nil); err != nil {
		return kr, fmt.Errorf("restarted gateway %s: %w", g, err)
	}
	kr.SessionsS = time.Since(restarted).Seconds()
	if err := waitFIBs(sctx, o.Lab, gws, before); err != nil {
		return kr, fmt.Errorf("restarted gateway %s: %w", g, err)
	}
	rejoined := time.Now()
	kr.RejoinS = rejoined.Sub(restarted).Seconds()
	// Judge the rejoin's probes (and any loss a late route change caused).
	if _, err := waitHealthy(ctx, streams, rejoined, o.Settle, o.Timeout); err != nil {
		return kr, fmt.Errorf("after restarting %s: %w", g, err)
	}
	// The outage ends where the probes were judged healthy; the last
	// replyTimeout of probes before the restart were not judged yet, so
	// they go with the rejoin (a loss there counts all the same).
	for _, s := range streams {
		out := s.window(killed, steady)
		rej := s.window(steady.Add(time.Nanosecond), time.Now())
		kr.Outage[s.name], kr.Rejoin[s.name] = out, rej
		kr.MaxLossMS = max(kr.MaxLossMS, out.LossMS, rej.LossMS)
		kr.Lost += out.Lost + rej.Lost
		if !out.LastLoss.IsZero() {
			kr.RecoveredS = max(kr.RecoveredS, out.LastLoss.Sub(killed).Seconds()+o.Interval.Seconds())
		}
	}
	return kr, nil
}

// waitHealthy waits until every stream has had settle without loss, all
// after since, and returns the send time of the last probe so judged.
func waitHealthy(ctx context.Context, streams []*stream, since time.Time, settle, timeout time.Duration) (time.Time, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout+settle+replyTimeout)
	defer cancel()
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		var bad []string
		end := time.Now().Add(-replyTimeout)
		for _, s := range streams {
			if !s.healthyFor(since, end, settle) {
				bad = append(bad, s.name)
			}
		}
		if len(bad) == 0 {
			return end, nil
		}
		select {
		case <-ctx.Done():
			// Say what each stream saw since, to tell a black hole from
			// scattered loss.
			for i, name := range bad {
				s := streams[slices.IndexFunc(streams, func(s *stream) bool { return s.name == name })]
				w := s.window(since, time.Now())
				bad[i] = fmt.Sprintf("%s (%d sent, %d lost, longest gap %.0f ms, last loss %s after)",
					name, w.Sent, w.Lost, w.LossMS, w.LastLoss.Sub(since).Round(time.Millisecond))
			}
			return time.Time{}, fmt.Errorf("traffic did not flow without loss for %s: %s: %w", settle, strings.Join(bad, ", "), ctx.Err())
		case <-t.C:
		}
	}
}

// fibs returns each gateway's routes as text (prefix and sorted next hops
// per line, sorted), from its management API, and whether every session of
// every gateway is established.
func fibs(ctx context.Context, lab string, gws []string) (map[string]string, bool, error) {
	out := map[string]string{}
	allUp := true
	for _, g := range gws {
		cl := mgmt.NewClient(emulator.GatewaySocket(lab, g))
		st, err := cl.Status(ctx)
		cl.Close()
		if err != nil {
			return nil, false, fmt.Errorf("status of gateway %s: %w", g, err)
		}
		var lines []string
		for _, r := range st.Routes {
			hops := slices.Clone(r.NextHops)
			slices.SortFunc(hops, netip.Addr.Compare)
			lines = append(lines, fmt.Sprint(r.Prefix, hops))
		}
		slices.Sort(lines)
		out[g] = strings.Join(lines, "\n")
		for _, s := range st.Sessions {
			allUp = allUp && s.State == "established"
		}
	}
	return out, allUp, nil
}

// stableFor is the least time the gateways' routes must stay the same
// before they are taken as the converged state: FRR batches its updates
// for a second (its coalesce time).
const stableFor = 2 * time.Second

// stableFIBs waits until every gateway's sessions have been established
// and its routes the same for settle, and returns the routes: sessions are
// up well before every route has gone round (and FRR may reset a session
// once just after it first comes up), and a rejoin is judged against this.
func stableFIBs(ctx context.Context, lab string, gws []string, settle, timeout time.Duration) (map[string]string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout+settle)
	defer cancel()
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	var last map[string]string
	var since time.Time
	for {
		cur, up, err := fibs(ctx, lab, gws)
		if err != nil {
			return nil, err
		}
		if !up || !maps.Equal(cur, last) {
			last, since = cur, time.Now()
		} else if time.Since(since) >= settle {
			return cur, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("gateways' routes did not stay the same for %s: %w", settle, ctx.Err())
		case <-t.C:
		}
	}
}

// waitFIBs polls until every gateway's routes are want.
func waitFIBs(ctx context.Context, lab string, gws []string, want map[string]string) error {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		got, _, err := fibs(ctx, lab, gws)
		var diff []string
		if err == nil {
			for _, g := range gws {
				if got[g] != want[g] {
					diff = append(diff, fmt.Sprintf("%s has\n    %s\n  had\n    %s", g,
						strings.ReplaceAll(got[g], "\n", "\n    "), strings.ReplaceAll(want[g], "\n", "\n    ")))
				}
			}
			if len(diff) == 0 {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("routes not back as before (last error: %v): %w\n  %s", err, ctx.Err(), strings.Join(diff, "\n  "))
		case <-t.C:
		}
	}
}

// processOf identifies a running process by PID and start time.
func processOf(pid int) (state.Process, error) {
	start, err := state.StartTime(pid)
	if err != nil {
		return state.Process{}, fmt.Errorf("pid %d: %w", pid, err)
	}
	return state.Process{PID: pid, Start: start}, nil
}
