package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/mcnlab/mcnlab/bench"
)

func newBenchAPI() *cobra.Command {
	var workers, repeats int
	var d time.Duration
	var asJSON, effect bool
	var changes int
	var statePath string
	cmd := &cobra.Command{
		Use:   "api [--workers N] [--duration D] [--repeat R] [--json]",
		Short: "Cloud API calls per second: the AWS SDK for Go v2 against cloudmock's EC2 API on loopback",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if effect {
				return runEffect(cmd, changes, asJSON)
			}
			res, err := bench.APIState(cmd.Context(), workers, d, repeats, statePath)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(res)
			}
			s := res.CallsPerSec
			kept := ""
			if statePath != "" {
				kept = ", cloud kept in " + statePath + " (each call answered once saved)"
			}
			fmt.Fprintf(out, "bench api: %d workers, %d x %s, mixed create/tag/describe/delete (8 calls a round)%s\n", workers, repeats, d, kept)
			fmt.Fprintf(out, "  calls/s  median %.0f  (min %.0f, max %.0f)\n", s.Median, s.Min, s.Max)
			fmt.Fprintf(out, "  latency  p50 %.2f ms  p99 %.2f ms  (%d calls)\n", res.LatencyP50, res.LatencyP99, res.Calls)
			return nil
		},
	}
	cmd.Flags().IntVar(&workers, "workers", 4, "concurrent SDK clients")
	cmd.Flags().DurationVar(&d, "duration", 3*time.Second, "length of each repeat")
	cmd.Flags().IntVar(&repeats, "repeat", 3, "repeats; the median is reported")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().StringVar(&statePath, "state", "", "keep the cloud in the new state file `FILE`, as cloudmock serve --state does, to measure what saving costs")
	cmd.Flags().BoolVar(&effect, "dataplane", false, "measure the time from an API call to its dataplane effect instead (needs root)")
	cmd.Flags().IntVar(&changes, "changes", 50, "with --dataplane: route and security group changes of each kind")
	return cmd
}

func runEffect(cmd *cobra.Command, n int, asJSON bool) error {
	if err := needRoot("bench api --dataplane"); err != nil {
		return err
	}
	res, err := bench.APIEffect(cmd.Context(), "benchapi", n)
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	if asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	fmt.Fprintf(out, "bench api --dataplane: %d changes of each kind through the AWS SDK; a call answered by the realized cloud returns once it is in force\n", 2*n)
	fmt.Fprintf(out, "  %-40s %8s %8s %8s\n", "", "p50 ms", "p99 ms", "max ms")
	for _, r := range []struct {
		name string
		l    bench.Latency
	}{{"route, model only", res.RouteModel}, {"route, in force in the dataplane", res.RouteInLab},
		{"security group (8 instances), model only", res.SGModel}, {"security group, in force in the dataplane", res.SGInLab}} {
		fmt.Fprintf(out, "  %-40s %8.2f %8.2f %8.2f\n", r.name, r.l.P50, r.l.P99, r.l.Max)
	}
	fmt.Fprintf(out, "  first ping right after allowing ICMP answered: %v\n", res.PingAfterSG)
	return nil
}
