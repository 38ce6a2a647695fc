package main

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/mcnlab/mcnlab/controller/intent"
	mcnlab "github.com/mcnlab/mcnlab/lab"
	"github.com/mcnlab/mcnlab/topologies"
)

func newSimulate() *cobra.Command {
	var file string
	var approve []string
	var asJSON, services bool
	cmd := &cobra.Command{
		Use:   "simulate -t FILE [--approve SITE=PREFIX]... [--json [--services]]",
		Short: "Print the reachability a cloud topology's intent implies, without root or a lab",
		Long: `Simulate answers, from the topology's cloud intent alone, which workloads and
site hosts reach each other and why the others do not (no route, domain
policy, security group): what ` + "`mcnlab reach`" + ` then measures with real pings
on a deployed lab (the tests hold the two equal). Under the matrix it lists
the security services' expected verdicts with their reasons: each FQDN
egress gateway's on HTTPS by name, each FireNet's on ICMP and its rules'
ports between the inspected domains, GuardDuty enforcement's on the
internet's clients. --approve marks on-prem routes as approved at run time.
--json prints every ordered pair as {"from", "to", "reach", "depends",
"reason"}; --json --services prints the services' expected verdicts
instead, each as {"service", "from", "to", "probe", "allow", "reason"}.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, _, err := loadTopology(file)
			if err != nil {
				return err
			}
			if t.Cloud == nil {
				return fmt.Errorf("%s: no cloud intent to simulate (simulate answers for accounts, vpcs, transits, spokes and sites)", file)
			}
			cp, err := intent.Compile(t)
			if err != nil {
				return fmt.Errorf("%s:%w", file, err)
			}
			approved, err := parseApprovals(t, file, approve)
			if err != nil {
				return err
			}
			switch {
			case services && !asJSON:
				return fmt.Errorf("--services selects what --json prints; add --json")
			case services:
				v := cp.ServiceVerdicts()
				if v == nil {
					v = []intent.ServiceVerdict{} // [] for a topology without services
				}
				return writeJSON(cmd.OutOrStdout(), v)
			case asJSON:
				return writeJSON(cmd.OutOrStdout(), mcnlab.ExpectedPairs(cp, approved))
			}
			// Buffered: the tabwriter writes each of a large matrix's
			// million cells on its own (a write call each).
			out := bufio.NewWriterSize(cmd.OutOrStdout(), 1<<16)
			printSimulation(out, cp, approved)
			return out.Flush()
		},
	}
	cmd.Flags().StringVarP(&file, "topology", "t", "", "topology file (YAML)")
	cmd.Flags().StringArrayVar(&approve, "approve", nil, "SITE=PREFIX: an on-prem route approved at run time (repeatable)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print every ordered pair as JSON")
	cmd.Flags().BoolVar(&services, "services", false, "with --json: print the security services' expected verdicts instead of the pairs")
	_ = cmd.MarkFlagRequired("topology")
	return cmd
}

// parseApprovals parses simulate's --approve SITE=PREFIX values into the
// approved routes by transit (the site's).
func parseApprovals(t *topologies.Topology, file string, approve []string) (map[string][]topologies.ApprovedRoute, error) {
	approved := map[string][]topologies.ApprovedRoute{}
	for _, a := range approve {
		site, pr, ok := strings.Cut(a, "=")
		p, err := netip.ParsePrefix(pr)
		if !ok || err != nil {
			return nil, fmt.Errorf("--approve %q: want SITE=PREFIX, such as dc1=10.100.0.0/24", a)
		}
		var tr string
		for _, s := range t.Cloud.Sites {
			if s.Name == site {
				tr = s.Connection.Transit
			}
		}
		if tr == "" {
			return nil, fmt.Errorf("--approve %q: no site %q in %s", a, site, file)
		}
		approved[tr] = append(approved[tr], topologies.ApprovedRoute{Site: site, Prefix: p})
	}
	return approved, nil
}

// printSimulation prints the matrix of what reaches what, the blocked
// pairs with why, and the counts.
func printSimulation(out io.Writer, cp *intent.Plan, approved map[string][]topologies.ApprovedRoute) {
	names := make([]string, len(cp.Endpoints))
	for i, e := range cp.Endpoints {
		names[i] = e.Name
	}
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "from \\ to\t%s\t\n", strings.Join(names, "\t"))
	var blocked []string
	depends := 0
	for _, a := range names {
		row := []string{a}
		for _, b := range names {
			if a == b {
				row = append(row, "-")
				continue
			}
			e := cp.Expect(a, b, approved, nil)
			if e.Reach {
				row = append(row, "reaches")
			} else if e.Depends {
				row = append(row, "depends")
				blocked = append(blocked, a+"\t"+b+"\t"+e.Reason)
				depends++
			} else {
				row = append(row, "blocked")
				blocked = append(blocked, a+"\t"+b+"\t"+e.Reason)
			}
		}
		fmt.Fprintf(w, "%s\t\n", strings.Join(row, "\t"))
	}
	w.Flush()
	if len(blocked) > 0 {
		fmt.Fprintln(out)
		w = tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "FROM\tTO\tWHY BLOCKED (OR WHAT IT DEPENDS ON)")
		for _, l := range blocked {
			fmt.Fprintln(w, l)
		}
		w.Flush()
	}
	pairs := len(names) * (len(names) - 1)
	if depends > 0 {
		fmt.Fprintf(out, "\n%d pairs, %d reach, %d blocked, %d depend on addresses the cloud chooses (simulated from the intent)\n", pairs, pairs-len(blocked), len(blocked)-depends, depends)
	} else {
		fmt.Fprintf(out, "\n%d pairs, %d reach, %d blocked (simulated from the intent)\n", pairs, pairs-len(blocked), len(blocked))
	}
	mcnlab.PrintServices(out, cp.ServiceVerdicts(), nil)
}
