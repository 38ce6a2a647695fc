package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mcnlab/mcnlab/bench"
	"github.com/mcnlab/mcnlab/topologies"
)

// defaultHATopology is the topology the HA benchmarks deploy by default.
const defaultHATopology = "topologies/transit-ha.yaml"

func newBenchFailover() *cobra.Command {
	var topo, lab string
	var kill, pairs []string
	var asJSON bool
	o := bench.FailoverOptions{}
	cmd := &cobra.Command{
		Use:   "failover [--topology FILE] [--kill NODE...] [--pairs SRC>DST,...] [--json]",
		Short: "Loss window when a gateway is SIGKILLed, and its rejoin time when restarted with the same command line",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := needRoot("bench failover"); err != nil {
				return err
			}
			t, err := bench.LoadTopology(topo)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			o.Lab, o.Topology, o.Kill, o.Pairs, o.Log = lab, t, kill, pairs, benchLog(out, asJSON)
			fmt.Fprintf(o.Log, "bench failover: %s, probes every %s\n", topo, o.Interval)
			res, err := bench.Failover(cmd.Context(), o)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(out, res)
			}
			fmt.Fprintf(out, "%-8s %14s %8s %12s %12s %10s\n", "killed", "loss window", "lost", "recovered", "sessions up", "rejoined")
			for _, k := range res.Kills {
				fmt.Fprintf(out, "%-8s %11.0f ms %8d %11.2fs %11.2fs %9.2fs\n", k.Gateway, k.MaxLossMS, k.Lost, k.RecoveredS, k.SessionsS, k.RejoinS)
			}
			fmt.Fprintf(out, "loss window: median %.0f ms (min %.0f, max %.0f); target <= %.0f ms\n", res.LossMS.Median, res.LossMS.Min, res.LossMS.Max, res.TargetMS)
			fmt.Fprintf(out, "rejoin:      median %.2fs (min %.2f, max %.2f)\n", res.RejoinS.Median, res.RejoinS.Min, res.RejoinS.Max)
			return nil
		},
	}
	cmd.Flags().StringVar(&topo, "topology", defaultHATopology, "topology with gateway pairs")
	cmd.Flags().StringSliceVar(&kill, "kill", nil, "gateways to kill, one after the other (default: the first of each pair)")
	cmd.Flags().StringSliceVar(&pairs, "pairs", nil, "probed host pairs SRC>DST (default: every pair of hosts)")
	cmd.Flags().DurationVar(&o.Interval, "interval", 10*time.Millisecond, "interval between probes of one pair")
	cmd.Flags().DurationVar(&o.Settle, "settle", 2*time.Second, "loss-free time required before each kill and restart")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().StringVar(&lab, labFlag, "benchfo", "lab name used for the benchmark")
	return cmd
}

func newBenchConvergence() *cobra.Command {
	var topo, lab, onprem string
	var prefixes []int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "convergence [--prefixes 1000,10000] [--json]",
		Short: "Time until every gateway has (and has lost) N prefixes announced (withdrawn) on-prem, and gateway memory",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := needRoot("bench convergence"); err != nil {
				return err
			}
			src, err := os.ReadFile(topo)
			if err != nil {
				return fmt.Errorf("read topology: %w", err)
			}
			// The on-prem router becomes BIRD, reconfigured with birdc.
			s := strings.Replace(string(src), "  "+onprem+":\n    kind: frr", "  "+onprem+":\n    kind: bird", 1)
			t, err := topologies.Parse(topo, []byte(s))
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			log := benchLog(out, asJSON)
			fmt.Fprintf(log, "bench convergence: %s with %s as BIRD, prefixes %v\n", topo, onprem, prefixes)
			res, err := bench.Convergence(cmd.Context(), bench.ConvergenceOptions{Lab: lab, Topology: t, OnPrem: onprem, Prefixes: prefixes, Log: log})
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(out, res)
			}
			fmt.Fprintf(out, "%9s %12s %12s %16s %16s %14s %12s\n", "prefixes", "announced", "withdrawn", "max RSS loaded", "gateways' CPU", "sessions down", "load")
			for _, r := range res.Runs {
				fmt.Fprintf(out, "%9d %11.2fs %11.2fs %13.1f MB %7.2fs %6.2fs %7d %6d %5.1f-%.1f\n", r.Prefixes, r.AnnounceS, r.WithdrawS, maxOf(r.LoadedRSS),
					sumOf(r.AnnounceCPU), sumOf(r.WithdrawCPU), r.SessionDowns[0], r.SessionDowns[1], r.LoadAvg[0], r.LoadAvg[1])
			}
			fmt.Fprintf(out, "gateway VmRSS (MB); target idle <= %.0f MB, +%s within 1.5x idle; idle = own (RssAnon) + binary's shared pages (RssFile), +%s (own)\n%-6s %17s",
				res.TargetMB, bench.SettleAfter, bench.SettleAfter, "", "idle")
			for _, r := range res.Runs {
				fmt.Fprintf(out, " %10s %10s %17s %6s", fmt.Sprintf("%d", r.Prefixes), "after", "+"+bench.SettleAfter.String(), "x idle")
			}
			fmt.Fprintln(out)
			for _, g := range res.Gateways {
				fmt.Fprintf(out, "%-6s %5.1f (%4.1f+%4.1f)", g, res.IdleRSS[g], res.IdleAnon[g], res.IdleFile[g])
				for _, r := range res.Runs {
					fmt.Fprintf(out, " %10.1f %10.1f %10.1f (%4.1f) %5.2fx", r.LoadedRSS[g], r.AfterRSS[g], r.SettledRSS[g], r.SettledAnon[g], r.SettledRSS[g]/res.IdleRSS[g])
				}
				fmt.Fprintln(out)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&topo, "topology", defaultHATopology, "topology with gateways and an on-prem frr or bird node")
	cmd.Flags().StringVar(&onprem, "onprem", "dc", "the on-prem router that announces the prefixes (run as BIRD)")
	cmd.Flags().IntSliceVar(&prefixes, "prefixes", []int{1000, 10000}, "numbers of extra /29 prefixes to announce, in turn")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().StringVar(&lab, labFlag, "benchcv", "lab name used for the benchmark")
	return cmd
}

// benchLog is where progress goes: stdout, or stderr when stdout is JSON.
func benchLog(out io.Writer, asJSON bool) io.Writer {
	if asJSON {
		return os.Stderr
	}
	return out
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func sumOf(m map[string]float64) float64 {
	var v float64
	for _, x := range m {
		v += x
	}
	return v
}

func maxOf(m map[string]float64) float64 {
	var v []float64
	for _, x := range m {
		v = append(v, x)
	}
	if len(v) == 0 {
		return 0
	}
	return slices.Max(v)
}
