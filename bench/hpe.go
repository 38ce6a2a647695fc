package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/mcnlab/mcnlab/dataplane/hpe"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/probe"
	"github.com/mcnlab/mcnlab/internal/tcpload"
)

// HPEOptions tune `mcnlab bench hpe`.
type HPEOptions struct {
	// Lab names the lab the benchmark deploys (and destroys at the end).
	Lab string
	// Tunnels in an HPE group; 0 means runtime.NumCPU().
	Tunnels int
	// Streams is the number of parallel TCP streams; 0 means 8.
	Streams int
	// Duration of one measurement; 0 means 3 s.
	Duration time.Duration
	// Repeats of each case; 0 means 3.
	Repeats int
	// Cap is the per-tunnel rate cap of the capped cases in bit/s; 0 means
	// hpe.AWSTunnelRate (1.25 Gbit/s).
	Cap float64
	// StrongSwan runs the strongSwan baseline when charon is installed.
	StrongSwan bool
	// Cases, when not empty, runs only the cases with these names (see
	// the table's first column); the others are reported as skipped.
	Cases []string
	// Log receives progress lines; nil discards them.
	Log io.Writer
}

func (o HPEOptions) withDefaults() HPEOptions {
	if o.Lab == "" {
		o.Lab = "benchhpe"
	}
	if o.Tunnels == 0 {
		o.Tunnels = runtime.NumCPU()
	}
	if o.Streams == 0 {
		o.Streams = 8
	}
	if o.Duration == 0 {
		o.Duration = 3 * time.Second
	}
	if o.Repeats == 0 {
		o.Repeats = 3
	}
	if o.Cap == 0 {
		o.Cap = hpe.AWSTunnelRate
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	return o
}

// Spread summarises repeated measurements of one quantity.
type Spread struct {
	Median  float64   `json:"median"`
	Min     float64   `json:"min"`
	Max     float64   `json:"max"`
	Samples []float64 `json:"samples"`
}

// NewSpread summarises samples.
func NewSpread(samples []float64) Spread {
	s := Spread{Samples: slices.Clone(samples)}
	v := slices.Clone(samples)
	slices.Sort(v)
	if len(v) == 0 {
		return s
	}
	s.Min, s.Max = v[0], v[len(v)-1]
	if len(v)%2 == 1 {
		s.Median = v[len(v)/2]
	} else {
		s.Median = (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	return s
}

// HPECase is one configuration of the gateways and its measurements.
type HPECase struct {
	Name  string `json:"name"`
	Label string `json:"label"`
	// Kind is plain, esp, wireguard or strongswan.
	Kind    string `json:"kind"`
	Tunnels int    `json:"tunnels"`
	// CapBps is the per-tunnel cap in bit/s, 0 for none.
	CapBps float64 `json:"cap_bps"`
	// UnderlayMTU is the underlay links' MTU when the case runs with jumbo
	// frames (the host links and TUNs then carry UnderlayMTU-80); 0 for the
	// default 1500 of every other case.
	UnderlayMTU int `json:"underlay_mtu,omitempty"`
	// Gbps is the goodput: TCP payload received by the sink, in Gbit/s.
	Gbps Spread `json:"gbit_per_s"`
	// CPUPerGbit is CPU seconds per Gbit of goodput: this process (the
	// traffic generator and sink included) plus strongSwan's charon.
	CPUPerGbit Spread `json:"cpu_s_per_gbit"`
	// Ratio is the median goodput over the single ESP tunnel's with the
	// same cap (uncapped for plain and strongSwan).
	Ratio float64 `json:"ratio_to_single_esp"`
	// TunnelPackets counts the inner packets each tunnel carried from gwA
	// over all repeats (each repeat builds the group anew): how ECMP spread
	// the flows.
	TunnelPackets []uint64 `json:"tunnel_packets,omitempty"`
	// Skipped says why the case did not run.
	Skipped string `json:"skipped,omitempty"`
}

// HPETarget is one claim checked against the measurements.
type HPETarget struct {
	Claim string  `json:"claim"`
	Got   float64 `json:"got"`
	Want  float64 `json:"want"`
	Holds bool    `json:"holds"`
	// Note says why the target could not be checked, if so.
	Note string `json:"note,omitempty"`
}

// HPEResult is the outcome of `mcnlab bench hpe`.
type HPEResult struct {
	Date      string  `json:"date"`
	Cores     int     `json:"cores"`
	Kernel    string  `json:"kernel"`
	GoVersion string  `json:"go_version"`
	Tunnels   int     `json:"tunnels"`
	Streams   int     `json:"streams"`
	Duration  float64 `json:"duration_s"`
	Repeats   int     `json:"repeats"`
	CapBps    float64 `json:"cap_bps"`
	// LoadAvg is the machine's 1-minute load average before and after
	// the run: other work on the machine competes for the same cores.
	LoadAvg [2]float64  `json:"load_avg_1min_before_after"`
	Cases   []HPECase   `json:"cases"`
	Targets []HPETarget `json:"targets"`
	Notes   []string    `json:"notes"`
}

// Case returns the case with the given name, or nil.
func (r *HPEResult) Case(name string) *HPECase {
	for i := range r.Cases {
		if r.Cases[i].Name == name {
			return &r.Cases[i]
		}
	}
	return nil
}

// JumboMTU is the underlay MTU of the jumbo cases: AWS's jumbo frame size
// on Direct Connect and within a VPC.
const JumboMTU = 9001

// hpeCases lists the cases in the order they run: strongSwan last.
func hpeCases(n int, capBps float64) []HPECase {
	cs := []HPECase{{Name: "plain", Label: "plain forwarding, no encryption (ceiling)", Kind: "plain"}}
	for _, capped := range []bool{false, true} {
		c, suffix, what := 0.0, "", "uncapped"
		if capped {
			c, suffix, what = capBps, "-cap", fmt.Sprintf("capped %.2f Gbit/s per tunnel", capBps/1e9)
		}
		cs = append(cs,
			HPECase{Name: "esp-1" + suffix, Label: "single ESP tunnel, " + what, Kind: string(hpe.ESP), Tunnels: 1, CapBps: c},
			HPECase{Name: "wg-1" + suffix, Label: "single WireGuard tunnel, " + what, Kind: string(hpe.WireGuard), Tunnels: 1, CapBps: c},
			HPECase{Name: fmt.Sprintf("hpe-esp-%d%s", n, suffix), Label: fmt.Sprintf("HPE %d ESP tunnels, %s", n, what), Kind: string(hpe.ESP), Tunnels: n, CapBps: c},
			HPECase{Name: fmt.Sprintf("hpe-wg-%d%s", n, suffix), Label: fmt.Sprintf("HPE %d WireGuard tunnels, %s", n, what), Kind: string(hpe.WireGuard), Tunnels: n, CapBps: c},
		)
	}
	// Jumbo frames: HPE runs over private connectivity, where AWS Direct
	// Connect and EC2 within a VPC carry 9001-byte frames ("MTUs for
	// private virtual interfaces or transit virtual interfaces",
	// https://docs.aws.amazon.com/directconnect/latest/UserGuide/WorkingWithVirtualInterfaces.html;
	// https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/network_mtu.html),
	// while a Site-to-Site VPN tunnel is limited to 1446
	// (https://docs.aws.amazon.com/vpn/latest/s2svpn/your-cgw.html). These
	// cases are extra: the targets compare the default cases, all at 1500.
	j := fmt.Sprintf(", jumbo %d-byte underlay", JumboMTU)
	cs = append(cs,
		HPECase{Name: "plain-jumbo", Label: "plain forwarding" + j, Kind: "plain", UnderlayMTU: JumboMTU},
		HPECase{Name: "esp-1-jumbo", Label: "single ESP tunnel, uncapped" + j, Kind: string(hpe.ESP), Tunnels: 1, UnderlayMTU: JumboMTU},
		HPECase{Name: fmt.Sprintf("hpe-esp-%d-jumbo", n), Label: fmt.Sprintf("HPE %d ESP tunnels, uncapped%s", n, j), Kind: string(hpe.ESP), Tunnels: n, UnderlayMTU: JumboMTU},
	)
	return append(cs, HPECase{Name: "strongswan-1", Label: "strongSwan single tunnel (charon, kernel-libipsec, AES-GCM)", Kind: "strongswan", Tunnels: 1})
}

// HPE deploys the HPE lab, measures every case side by side and destroys
// the lab. A case that cannot run (strongSwan not installed) is reported as
// skipped; any other failure ends the run with an error.
func HPE(ctx context.Context, opts HPEOptions) (*HPEResult, error) {
	o := opts.withDefaults()
	if o.Tunnels < 1 || o.Streams < 1 || o.Repeats < 1 || o.Duration <= 0 || o.Cap < 0 {
		return nil, fmt.Errorf("bench hpe: tunnels, streams, repeats and duration must be positive")
	}
	res := &HPEResult{
		Date: time.Now().UTC().Format(time.RFC3339), Cores: runtime.NumCPU(), Kernel: kernelRelease(),
		GoVersion: runtime.Version(), Tunnels: o.Tunnels, Streams: o.Streams,
		Duration: o.Duration.Seconds(), Repeats: o.Repeats, CapBps: o.Cap,
		Notes: []string{
			"Gbit/s is TCP goodput received by the sink in hostB, median of the repeats with min and max.",
			"CPU s/Gbit counts the whole mcnlab process, so the built-in traffic generator and sink (both TCP ends) are included in every case, plus charon for strongSwan.",
			fmt.Sprintf("The cap models AWS's per-tunnel limit (%.2f Gbit/s, https://docs.aws.amazon.com/vpn/latest/s2svpn/vpn-limits.html) on outer packets, each direction.", hpe.AWSTunnelRate/1e9),
		},
	}
	res.LoadAvg[0] = loadAvg()
	defer func() { res.LoadAvg[1] = loadAvg() }()
	plan, err := emulator.NewPlan(o.Lab, HPETopology(o.Lab))
	if err != nil {
		return nil, err
	}
	if err := emulator.Deploy(ctx, plan, emulator.Options{}); err != nil {
		return nil, err
	}
	defer emulator.Destroy(context.Background(), o.Lab, nil)
	l := newHPELab(o.Lab)
	sink, err := tcpload.NewSink(l.hostB, netip.AddrPortFrom(hpeHostB.Addr(), hpeSinkPrt))
	if err != nil {
		return nil, err
	}
	defer sink.Close()
	res.Cases = hpeCases(o.Tunnels, o.Cap)
	samples := make([]struct{ gbps, cpu []float64 }, len(res.Cases))
	// Repeats are the outer loop: every round measures every case once, so
	// that load from elsewhere on the machine spreads over all cases
	// instead of spoiling one case's repeats.
	for round := range o.Repeats {
		fmt.Fprintf(o.Log, "round %d/%d\n", round+1, o.Repeats)
		for i := range res.Cases {
			c := &res.Cases[i]
			if c.Skipped != "" {
				continue
			}
			if len(o.Cases) > 0 && !slices.Contains(o.Cases, c.Name) {
				c.Skipped = "not selected"
				continue
			}
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			g, cs, err := l.runCase(ctx, c, sink, o)
			if err != nil {
				return nil, fmt.Errorf("bench hpe: case %s: %w", c.Name, err)
			}
			if c.Skipped != "" {
				fmt.Fprintf(o.Log, "  %-16s skipped: %s\n", c.Name, c.Skipped)
				continue
			}
			perGbit := 0.0
			if g > 0 {
				perGbit = cs / (g * o.Duration.Seconds())
			}
			samples[i].gbps = append(samples[i].gbps, g)
			samples[i].cpu = append(samples[i].cpu, perGbit)
			fmt.Fprintf(o.Log, "  %-16s %7.3f Gbit/s  %6.3f CPU s/Gbit  (%s)\n", c.Name, g, perGbit, c.Label)
		}
	}
	for i := range res.Cases {
		res.Cases[i].Gbps, res.Cases[i].CPUPerGbit = NewSpread(samples[i].gbps), NewSpread(samples[i].cpu)
	}
	res.score()
	return res, nil
}

// runCase sets the gateways up for c, measures it once and takes the setup
// down again. It returns the goodput in Gbit/s and the CPU seconds used; it
// sets c.Skipped instead when the case cannot run here, and adds to
// c.TunnelPackets.
func (l *hpeLab) runCase(ctx context.Context, c *HPECase, sink *tcpload.Sink, o HPEOptions) (gbps, cpuSec float64, err error) {
	var group *hpe.Group
	var extraPIDs []int
	if c.UnderlayMTU != 0 {
		if err := l.setMTU(c.UnderlayMTU); err != nil {
			return 0, 0, errors.Join(err, l.setMTU(0))
		}
		defer func() { err = errors.Join(err, l.setMTU(0)) }()
	}
	switch c.Kind {
	case "plain":
		if err := l.plainRoutes(false); err != nil {
			return 0, 0, errors.Join(err, l.plainRoutes(true))
		}
		defer func() { err = errors.Join(err, l.plainRoutes(true)) }()
	case "strongswan":
		if !o.StrongSwan {
			c.Skipped = "not requested"
			return 0, 0, nil
		}
		sw, why, err := startStrongSwan(ctx, l)
		if why != "" {
			c.Skipped = why
			return 0, 0, nil
		}
		if err != nil {
			return 0, 0, err
		}
		defer func() { err = errors.Join(err, sw.Close()) }()
		extraPIDs = sw.PIDs()
	default:
		cfg := l.groupConfig(hpe.Kind(c.Kind), c.Tunnels, c.CapBps)
		if c.UnderlayMTU != 0 {
			cfg.MTU = innerMTU(c.UnderlayMTU)
		}
		group, err = hpe.New(cfg)
		if err != nil {
			return 0, 0, err
		}
		defer func() { err = errors.Join(err, group.Close()) }()
	}
	rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	_, err = probe.WaitReachable(rctx, l.hostA, hpeHostB.Addr(), 100*time.Millisecond)
	cancel()
	if err != nil {
		return 0, 0, err
	}
	gbps, cpuSec, err = l.measure(ctx, sink, o, extraPIDs)
	if err != nil {
		return 0, 0, err
	}
	if group != nil {
		st := group.Stats()
		if c.TunnelPackets == nil {
			c.TunnelPackets = make([]uint64, len(st))
		}
		for i, s := range st {
			c.TunnelPackets[i] += s.A.TxPackets
		}
	}
	return gbps, cpuSec, nil
}

// measure runs o.Streams TCP streams from hostA to the sink, lets them ramp
// up, and returns the goodput over o.Duration in Gbit/s and the CPU seconds
// this process (and the extra processes) used meanwhile.
func (l *hpeLab) measure(ctx context.Context, sink *tcpload.Sink, o HPEOptions, extra []int) (gbps, cpuSec float64, err error) {
	load, err := tcpload.Start(l.hostA, sink.Addr(), o.Streams)
	if err != nil {
		return 0, 0, err
	}
	defer load.Close()
	// Ramp-up: TCP slow start and the first handshakes are not measured.
	if err := pause(ctx, min(o.Duration/5, 500*time.Millisecond)); err != nil {
		return 0, 0, err
	}
	b0, c0, t0 := sink.Bytes(), cpuSeconds(extra), time.Now()
	if err := pause(ctx, o.Duration); err != nil {
		return 0, 0, err
	}
	b1, c1, t1 := sink.Bytes(), cpuSeconds(extra), time.Now()
	return float64(b1-b0) * 8 / t1.Sub(t0).Seconds() / 1e9, c1 - c0, nil
}

// pause waits d, the length of a measurement window, or until ctx ends.
func pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// cpuSeconds is the CPU time (user and system) of this process and the
// given other processes.
func cpuSeconds(pids []int) float64 {
	var ru unix.Rusage
	s := 0.0
	if unix.Getrusage(unix.RUSAGE_SELF, &ru) == nil {
		s = float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
	}
	for _, pid := range pids {
		s += procCPU(pid)
	}
	return s
}

// procCPU reads utime+stime of a process from /proc/PID/stat, in seconds
// (USER_HZ is 100 on Linux).
func procCPU(pid int) float64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// The command name may hold spaces; fields start after its ')'.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseFloat(f[11], 64)
	s, _ := strconv.ParseFloat(f[12], 64)
	return (u + s) / 100
}

// loadAvg returns the 1-minute load average, or -1.
func loadAvg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return -1
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return -1
	}
	return v
}

