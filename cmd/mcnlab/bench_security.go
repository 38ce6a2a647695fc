package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/mcnlab/mcnlab/bench"
)

func newBenchSecurity() *cobra.Command {
	var o bench.SecurityOptions
	var asJSON bool
	var results string
	c := &cobra.Command{
		Use:   "security [--streams P] [--duration D] [--repeat R] [--json]",
		Short: "Throughput through an FQDN egress gateway and through a FireNet firewall pair, beside plain forwarding",
		Long: `bench security builds cli -- gw -- srv with two firewalls (fw1, fw2) on links
of their own to gw, then sets gw up case by case in one run: plain forwarding,
the FQDN egress filter (each TCP stream starts with an HTTP request whose Host
a rule allows; source NAT out of gw), and FireNet steering of the flows over
the two stateful firewalls. Each case runs P TCP streams from cli to srv for
D seconds, R rounds over all cases, and reports goodput (median, min, max) and
the ratio to plain forwarding, with what crossed the case's path (the egress
filter's allow decisions, the packets the firewalls passed). The result is
written to --results/security-<cores>core.json.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := needRoot("bench security"); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			o.Log = out
			if asJSON {
				o.Log = os.Stderr
			}
			res, err := bench.Security(cmd.Context(), o)
			if err != nil {
				return err
			}
			return finishBench(out, o.Log, res, results, asJSON, nil)
		},
	}
	f := c.Flags()
	f.IntVar(&o.Streams, "streams", 4, "parallel TCP streams")
	f.DurationVar(&o.Duration, "duration", 3*time.Second, "length of one measurement")
	f.IntVar(&o.Repeats, "repeat", 3, "rounds over all cases; the median is reported")
	f.BoolVar(&asJSON, "json", false, "print JSON")
	f.StringVar(&results, "results", "bench/results", "directory for security-<cores>core.json (\"\" to skip)")
	f.StringVar(&o.Lab, labFlag, "benchsec", "lab name used for the benchmark lab")
	return c
}

// benchResult is what a benchmark command saves and prints.
type benchResult interface {
	Save(dir string) (string, error)
	WriteTable(w io.Writer)
}

// finishBench saves res in the results directory (unless it is ""), runs
// more (when set), then prints res to out as JSON or as its table; log
// gets the lines about files written.
func finishBench(out, log io.Writer, res benchResult, results string, asJSON bool, more func() error) error {
	if results != "" {
		p, err := res.Save(results)
		if err != nil {
			return err
		}
		fmt.Fprintln(log, "result written to", p)
	}
	if more != nil {
		if err := more(); err != nil {
			return err
		}
	}
	if asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	fmt.Fprintln(out)
	res.WriteTable(out)
	return nil
}
