package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"runtime"
	"time"

	"github.com/mcnlab/mcnlab/dataplane/egress"
	"github.com/mcnlab/mcnlab/dataplane/firenet"
	"github.com/mcnlab/mcnlab/dataplane/firewall"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/emulator/probe"
	"github.com/mcnlab/mcnlab/internal/tcpload"
	"github.com/mcnlab/mcnlab/topologies"
)

// The security benchmark's lab: a client behind a gateway, a server
// behind it on the other side, and two firewalls on links of their own to
// the gateway (a FireNet pair). Every case crosses the same gateway
// namespace: plain forwarding, the FQDN egress filter with its source
// NAT, and FireNet steering through the firewall pair.
var (
	secCli    = netip.MustParsePrefix("10.1.1.5/24")
	secGwLan  = netip.MustParsePrefix("10.1.1.1/24")
	secGwWan  = netip.MustParsePrefix("198.18.1.1/24")
	secSrv    = netip.MustParsePrefix("198.18.1.5/24")
	secFwLink = [2][2]netip.Prefix{
		{netip.MustParsePrefix("198.19.10.1/30"), netip.MustParsePrefix("198.19.10.2/30")},
		{netip.MustParsePrefix("198.19.20.1/30"), netip.MustParsePrefix("198.19.20.2/30")},
	}
)

// secSinkPort is the server's port: an HTTP port, so that the egress
// filter decides each stream on the Host of the request it starts with.
const secSinkPort = 80

// secRequest starts every stream: the egress filter reads its Host.
var secRequest = []byte("GET / HTTP/1.1\r\nHost: sink.example.com\r\n\r\n")

// SecurityTopology returns the security benchmark's lab.
func SecurityTopology(lab string) *topologies.Topology {
	def := netip.MustParsePrefix("0.0.0.0/0")
	ep := func(node, ifname string, a netip.Prefix) topologies.Endpoint {
		return topologies.Endpoint{Node: node, Interface: ifname, Address: a}
	}
	t := &topologies.Topology{Name: lab, Version: topologies.FormatVersion, Defaults: topologies.Defaults{MTU: 1500},
		Nodes: []*topologies.Node{
			{Name: "cli", Kind: topologies.KindHost, Routes: []topologies.Route{{To: def, Via: secGwLan.Addr()}}},
			{Name: "gw", Kind: topologies.KindRouter},
			{Name: "srv", Kind: topologies.KindHost, Routes: []topologies.Route{{To: def, Via: secGwWan.Addr()}}},
		},
		Links: []*topologies.Link{
			{A: ep("cli", "eth0", secCli), B: ep("gw", "lan", secGwLan)},
			{A: ep("gw", "wan", secGwWan), B: ep("srv", "eth0", secSrv)},
		},
	}
	for i, l := range secFwLink {
		fw := fmt.Sprintf("fw%d", i+1)
		t.Nodes = append(t.Nodes, &topologies.Node{Name: fw, Kind: topologies.KindRouter, Routes: []topologies.Route{{To: def, Via: l[0].Addr()}}})
		t.Links = append(t.Links, &topologies.Link{A: ep("gw", fw, l[0]), B: ep(fw, "eth0", l[1])})
	}
	return t
}

// SecurityOptions configure the security benchmark.
type SecurityOptions struct {
	Lab      string        // default "bench-sec"
	Streams  int           // parallel TCP streams (default 4)
	Duration time.Duration // measuring window per case (default 3s)
	Repeats  int           // rounds over all cases (default 3)
	Log      io.Writer     // progress (default discard)
}

// SecurityCase is one path through the gateway and its measurements.
type SecurityCase struct {
	Name  string `json:"name"`
	Label string `json:"label"`
	Gbps  Spread `json:"gbps"`
	// VsPlain is the median's ratio to plain forwarding's in this run.
	VsPlain float64 `json:"vs_plain"`
	// Crossed proves the load took the case's path: the egress filter's
	// allow decisions, or the packets the firewalls forwarded.
	Crossed uint64 `json:"crossed"`
}

// SecurityResult is a run of the security benchmark.
type SecurityResult struct {
	Date     string         `json:"date"`
	Cores    int            `json:"cores"`
	Kernel   string         `json:"kernel"`
	Streams  int            `json:"streams"`
	Duration float64        `json:"duration_s"`
	Repeats  int            `json:"repeats"`
	LoadAvg  [2]float64     `json:"load_avg"`
	Cases    []SecurityCase `json:"cases"`
	Notes    []string       `json:"notes"`
}

// secLab is the deployed lab's namespaces and the firewalls' engines.
type secLab struct {
	cli, gw, srv string
	fws          []*firewall.Engine
}

