package main

import (
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/mcnlab/mcnlab/emulator/probe"
	"github.com/mcnlab/mcnlab/emulator/state"
	mcnlab "github.com/mcnlab/mcnlab/lab"
)

func newReach() *cobra.Command {
	var lab string
	var timeout time.Duration
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "reach [--lab NAME] [--json]",
		Short: "Print the reachability matrix, measured with real pings (cloud labs: expected, seen and why blocked)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := needRoot("reach"); err != nil {
				return err
			}
			r, err := pickLab(lab)
			if err != nil {
				return err
			}
			if mcnlab.IsCloudLab(r.Name) {
				cm, err := mcnlab.Reachability(cmd.Context(), r.Name)
				if err != nil {
					return err
				}
				if asJSON {
					if err := writeJSON(cmd.OutOrStdout(), cm.Pairs()); err != nil {
						return err
					}
				} else {
					cm.Print(cmd.OutOrStdout())
				}
				if n := cm.Mismatches(); n > 0 {
					return fmt.Errorf("%d of %d pairs not as expected", n, len(cm.Cells))
				}
				return nil
			}
			m, err := reachability(r, timeout)
			if err != nil {
				return err
			}
			printMatrix(cmd, m)
			if m.failed > 0 {
				return fmt.Errorf("%d of %d host pairs cannot reach each other", m.failed, m.pairs)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&lab, labFlag, "", "lab name (default: the only lab on this machine)")
	cmd.Flags().DurationVar(&timeout, "timeout", 2*time.Second, "how long to wait for each reply")
	cmd.Flags().BoolVar(&asJSON, "json", false, "cloud labs: print every ordered pair (expected, seen, reason) as JSON")
	_ = cmd.RegisterFlagCompletionFunc(labFlag, completeLabs)
	return cmd
}

type matrix struct {
	hosts         []string
	rtt           map[[2]string]time.Duration // missing: unreachable
	pairs, failed int
}

// reachability pings, from every host, the first address of every other host.
func reachability(r *state.Lab, timeout time.Duration) (*matrix, error) {
	addr := map[string]netip.Addr{}
	ns := map[string]string{}
	m := &matrix{rtt: map[[2]string]time.Duration{}}
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
			m.hosts = append(m.hosts, n.Name)
			ns[n.Name] = n.Namespace
		}
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	var errs []error
	for _, src := range m.hosts {
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
			for i, dst := range m.hosts {
				if dst == src {
					continue
				}
				rtt, err := p.Ping(addr[dst], i+1, timeout)
				mu.Lock()
				m.pairs++
				if err == nil {
					m.rtt[[2]string{src, dst}] = rtt
				} else {
					m.failed++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		return nil, errs[0]
	}
	return m, nil
}

func printMatrix(cmd *cobra.Command, m *matrix) {
	w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "from \\ to\t%s\t\n", strings.Join(m.hosts, "\t"))
	for _, s := range m.hosts {
		row := []string{s}
		for _, d := range m.hosts {
			switch rtt, ok := m.rtt[[2]string{s, d}]; {
			case s == d:
				row = append(row, "-")
			case ok:
				row = append(row, fmt.Sprintf("ok %.2fms", float64(rtt.Microseconds())/1000))
			default:
				row = append(row, "LOST")
			}
		}
		fmt.Fprintf(w, "%s\t\n", strings.Join(row, "\t"))
	}
	w.Flush()
	fmt.Fprintf(cmd.OutOrStdout(), "%d of %d host pairs reachable\n", m.pairs-m.failed, m.pairs)
}
