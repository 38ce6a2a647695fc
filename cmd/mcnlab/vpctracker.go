package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/mcnlab/mcnlab/controller/tracker"
	mcnlab "github.com/mcnlab/mcnlab/lab"
)

func newVPCTracker() *cobra.Command {
	var lab, test string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "vpc-tracker [--lab NAME] [--json] [--test CIDR]",
		Short: "List every VPC/VNet CIDR of every account (read from the clouds' APIs) and every site's prefixes; --test says which a CIDR overlaps",
		Long: `vpc-tracker lists the address ranges in use across a cloud lab: every
network of every account of its topology as the account's cloud API lists
it (the controller's own and any other, default VPCs included: through the
controller's providers, so it reads real clouds the same way, and without
asking any gateway), and the prefixes each on-prem site advertises. Each row
names the other allocations it overlaps.

With --test CIDR it lists only the allocations that CIDR overlaps (inside,
around or equal), to check a new VPC's range before making it; none is
"no allocation overlaps CIDR".`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := pickLab(lab)
			if err != nil {
				return err
			}
			if !mcnlab.IsCloudLab(r.Name) {
				return fmt.Errorf("lab %s has no cloud accounts: vpc-tracker reads the clouds of a cloud lab", r.Name)
			}
			allocs, err := mcnlab.Allocations(cmd.Context(), r.Name)
			if err != nil {
				return err
			}
			if test != "" {
				if allocs, err = tracker.Test(allocs, test); err != nil {
					return err
				}
			}
			if asJSON {
				if allocs == nil {
					allocs = []tracker.Allocation{}
				}
				return writeJSON(cmd.OutOrStdout(), allocs)
			}
			if test != "" && len(allocs) == 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "no allocation overlaps %s\n", test)
				return nil
			}
			printAllocations(cmd.OutOrStdout(), allocs)
			return nil
		},
	}
	cmd.Flags().StringVar(&lab, labFlag, "", "lab name (default: the only lab on this machine)")
	cmd.Flags().StringVar(&test, "test", "", "list only the allocations that this CIDR overlaps")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the allocations as JSON")
	_ = cmd.RegisterFlagCompletionFunc(labFlag, completeLabs)
	return cmd
}

// printAllocations writes the tracker's table.
func printAllocations(out io.Writer, allocs []tracker.Allocation) {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "CIDR\tKIND\tNAME\tCLOUD\tACCOUNT\tREGION\tID\tMANAGED\tOVERLAPS")
	for _, a := range allocs {
		managed := "-"
		if a.Managed {
			managed = "yes"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a.CIDR, a.Kind, a.Name, a.Cloud, orDash(a.Account), orDash(a.Region),
			orDash(a.ID), managed, orDash(strings.Join(a.Overlaps, ", ")))
	}
	w.Flush()
}