// Security measures TCP goodput from the client to the server through
// plain forwarding, through the FQDN egress filter (every stream decided
// on its HTTP Host, then source NAT) and through a FireNet firewall pair
// (the flows balanced over two stateful firewalls), round by round so
// that load from elsewhere on the machine spreads over every case.
func Security(ctx context.Context, opts SecurityOptions) (res *SecurityResult, err error) {
	o := opts
	if o.Lab == "" {
		o.Lab = "bench-sec"
	}
	if o.Streams == 0 {
		o.Streams = 4
	}
	if o.Duration == 0 {
		o.Duration = 3 * time.Second
	}
	if o.Repeats == 0 {
		o.Repeats = 3
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.Streams < 1 || o.Repeats < 1 || o.Duration < 0 {
		return nil, errors.New("bench security: streams, repeats and duration must be positive")
	}
	res = &SecurityResult{Date: time.Now().UTC().Format(time.RFC3339), Cores: runtime.NumCPU(), Kernel: kernelRelease(),
		Streams: o.Streams, Duration: o.Duration.Seconds(), Repeats: o.Repeats,
		Cases: []SecurityCase{
			{Name: "plain", Label: "kernel forwarding through the gateway"},
			{Name: "fqdn-egress", Label: "FQDN egress filter: each stream decided on its HTTP Host (NFQUEUE), then in the kernel by conntrack mark; source NAT"},
			{Name: "firenet-pair", Label: "FireNet: flows hashed over two stateful firewalls (nftables with conntrack), both directions through one"},
		},
		Notes: []string{
			"Gbit/s is TCP goodput received by the server, median of the repeats with min and max; every case crosses the same gateway namespace, in the same run.",
			"Each stream starts with an HTTP request naming sink.example.com, which the egress filter's rule allows; plain and FireNet carry the same bytes.",
		}}
	res.LoadAvg[0] = loadAvg()
	defer func(r *SecurityResult) { r.LoadAvg[1] = loadAvg() }(res)
	plan, err := emulator.NewPlan(o.Lab, SecurityTopology(o.Lab))
	if err != nil {
		return nil, err
	}
	if err := emulator.Deploy(ctx, plan, emulator.Options{}); err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, emulator.Destroy(context.Background(), o.Lab, nil)) }()
	ns := func(n string) string { return emulator.NamespaceName(o.Lab, n) }
	l := &secLab{cli: ns("cli"), gw: ns("gw"), srv: ns("srv")}
	for i := range secFwLink {
		e, err := startFirewall(ns(fmt.Sprintf("fw%d", i+1)))
		if err != nil {
			return nil, err
		}
		defer e.Close()
		l.fws = append(l.fws, e)
	}
	sink, err := tcpload.NewSink(l.srv, netip.AddrPortFrom(secSrv.Addr(), secSinkPort))
	if err != nil {
		return nil, err
	}
	defer sink.Close()
	samples := make([][]float64, len(res.Cases))
	for round := range o.Repeats {
		fmt.Fprintf(o.Log, "round %d/%d\n", round+1, o.Repeats)
		for i := range res.Cases {
			c := &res.Cases[i]
			g, crossed, err := l.runCase(ctx, c.Name, sink, o)
			if err != nil {
				return nil, fmt.Errorf("bench security: case %s: %w", c.Name, err)
			}
			samples[i] = append(samples[i], g)
			c.Crossed += crossed
			fmt.Fprintf(o.Log, "  %-13s %7.3f Gbit/s\n", c.Name, g)
		}
	}
	for i := range res.Cases {
		res.Cases[i].Gbps = NewSpread(samples[i])
	}
	for i := range res.Cases {
		if p := res.Cases[0].Gbps.Median; p > 0 {
			res.Cases[i].VsPlain = res.Cases[i].Gbps.Median / p
		}
	}
	return res, nil
}

// startFirewall starts an allow-all stateful firewall engine in ns.
func startFirewall(ns string) (*firewall.Engine, error) {
	h, err := netns.Open(ns)
	if err != nil {
		return nil, err
	}
	defer h.Close()
	return firewall.StartIn(int(h), firewall.Config{}, "")
}

// runCase sets the gateway up for the case, measures once and takes the
// setup down again: the goodput in Gbit/s and what crossed the case's
// path (Crossed).
func (l *secLab) runCase(ctx context.Context, name string, sink *tcpload.Sink, o SecurityOptions) (gbps float64, crossed uint64, err error) {
	h, err := netns.Open(l.gw)
	if err != nil {
		return 0, 0, err
	}
	defer h.Close()
	var count func() uint64
	switch name {
	case "fqdn-egress":
		f, err := egress.StartIn(int(h), egress.Config{Table: "mcn-bench-egress", Queue: 7, Masquerade: "wan", Policy: egress.Policy{
			Tags: []egress.Tag{{Name: "bench", Sources: []netip.Prefix{secCli.Masked()},
				Rules: []egress.Rule{{Name: "sink.example.com", Proto: egress.ProtoTCP, Port: secSinkPort}, {Name: "sink.example.com"}}}}}})
		if err != nil {
			return 0, 0, err
		}
		defer func() { err = errors.Join(err, f.Close()) }()
		// The readiness ping is let out by the name's learned address.
		if err := f.Learn("sink.example.com", []netip.Addr{secSrv.Addr()}); err != nil {
			return 0, 0, err
		}
		count = func() uint64 {
			var n uint64
			for _, e := range f.Log() {
				if e.Verdict == egress.Allow && e.Rule != egress.RuleUnfiltered {
					n++
				}
			}
			return n
		}
	case "firenet-pair":
		s, err := l.steer(ctx, int(h))
		if err != nil {
			return 0, 0, err
		}
		defer func() { err = errors.Join(err, s.Close()) }()
		count = l.forwarded
	}
	rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	_, err = probe.WaitReachable(rctx, l.cli, secSrv.Addr(), 100*time.Millisecond)
	cancel()
	if err != nil {
		return 0, 0, err
	}
	var before uint64
	if count != nil {
		before = count()
	}
	gbps, err = measureLoad(ctx, l.cli, sink, o.Streams, o.Duration)
	if err != nil {
		return 0, 0, err
	}
	if count != nil {
		crossed = count() - before
		if crossed == 0 {
			return 0, 0, fmt.Errorf("the load did not cross the %s path", name)
		}
	}
	return gbps, crossed, nil
}

