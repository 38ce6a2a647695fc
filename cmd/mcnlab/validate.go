package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/topologies"
)

func newValidate() *cobra.Command {
	return &cobra.Command{
		Use:   "validate FILE...",
		Short: "Check topology files and print every error with file:line:column",
		Args:  cobra.MinimumNArgs(1),
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return []string{"yaml", "yml"}, cobra.ShellCompDirectiveFilterFileExt
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			bad := 0
			for _, f := range args {
				t, err := topologies.Load(f)
				if err != nil {
					fmt.Fprintln(cmd.ErrOrStderr(), err)
					bad++
					continue
				}
				if t.Cloud != nil {
					cp, err := intent.Compile(t)
					if err != nil {
						fmt.Fprintf(cmd.ErrOrStderr(), "%s:%v\n", f, err)
						bad++
						continue
					}
					fmt.Fprintf(cmd.OutOrStdout(), "%s: ok (lab %s: %d VPCs, %d gateways, %d tunnels, %d sites, %d nodes, %d links)\n", f, t.Name,
						len(t.Cloud.VPCs), len(cp.Gateways), len(cp.Tunnels), len(t.Cloud.Sites), len(t.Nodes), len(t.Links))
					continue
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s: ok (lab %s: %d nodes, %d links)\n", f, t.Name, len(t.Nodes), len(t.Links))
			}
			if bad > 0 {
				return exitError{1}
			}
			return nil
		},
	}
}

func newSchema() *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of the topology format (for editors)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := cmd.OutOrStdout().Write(topologies.Schema())
			return err
		},
	}
}
