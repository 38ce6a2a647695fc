package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/mcnlab/mcnlab/controller/api"
)

func newEgress() *cobra.Command {
	o := &ctlFlags{}
	cmd := &cobra.Command{
		Use:   "egress",
		Short: "Show the FQDN egress gateways and their decision logs, switch their base policy",
		Long: `egress talks to the lab's controller about the VPCs' FQDN egress gateways
(the egress block of a VPC in the topology): each lets the clients of its
VPC's private subnets out by the name each new connection asks for (TLS SNI,
HTTP Host) or, for other protocols, by the addresses the rules' names
resolve to, and logs every decision with the rule that made it.

  mcnlab egress gateways --lab L             the gateways, their base policy and counts
  mcnlab egress log --lab L [GATEWAY]        the decisions, oldest first
  mcnlab egress base --lab L GATEWAY deny-list   switch the base policy`,
		Args: cobra.NoArgs,
	}
	o.register(cmd)
	cmd.AddCommand(newEgressGateways(o), newEgressLog(o), newEgressBase(o))
	return cmd
}

func newEgressGateways(o *ctlFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "gateways [--lab NAME] [--json]",
		Short: "List the egress gateways: base policy, public address, private subnets, decisions",
		Args:  cobra.NoArgs,
		RunE: listRun(o, (*api.Client).EgressGateways, "no egress gateways", "GATEWAY\tVPC\tBASE\tPUBLIC IP\tSUBNETS\tALLOWED\tDENIED",
			func(w io.Writer, g api.EgressGateway) {
				base := g.Base
				if g.Applied != "" && g.Applied != g.Base {
					base += " (holds " + g.Applied + ")"
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%d\t%d\n", g.Name, g.VPC, base, g.PublicIP, strings.Join(g.Subnets, ","), g.Allowed, g.Denied)
			}),
	}
}

func newEgressLog(o *ctlFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "log [GATEWAY] [--lab NAME] [--json]",
		Short: "Print the egress gateways' decisions, each with the rule that made it",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := o.client()
			if err != nil {
				return err
			}
			var names []string
			if len(args) == 1 {
				names = args
			} else {
				gs, err := call(cmd, c.EgressGateways)
				if err != nil {
					return err
				}
				for _, g := range gs {
					names = append(names, g.Name)
				}
			}
			all := map[string][]api.EgressDecision{}
			for _, n := range names {
				es, err := call(cmd, func(ctx context.Context) ([]api.EgressDecision, error) { return c.EgressLog(ctx, n) })
				if err != nil {
					return err
				}
				all[n] = es
			}
			out := cmd.OutOrStdout()
			if o.asJSON {
				return printJSON(out, all)
			}
			w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "GATEWAY\tTIME\tSOURCE\tDESTINATION\tPROTO\tNAME\tBY\tVERDICT\tRULE")
			for _, n := range names {
				for _, e := range all[n] {
					rule := e.Rule
					if e.Tag != "" {
						rule = e.Tag + ": " + rule
					}
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", n, e.Time.Format("15:04:05.000"), e.Src, e.Dst, e.Proto,
						orDash(e.Name), e.By, e.Verdict, rule)
				}
			}
			return w.Flush()
		},
	}
}

// orDash is s, or "-" when empty.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func newEgressBase(o *ctlFlags) *cobra.Command {
	return &cobra.Command{
		Use:       "base GATEWAY allow-list|deny-list [--lab NAME] [--json]",
		Short:     "Switch an egress gateway's base policy (kept across controller restarts)",
		Args:      cobra.ExactArgs(2),
		ValidArgs: []string{"allow-list", "deny-list"},
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := o.client()
			if err != nil {
				return err
			}
			g, err := call(cmd, func(ctx context.Context) (api.EgressGateway, error) { return c.SetEgressBase(ctx, args[0], args[1]) })
			if err != nil {
				return err
			}
			if o.asJSON {
				return printJSON(cmd.OutOrStdout(), g)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "egress gateway %s: base policy %s\n", g.Name, g.Base)
			return nil
		},
	}
}