func kernelRelease() string {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return ""
	}
	return unix.ByteSliceToString(u.Release[:])
}

// score fills every case's ratio and checks the targets.
func (r *HPEResult) score() {
	med := func(name string) float64 {
		if c := r.Case(name); c != nil && c.Skipped == "" {
			return c.Gbps.Median
		}
		return math.NaN()
	}
	esp, espCap := med("esp-1"), med("esp-1-cap")
	for i := range r.Cases {
		c := &r.Cases[i]
		base := esp
		switch {
		case c.CapBps > 0:
			base = espCap
		case c.UnderlayMTU != 0:
			base = med("esp-1-jumbo")
		}
		if c.Skipped == "" && base > 0 {
			c.Ratio = c.Gbps.Median / base
		}
	}
	n := r.Tunnels
	hpeESP, hpeWG := fmt.Sprintf("hpe-esp-%d", n), fmt.Sprintf("hpe-wg-%d", n)
	target := func(claim string, num, den, want float64) {
		t := HPETarget{Claim: claim, Want: want}
		if math.IsNaN(num) || math.IsNaN(den) || den <= 0 {
			t.Note = "not measured"
		} else {
			t.Got = num / den
			t.Holds = t.Got >= want
		}
		r.Targets = append(r.Targets, t)
	}
	target(fmt.Sprintf("with the cap, HPE %d ESP tunnels >= 1.6x single IPsec (esp-1-cap)", n), med(hpeESP+"-cap"), espCap, 1.6)
	target(fmt.Sprintf("with the cap, HPE %d WireGuard tunnels >= 1.6x single IPsec (esp-1-cap)", n), med(hpeWG+"-cap"), espCap, 1.6)
	target(fmt.Sprintf("without caps, HPE %d ESP tunnels not slower than single ESP", n), med(hpeESP), esp, 1.0)
	target(fmt.Sprintf("without caps, HPE %d WireGuard tunnels not slower than single WireGuard", n), med(hpeWG), med("wg-1"), 1.0)
	target(fmt.Sprintf("HPE %d ESP tunnels >= 15%% of plain forwarding", n), med(hpeESP), med("plain"), 0.15)
	target(fmt.Sprintf("HPE %d WireGuard tunnels >= 15%% of plain forwarding", n), med(hpeWG), med("plain"), 0.15)
	target("our single ESP tunnel >= 4x strongSwan's userspace single tunnel", esp, med("strongswan-1"), 4)
	if n == 1 {
		r.Notes = append(r.Notes, "With 1 tunnel per group (a 1-core machine), HPE is the single tunnel: the HPE targets cannot hold.")
	}
}
