package main

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	mcnlab "github.com/mcnlab/mcnlab/lab"
)

func newReach() *cobra.Command {
	var lab string
	var timeout time.Duration
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "reach [--lab NAME] [--json]",
		Short: "Print the reachability matrix, measured with real pings (cloud labs: expected, seen and why blocked; the security services' verdicts, probed)",
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
			m, err := mcnlab.HostReachability(cmd.Context(), r, timeout)
			if err != nil {
				return err
			}
			printMatrix(cmd, m)
			if m.Failed > 0 {
				return fmt.Errorf("%d of %d host pairs cannot reach each other", m.Failed, m.Pairs)
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

func printMatrix(cmd *cobra.Command, m *mcnlab.HostMatrix) {
	w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "from \\ to\t%s\t\n", strings.Join(m.Hosts, "\t"))
	for _, s := range m.Hosts {
		row := []string{s}
		for _, d := range m.Hosts {
			switch rtt, ok := m.RTT[[2]string{s, d}]; {
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
	fmt.Fprintf(cmd.OutOrStdout(), "%d of %d host pairs reachable\n", m.Pairs-m.Failed, m.Pairs)
}
