package main

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/mcnlab/mcnlab/bench"
)

func newBench() *cobra.Command {
	b := &cobra.Command{Use: "bench", Short: "Benchmarks: deploy time, cloud API rate, HPE versus a single IPsec tunnel"}
	var nodes, repeats int
	var asJSON bool
	var lab string
	d := &cobra.Command{
		Use:   "deploy [--nodes N] [--repeat R] [--json]",
		Short: "Time to deploy a generated N-node lab until its two most distant hosts ping, and to destroy it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := needRoot("bench deploy"); err != nil {
				return err
			}
			log := os.Stderr
			if !asJSON {
				fmt.Fprintf(cmd.OutOrStdout(), "bench deploy: %d nodes, %d repeats\n", nodes, repeats)
				log = os.Stdout
			}
			res, err := bench.Deploy(cmd.Context(), lab, nodes, repeats, log)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(res)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d nodes, %d links, probe path %d hops\n", res.Nodes, res.Links, res.Hops)
			for _, r := range []struct {
				name string
				s    bench.Spread
			}{{"ready", res.Ready}, {"destroy", res.Destroy}} {
				fmt.Fprintf(cmd.OutOrStdout(), "  %-8s median %.3fs  (min %.3fs, max %.3fs)\n", r.name, r.s.Median, r.s.Min, r.s.Max)
			}
			return nil
		},
	}
	d.Flags().IntVar(&nodes, "nodes", 200, "nodes in the generated lab (half routers in a tree, half hosts)")
	d.Flags().IntVar(&repeats, "repeat", 5, "repeats; the median is reported")
	d.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	d.Flags().StringVar(&lab, labFlag, "benchdeploy", "lab name used for the generated lab")
	b.AddCommand(d, newBenchAPI(), newBenchHPE(), newBenchFailover(), newBenchConvergence(), newBenchSecurity(), newBenchScale())
	return b
}

func newBenchHPE() *cobra.Command {
	var o bench.HPEOptions
	var asJSON, noStrongSwan bool
	var plot, results string
	var capGbps float64
	c := &cobra.Command{
		Use:   "hpe [--tunnels N] [--streams P] [--duration D] [--repeat R] [--json] [--plot FILE.svg]",
		Short: "Throughput of HPE tunnel groups versus single ESP and WireGuard tunnels, plain forwarding and strongSwan",
		Long: `bench hpe builds hostA -- gwA -- gwB -- hostB, then reconfigures the gateways
case by case in one run: plain forwarding (the ceiling), a single ESP tunnel, a
single WireGuard tunnel, HPE groups of N ESP and N WireGuard tunnels (each with
and without a per-tunnel cap), and strongSwan's userspace IPsec when charon is
installed. Each case runs P TCP streams from hostA to hostB for D seconds, R
times, and reports goodput (median, min, max), CPU seconds per Gbit (the whole
process, traffic generator included) and the ratio to the single ESP tunnel.
The result is written to --results/hpe-<cores>core.json.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := needRoot("bench hpe"); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			o.Cap = capGbps * 1e9
			o.StrongSwan = !noStrongSwan
			o.Log = out
			if asJSON {
				o.Log = os.Stderr
			}
			res, err := bench.HPE(cmd.Context(), o)
			if err != nil {
				return err
			}
			return finishBench(out, o.Log, res, results, asJSON, func() error {
				if plot == "" {
					return nil
				}
				if err := os.WriteFile(plot, res.SVG(), 0o644); err != nil {
					return fmt.Errorf("write plot: %w", err)
				}
				fmt.Fprintln(o.Log, "plot written to", plot)
				return nil
			})
		},
	}
	f := c.Flags()
	f.IntVar(&o.Tunnels, "tunnels", 0, "tunnels per HPE group (0: one per CPU core)")
	f.IntVar(&o.Streams, "streams", 8, "parallel TCP streams")
	f.DurationVar(&o.Duration, "duration", 3*time.Second, "length of one measurement")
	f.IntVar(&o.Repeats, "repeat", 3, "repeats per case; the median is reported")
	f.Float64Var(&capGbps, "cap", 1.25, "per-tunnel cap of the capped cases, Gbit/s (AWS: 1.25 per VPN tunnel)")
	f.StringSliceVar(&o.Cases, "cases", nil, "run only these cases (names as in the table, comma-separated)")
	f.BoolVar(&noStrongSwan, "no-strongswan", false, "skip the strongSwan baseline")
	f.BoolVar(&asJSON, "json", false, "print JSON")
	f.StringVar(&plot, "plot", "", "write a bar chart to this SVG file")
	f.StringVar(&results, "results", "bench/results", "directory for hpe-<cores>core.json (\"\" to skip)")
	f.StringVar(&o.Lab, labFlag, "benchhpe", "lab name used for the benchmark lab")
	return c
}
