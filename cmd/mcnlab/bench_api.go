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
	var statePath, provider string
	cmd := &cobra.Command{
		Use:   "api [--provider aws|azure|gcp|oci] [--workers N] [--duration D] [--repeat R] [--json]",
		Short: "Cloud API calls per second: the AWS SDK for Go v2 against cloudmock's EC2 API on loopback",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if effect {
				return runEffect(cmd, changes, asJSON)
			}
			switch provider {
			case "aws":
			case "azure":
				return runBenchAzure(cmd, workers, d, repeats, asJSON)
			case "gcp", "oci":
				return runBenchGCP(cmd, provider, workers, d, repeats, asJSON)
			default:
				return fmt.Errorf("--provider %q: bench api measures aws, azure, gcp or oci", provider)
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
	cmd.Flags().StringVar(&provider, "provider", "aws", "aws: the AWS SDK against the EC2 API; azure: the Azure SDK against ARM over TLS, beside the AWS figure of the same run; gcp: the Google Go library against the Compute Engine API, beside the Azure and AWS figures of the same run; oci: the OCI Go SDK against Core Services, every request signed and verified, beside the GCP, Azure and AWS figures")
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

// runBenchAzure measures ARM calls/s through the Azure SDK and, in the
// same run, EC2 calls/s through the AWS SDK, and prints both.
func runBenchAzure(cmd *cobra.Command, workers int, d time.Duration, repeats int, asJSON bool) error {
	az, err := bench.APIAzure(cmd.Context(), workers, d, repeats)
	if err != nil {
		return err
	}
	aws, err := bench.API(cmd.Context(), workers, d, repeats)
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	if asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]*bench.APIResult{"azure": az, "aws": aws})
	}
	fmt.Fprintf(out, "bench api --provider azure: %d workers, %d x %s each\n", workers, repeats, d)
	fmt.Fprintf(out, "  azure  ARM requests/s  median %.0f  (min %.0f, max %.0f); SDK operation p50 %.2f ms  p99 %.2f ms  (%d requests over TLS: PUT/GET/list/DELETE and long-running operation polls)\n",
		az.CallsPerSec.Median, az.CallsPerSec.Min, az.CallsPerSec.Max, az.LatencyP50, az.LatencyP99, az.Calls)
	fmt.Fprintf(out, "  aws    EC2 calls/s     median %.0f  (min %.0f, max %.0f); call p50 %.2f ms  p99 %.2f ms  (%d calls over HTTP)\n",
		aws.CallsPerSec.Median, aws.CallsPerSec.Min, aws.CallsPerSec.Max, aws.LatencyP50, aws.LatencyP99, aws.Calls)
	return nil
}

// runBenchGCP measures Compute Engine calls/s through the official Go
// library and, in the same run, the Azure and AWS figures, and prints all
// three; with provider oci it measures OCI's signed calls/s through the
// OCI Go SDK first and prints four.
func runBenchGCP(cmd *cobra.Command, provider string, workers int, d time.Duration, repeats int, asJSON bool) error {
	type named struct {
		name, unit string
		res        *bench.APIResult
	}
	var all []named
	if provider == "oci" {
		o, err := bench.APIOCI(cmd.Context(), workers, d, repeats)
		if err != nil {
			return err
		}
		all = append(all, named{"oci", "signed calls/s", o})
	}
	g, err := bench.APIGCP(cmd.Context(), workers, d, repeats)
	if err != nil {
		return err
	}
	az, err := bench.APIAzure(cmd.Context(), workers, d, repeats)
	if err != nil {
		return err
	}
	aws, err := bench.API(cmd.Context(), workers, d, repeats)
	if err != nil {
		return err
	}
	all = append(all, named{"gcp", "Compute calls/s", g}, named{"azure", "ARM requests/s", az}, named{"aws", "EC2 calls/s", aws})
	out := cmd.OutOrStdout()
	if asJSON {
		m := map[string]*bench.APIResult{}
		for _, r := range all {
			m[r.name] = r.res
		}
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(m)
	}
	fmt.Fprintf(out, "bench api --provider %s: %d workers, %d x %s each\n", provider, workers, repeats, d)
	for _, r := range all {
		fmt.Fprintf(out, "  %-6s %-16s median %.0f  (min %.0f, max %.0f); p50 %.2f ms  p99 %.2f ms  (%d calls)\n",
			r.name, r.unit, r.res.CallsPerSec.Median, r.res.CallsPerSec.Min, r.res.CallsPerSec.Max, r.res.LatencyP50, r.res.LatencyP99, r.res.Calls)
		if r.res.CPUPerCall > 0 {
			fmt.Fprintf(out, "         %.2f CPU ms a call (client signing and server verifying: %.0f calls/s a core)\n", r.res.CPUPerCall, 1000/r.res.CPUPerCall)
		}
	}
	return nil
}
