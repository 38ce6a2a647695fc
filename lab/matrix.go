package lab

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/probe"
	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/topologies"
)

// Cell is one pair of a cloud lab's reachability matrix: what the intent
// expects and what real pings saw.
type Cell struct {
	From, To string
	Expect   intent.Expectation
	Seen     bool
	RTT      time.Duration
}

// Matrix is a cloud lab's reachability: every ordered pair of its
// workloads and site hosts, pinged for real and compared with what the
// intent says.
type Matrix struct {
	Endpoints []string
	Cells     []Cell
	// Services are the security services' verdicts and what their probes
	// saw (services.go).
	Services []ServiceCell
	addr     map[string]netip.Addr // each endpoint's address
}

// Mismatches counts the pairs, and the probed service verdicts, not seen
// as expected.
func (m *Matrix) Mismatches() int {
	n := 0
	for _, c := range m.Cells {
		if c.Seen != c.Expect.Reach {
			n++
		}
	}
	for _, c := range m.Services {
		if c.mismatch() {
			n++
		}
	}
	return n
}

// Reached counts the pairs seen to reach.
func (m *Matrix) Reached() int {
	n := 0
	for _, c := range m.Cells {
		if c.Seen {
			n++
		}
	}
	return n
}

// Pair is one ordered pair of a cloud lab's reachability, as `simulate
// --json` and `reach --json` print it: what the intent says (Reach,
// Depends, Reason) and, from reach, what real pings saw.
type Pair struct {
	From string `json:"from"`
	To   string `json:"to"`
	// Reach is whether the intent says the pair reaches; Depends that
	// the answer turns on an address the cloud chooses.
	Reach   bool   `json:"reach"`
	Depends bool   `json:"depends,omitempty"`
	Reason  string `json:"reason,omitempty"`
	// Seen is whether an echo request was answered (reach only).
	Seen *bool `json:"seen,omitempty"`
	// FromAddress and ToAddress are the addresses pinged (reach only).
	FromAddress string `json:"from_address,omitempty"`
	ToAddress   string `json:"to_address,omitempty"`
}

// Pairs are the matrix's cells as `reach --json` prints them.
func (m *Matrix) Pairs() []Pair {
	out := make([]Pair, len(m.Cells))
	for i, c := range m.Cells {
		seen := c.Seen
		out[i] = Pair{From: c.From, To: c.To, Reach: c.Expect.Reach, Depends: c.Expect.Depends, Reason: c.Expect.Reason,
			Seen: &seen, FromAddress: m.addr[c.From].String(), ToAddress: m.addr[c.To].String()}
	}
	return out
}

// ExpectedPairs are every ordered pair of a plan's endpoints as the
// intent alone answers them, with the on-prem routes approved (by transit)
// taken as approved: what `simulate --json` prints.
func ExpectedPairs(cp *intent.Plan, approved map[string][]topologies.ApprovedRoute) []Pair {
	var pairs []Pair
	for _, a := range cp.Endpoints {
		for _, b := range cp.Endpoints {
			if a.Name != b.Name {
				e := cp.Expect(a.Name, b.Name, approved, nil)
				pairs = append(pairs, Pair{From: a.Name, To: b.Name, Reach: e.Reach, Depends: e.Depends, Reason: e.Reason})
			}
		}
	}
	return pairs
}

// pingAttempts and pingTimeout: a pair counts as reaching when one of
// pingAttempts echo requests is answered within pingTimeout.
const (
	pingAttempts = 3
	pingTimeout  = 400 * time.Millisecond
)

// PlanAndInstances compiles a cloud lab's topology and reads its
// instances from every account's cloud.
func PlanAndInstances(ctx context.Context, lab string) (*intent.Plan, map[string]cloud.InstanceInfo, error) {
	cl, err := openCloudLab(ctx, lab)
	if err != nil {
		return nil, nil, err
	}
	defer cl.Close()
	instances, err := cl.instances(ctx)
	if err != nil {
		return nil, nil, err
	}
	return cl.plan, instances, nil
}