// steer starts FireNet steering in the gateway (open as nsFd) between the
// client's and the server's networks through both firewalls, and waits
// until both are healthy.
func (l *secLab) steer(ctx context.Context, nsFd int) (*firenet.Steerer, error) {
	cfg := firenet.Config{
		Domains: []firenet.Domain{{Name: "cli", Prefixes: []netip.Prefix{secCli.Masked()}}, {Name: "srv", Prefixes: []netip.Prefix{secSrv.Masked()}}},
		Pairs:   []firenet.Pair{{A: "cli", B: "srv"}},
		Health:  firenet.Health{Interval: 50 * time.Millisecond, Fall: 3, Rise: 2},
	}
	for i, link := range secFwLink {
		cfg.Firewalls = append(cfg.Firewalls, firenet.Firewall{Name: fmt.Sprintf("fw%d", i+1), Addr: link[1].Addr(), Link: fmt.Sprintf("fw%d", i+1)})
	}
	s, err := firenet.StartIn(nsFd, cfg)
	if err != nil {
		return nil, err
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		st, err := s.Status()
		healthy := 0
		for _, f := range st.Firewalls {
			if f.Healthy {
				healthy++
			}
		}
		if err == nil && healthy == len(cfg.Firewalls) {
			return s, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return nil, errors.Join(fmt.Errorf("firewalls not healthy after 10 s: %+v, %v", st.Firewalls, err), s.Close())
		}
		if err := pause(ctx, 20*time.Millisecond); err != nil {
			return nil, errors.Join(err, s.Close())
		}
	}
}

// forwarded counts the packets both firewalls passed.
func (l *secLab) forwarded() uint64 {
	var n uint64
	for _, e := range l.fws {
		c, err := e.Counters()
		if err != nil {
			continue
		}
		n += c.Established.Packets + c.Default.Packets
		for _, r := range c.Rules {
			n += r.Packets
		}
	}
	return n
}

// measureLoad runs streams TCP streams (each starting with secRequest)
// from ns to the sink, lets them ramp up, and returns the goodput over d
// in Gbit/s.
func measureLoad(ctx context.Context, ns string, sink *tcpload.Sink, streams int, d time.Duration) (float64, error) {
	load, err := tcpload.StartWith(ns, sink.Addr(), streams, secRequest)
	if err != nil {
		return 0, err
	}
	defer load.Close()
	if err := pause(ctx, min(d/5, 500*time.Millisecond)); err != nil {
		return 0, err
	}
	b0, t0 := sink.Bytes(), time.Now()
	if err := pause(ctx, d); err != nil {
		return 0, err
	}
	return float64(sink.Bytes()-b0) * 8 / time.Since(t0).Seconds() / 1e9, nil
}

// WriteTable prints the cases as a Markdown table, each beside plain
// forwarding.
func (r *SecurityResult) WriteTable(w io.Writer) {
	fmt.Fprintf(w, "Security services benchmark, %s: %d cores, kernel %s, %d TCP streams, %.1fs x %d repeats (interleaved); load average %.2f before, %.2f after\n\n",
		r.Date, r.Cores, r.Kernel, r.Streams, r.Duration, r.Repeats, r.LoadAvg[0], r.LoadAvg[1])
	fmt.Fprintln(w, "| case | Gbit/s median | min | max | vs plain | crossed |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: |")
	for _, c := range r.Cases {
		fmt.Fprintf(w, "| %s | %.2f | %.2f | %.2f | %.2fx | %d |\n", c.Name, c.Gbps.Median, c.Gbps.Min, c.Gbps.Max, c.VsPlain, c.Crossed)
	}
	fmt.Fprintln(w)
	for _, c := range r.Cases {
		fmt.Fprintf(w, "%s: %s\n", c.Name, c.Label)
	}
}

// Save writes r as security-<cores>core.json in dir and returns the path.
func (r *SecurityResult) Save(dir string) (string, error) {
	return saveJSON(dir, fmt.Sprintf("security-%dcore.json", r.Cores), r)
}
