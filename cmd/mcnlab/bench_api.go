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
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "api [--workers N] [--duration D] [--repeat R] [--json]",
		Short: "Cloud API calls per second: the AWS SDK for Go v2 against cloudmock's EC2 API on loopback",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			res, err := bench.API(cmd.Context(), workers, d, repeats)
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
			fmt.Fprintf(out, "bench api: %d workers, %d x %s, mixed create/tag/describe/delete (8 calls a round)\n", workers, repeats, d)
			fmt.Fprintf(out, "  calls/s  median %.0f  (min %.0f, max %.0f)\n", s.Median, s.Min, s.Max)
			fmt.Fprintf(out, "  latency  p50 %.2f ms  p99 %.2f ms  (%d calls)\n", res.LatencyP50, res.LatencyP99, res.Calls)
			return nil
		},
	}
	cmd.Flags().IntVar(&workers, "workers", 4, "concurrent SDK clients")
	cmd.Flags().DurationVar(&d, "duration", 3*time.Second, "length of each repeat")
	cmd.Flags().IntVar(&repeats, "repeat", 3, "repeats; the median is reported")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