// Reachability pings every ordered pair of endpoints of a cloud lab and
// compares what it saw with what the intent expects, given the on-prem
// routes the controller approved.
func Reachability(ctx context.Context, lab string) (*Matrix, error) {
	cp, instances, err := PlanAndInstances(ctx, lab)
	if err != nil {
		return nil, err
	}
	c, err := API(lab)
	if err != nil {
		return nil, err
	}
	appr, err := c.Approved(ctx)
	if err != nil {
		return nil, fmt.Errorf("read approved routes: %w", err)
	}
	approved := map[string][]topologies.ApprovedRoute{}
	for _, a := range appr {
		approved[a.Transit] = append(approved[a.Transit], topologies.ApprovedRoute{Site: a.Site, Prefix: a.Prefix})
	}
	addr := map[string]netip.Addr{}
	ns := map[string]string{}
	m := &Matrix{addr: addr}
	for _, e := range cp.Endpoints {
		if e.Site != "" {
			addr[e.Name], ns[e.Name] = e.Address, emulator.NamespaceName(lab, e.Name)
		} else if in, ok := instances[e.Instance]; ok {
			addr[e.Name], ns[e.Name] = in.PrivateIP, emulator.InstanceNamespace(lab, in.ID)
		} else {
			return nil, fmt.Errorf("workload %s has no instance in the cloud", e.Name)
		}
		m.Endpoints = append(m.Endpoints, e.Name)
	}
	for _, a := range m.Endpoints {
		for _, b := range m.Endpoints {
			if a != b {
				m.Cells = append(m.Cells, Cell{From: a, To: b, Expect: cp.Expect(a, b, approved, addr)})
			}
		}
	}
	var wg sync.WaitGroup
	errs := make([]error, len(m.Cells))
	for i := range m.Cells {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cell := &m.Cells[i]
			p, err := probe.NewPinger(ns[cell.From])
			if err != nil {
				errs[i] = err
				return
			}
			defer p.Close()
			for seq := 1; seq <= pingAttempts; seq++ {
				if rtt, err := p.Ping(addr[cell.To], seq, pingTimeout); err == nil {
					cell.Seen, cell.RTT = true, rtt
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	if m.Services, err = probeServices(ctx, lab, cp, ns, addr); err != nil {
		return nil, err
	}
	return m, nil
}

// Print writes the matrix (ok reaches, blocked, ! not as expected) and a
// line per blocked or unexpected pair with its reason.
func (m *Matrix) Print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "from \\ to\t%s\t\n", strings.Join(m.Endpoints, "\t"))
	cell := map[[2]string]Cell{}
	for _, c := range m.Cells {
		cell[[2]string{c.From, c.To}] = c
	}
	for _, a := range m.Endpoints {
		row := []string{a}
		for _, b := range m.Endpoints {
			c, ok := cell[[2]string{a, b}]
			switch {
			case !ok:
				row = append(row, "-")
			case c.Seen != c.Expect.Reach:
				row = append(row, "! "+map[bool]string{true: "reached", false: "LOST"}[c.Seen])
			case c.Seen:
				row = append(row, "ok")
			default:
				row = append(row, "blocked")
			}
		}
		fmt.Fprintf(tw, "%s\t\n", strings.Join(row, "\t"))
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "FROM\tTO\tEXPECTED\tSEEN\tREASON\n")
	for _, c := range m.Cells {
		if c.Expect.Reach && c.Seen {
			continue
		}
		exp, seen := "blocked", "blocked"
		if c.Expect.Reach {
			exp = "reaches"
		}
		if c.Seen {
			seen = "reaches"
		}
		reason := c.Expect.Reason
		if c.Seen != c.Expect.Reach {
			reason = "NOT AS EXPECTED: " + reason
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.From, c.To, exp, seen, reason)
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%d pairs, %d reach, %d blocked, %d not as expected\n", len(m.Cells), m.Reached(), len(m.Cells)-m.Reached(), m.Mismatches())
	if len(m.Services) > 0 {
		vs, seen := make([]intent.ServiceVerdict, len(m.Services)), make([]string, len(m.Services))
		for i, c := range m.Services {
			vs[i], seen[i] = c.ServiceVerdict, c.Seen
		}
		PrintServices(w, vs, seen)
	}
}

// HostMatrix is the reachability of a lab without a cloud: from every
// host, the first address of every other host, pinged.
type HostMatrix struct {
	Hosts []string
	// RTT is each ordered pair's round trip; a pair missing is
	// unreachable.
	RTT map[[2]string]time.Duration
	// Pairs counts the pairs pinged, Failed those not answered.
	Pairs, Failed int
}

// HostReachability pings, from every host of the lab r, the first address
// of every other host, waiting timeout for each reply; it pings no more
// once ctx ends.
func HostReachability(ctx context.Context, r *state.Lab, timeout time.Duration) (*HostMatrix, error) {
	addr := map[string]netip.Addr{}
	ns := map[string]string{}
	m := &HostMatrix{RTT: map[[2]string]time.Duration{}}
	for _, n := range r.Nodes {
		if n.Kind != "host" {
			continue
		}
		for _, l := range r.Links {
			for _, e := range []state.LinkEnd{l.A, l.B} {
				if e.Node == n.Name && e.Address != "" && !addr[n.Name].IsValid() {
					p, err := netip.ParsePrefix(e.Address)
					if err == nil {
						addr[n.Name] = p.Addr()
					}
				}
			}
		}
		if addr[n.Name].IsValid() {
			m.Hosts = append(m.Hosts, n.Name)
			ns[n.Name] = n.Namespace
		}
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	var errs []error
	for _, src := range m.Hosts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := probe.NewPinger(ns[src])
			if err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
				return
			}
			defer p.Close()
			for i, dst := range m.Hosts {
				if dst == src {
					continue
				}
				if ctx.Err() != nil {
					return
				}
				rtt, err := p.Ping(addr[dst], i+1, timeout)
				mu.Lock()
				m.Pairs++
				if err == nil {
					m.RTT[[2]string{src, dst}] = rtt
				} else {
					m.Failed++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		return nil, errs[0]
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return m, nil
}
