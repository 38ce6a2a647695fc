package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/mcnlab/mcnlab/bench"
)

func newBench() *cobra.Command {
	b := &cobra.Command{Use: "bench", Short: "Benchmarks: deploy time, cloud API rate (HPE and convergence to come)"}
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
				s    bench.Stats
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
	b.AddCommand(d, newBenchAPI(), newBenchFailover(), newBenchConvergence())
	return b
}
