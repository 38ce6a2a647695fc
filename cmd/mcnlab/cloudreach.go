package main

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/mcnlab/mcnlab/controller"
	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/probe"
	"github.com/mcnlab/mcnlab/topologies"
)

// cloudCell is one pair of a cloud lab's reachability matrix.
type cloudCell struct {
	From, To string
	Expect   intent.Expectation
	Seen     bool
	RTT      time.Duration
}

// cloudMatrix is a cloud lab's reachability: every ordered pair of its
// workloads and site hosts, pinged for real and compared with what the
// intent says.
type cloudMatrix struct {
	Endpoints []string
	Cells     []cloudCell
	addr      map[string]netip.Addr // each endpoint's address
}

// Mismatches counts the pairs not seen as expected.
func (m *cloudMatrix) Mismatches() int {
	n := 0
	for _, c := range m.Cells {
		if c.Seen != c.Expect.Reach {
			n++
		}
	}
	return n
}

// isCloudLab reports whether the lab runs an emulated cloud with a
// controller.
func isCloudLab(lab string) bool {
	_, err := os.Stat(controller.LabCloudFile(lab))
	return err == nil
}

// pingAttempts and pingTimeout: a pair counts as reaching when one of
// pingAttempts echo requests is answered within pingTimeout.
const (
	pingAttempts = 3
	pingTimeout  = 400 * time.Millisecond
)

// labPlanAndInstances compiles a cloud lab's topology and reads its
// instances from the lab's cloud.
func labPlanAndInstances(ctx context.Context, lab string) (*intent.Plan, map[string]cloud.InstanceInfo, error) {
	src, err := os.ReadFile(controller.TopologyFile(lab))
	if err != nil {
		return nil, nil, err
	}
	t, err := topologies.Parse(controller.TopologyFile(lab), src)
	if err != nil {
		return nil, nil, err
	}
	cp, err := intent.Compile(t)
	if err != nil {
		return nil, nil, err
	}
	providers, err := labProviders(ctx, cp, lab, "")
	if err != nil {
		return nil, nil, err
	}
	instances := map[string]cloud.InstanceInfo{}
	for _, p := range providers {
		o, ok := p.(interface {
			Observe(context.Context) (cloud.Inventory, error)
		})
		if !ok {
			continue
		}
		inv, err := o.Observe(ctx)
		if err != nil {
			return nil, nil, err
		}
		for k, v := range inv.Instances {
			instances[k] = v
		}
	}
	return cp, instances, nil
}

// cloudReachability pings every ordered pair of endpoints of a cloud lab.
func cloudReachability(ctx context.Context, lab string) (*cloudMatrix, error) {
	cp, instances, err := labPlanAndInstances(ctx, lab)
	if err != nil {
		return nil, err
	}
	c, err := labAPI(lab)
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
	m := &cloudMatrix{addr: addr}
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
				m.Cells = append(m.Cells, cloudCell{From: a, To: b, Expect: cp.Expect(a, b, approved, addr)})
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
	return m, nil
}

// print writes the matrix (✓ reaches, ✗ blocked, ! not as expected) and
// a line per blocked or unexpected pair with its reason.
func (m *cloudMatrix) print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "from \\ to\t%s\t\n", strings.Join(m.Endpoints, "\t"))
	cell := map[[2]string]cloudCell{}
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
	fmt.Fprintf(w, "\n%d pairs, %d reach, %d blocked, %d not as expected\n", len(m.Cells), m.reached(), len(m.Cells)-m.reached(), m.Mismatches())
}

// pairs are the matrix's cells as `reach --json` prints them.
func (m *cloudMatrix) pairs() []pairJSON {
	out := make([]pairJSON, len(m.Cells))
	for i, c := range m.Cells {
		seen := c.Seen
		out[i] = pairJSON{From: c.From, To: c.To, Reach: c.Expect.Reach, Depends: c.Expect.Depends, Reason: c.Expect.Reason,
			Seen: &seen, FromAddress: m.addr[c.From].String(), ToAddress: m.addr[c.To].String()}
	}
	return out
}

func (m *cloudMatrix) reached() int {
	n := 0
	for _, c := range m.Cells {
		if c.Seen {
			n++
		}
	}
	return n
}
