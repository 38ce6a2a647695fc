package main

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/mcnlab/mcnlab/bench"
)

func newBenchScale() *cobra.Command {
	var o bench.ScaleOptions
	var asJSON bool
	var results, provider string
	c := &cobra.Command{
		Use:   "scale --spokes N[,N...] [--ha] [--json]",
		Short: "Deploy a transit with N spokes for each N: time to converged and per phase, memory, controller CPU and API calls, reachability, destroy",
		Long: `bench scale first times ` + "`mcnlab validate`" + ` and ` + "`mcnlab simulate`" + ` (the whole
matrix printed) on a generated topology of --plan-spokes spokes, then for each
N generates the transit with N spokes (an AWS transit in 10.10.0.0/16 and N
spoke VPCs of one /24 each with one workload; --ha: gateway pairs), deploys it
and reports: the time until converged and when each phase was done (cloud
objects, instances running, gateways configured, tunnels up, BGP sessions
established, routes to every other spoke in every spoke route table), the
gateways' RSS (in all and per gateway), the controller's and the cloud's CPU
seconds and the cloud API requests the controller sent, a sample of random
workload pairs pinged (all must answer), and the time to destroy the lab
(and anything left behind). Progress is printed while it runs. The result is
written to --results/scale-<cores>core[-ha].json with an SVG plot beside it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if provider != "aws" {
				return fmt.Errorf("--provider %s: bench scale generates AWS transits only", provider)
			}
			o.Spokes = slices.DeleteFunc(o.Spokes, func(n int) bool { return n == 0 })
			if len(o.Spokes) > 0 {
				if err := needRoot("bench scale"); err != nil {
					return err
				}
			}
			for _, n := range append([]int{o.PlanSpokes}, o.Spokes...) {
				if n < 0 || n > bench.MaxScaleSpokes {
					return fmt.Errorf("--spokes and --plan-spokes: %d; want 1 to %d", n, bench.MaxScaleSpokes)
				}
			}
			out := cmd.OutOrStdout()
			o.Log = out
			if asJSON {
				o.Log = os.Stderr
			}
			res, err := bench.Scale(cmd.Context(), o)
			if err != nil {
				// What was measured before the failing N is kept, with
				// the failure recorded in its run.
				if res != nil && len(res.Runs) > 0 {
					err = errors.Join(err, finishBench(out, o.Log, res, results, asJSON, nil))
				}
				return err
			}
			return finishBench(out, o.Log, res, results, asJSON, nil)
		},
	}
	f := c.Flags()
	f.IntSliceVar(&o.Spokes, "spokes", []int{10, 30}, "spoke counts to deploy, in order (0: only the validate and simulate figure)")
	f.BoolVar(&o.HA, "ha", false, "gateway pairs at the transit and every spoke")
	f.IntVar(&o.PlanSpokes, "plan-spokes", 1000, "spokes of the topology validate and simulate are timed on (0: skip)")
	f.IntVar(&o.Pairs, "pairs", 20, "workload pairs pinged per N")
	f.DurationVar(&o.Timeout, "timeout", 300*time.Second, "longest wait for each N to converge")
	f.StringVar(&provider, "provider", "aws", "cloud of the generated transit (aws)")
	f.BoolVar(&asJSON, "json", false, "print JSON")
	f.StringVar(&results, "results", "bench/results", "directory for scale-<cores>core[-ha].json and .svg (\"\" to skip)")
	f.StringVar(&o.Lab, labFlag, "bscale", "lab name used for the benchmark lab")
	return c
}
