package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/mcnlab/mcnlab/controller/api"
	"github.com/mcnlab/mcnlab/controller/intent"
)

func newFlightPath() *cobra.Command {
	var o ctlFlags
	var req api.FlightPathRequest
	cmd := &cobra.Command{
		Use:   "flightpath SRC DST|NAME [--proto icmp|tcp|udp] [--port N] [--json] [--lab L]",
		Short: "Trace a flow between two workloads or site hosts through the clouds and the platform, with a verdict",
		Long: `FlightPath asks the lab's controller (POST /v1/flightpath) to trace a flow
from SRC to DST: for both ends, side by side, what the cloud says (the
instance's security groups, or on Azure the NSGs of its subnet and its
network interface with the rule that decides the flow marked *, its
subnet's route table with the route the other end takes marked * (on
Azure with the system routes), its subnet's network ACL), read through the
controller's cloud providers; then every hop in between (spoke and transit
gateways, route approvals, domain policy) and the reply's way back, each
with the steps it applied. DST may be a DNS name (or host) of the lab's
internet: the flow then leaves by the VPC's FQDN egress gateway, whose
step names the tag rule or base policy that decides the name, protocol
and port, followed by its source translation (a nat step). SRC may be a
host node behind a mapped site2cloud connection and DST the other
side's virtual address (or host): the gateway's nat step names the
connection and its mapping, real to virtual. The verdict says whether the flow passes and,
when not, the first step that blocks: which object, which rule or which
missing route. ` + "`mcnlab simulate`" + ` answers the whole matrix with the same
engine from the intent alone.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			req.From, req.To = args[0], args[1]
			if _, err := req.Flow(); err != nil {
				return err
			}
			cl, err := o.client()
			if err != nil {
				return err
			}
			fp, err := call(cmd, func(ctx context.Context) (api.FlightPath, error) { return cl.FlightPath(ctx, req) })
			if err != nil {
				return err
			}
			if o.asJSON {
				return writeJSON(cmd.OutOrStdout(), fp)
			}
			printFlightPath(cmd.OutOrStdout(), fp)
			return nil
		},
	}
	o.register(cmd)
	cmd.Flags().StringVar(&req.Protocol, "proto", "icmp", "the flow's protocol: icmp (echo), tcp or udp")
	cmd.Flags().Int32Var(&req.Port, "port", 0, "the destination port of tcp and udp")
	return cmd
}

// printFlightPath prints the verdict, the two ends side by side and the
// hops.
func printFlightPath(out io.Writer, fp api.FlightPath) {
	verdict := "REACHABLE"
	if !fp.Reachable {
		verdict = "BLOCKED"
	}
	fmt.Fprintf(out, "%s -> %s, %s: %s\n", fp.From, fp.To, fp.Flow, verdict)
	if b := fp.Block; b != nil {
		way := ""
		if b.Return {
			way = " (on the reply's way back)"
		}
		fmt.Fprintf(out, "  blocked at %s%s by %s %s: %s %s\n", b.Hop, way, b.Kind, b.Object, b.Action, b.Rule)
		fmt.Fprintf(out, "  why: %s\n", fp.Reason)
	}
	fmt.Fprintln(out)
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	var cols [2][]string
	for i, e := range fp.Ends {
		if i < 2 {
			cols[i] = endLines(e)
		}
	}
	fmt.Fprintf(w, "%s (source)\t%s (destination)\t\n", fp.From, fp.To)
	for i := range max(len(cols[0]), len(cols[1])) {
		var l, r string
		if i < len(cols[0]) {
			l = cols[0][i]
		}
		if i < len(cols[1]) {
			r = cols[1][i]
		}
		fmt.Fprintf(w, "%s\t%s\t\n", l, r)
	}
	w.Flush()
	printPathHops(out, "HOPS", fp.Hops)
	printPathHops(out, "RETURN", fp.Return)
}

// endLines lays an end out in lines of a label and a value.
func endLines(e api.FlightPathEnd) []string {
	l := endFields(e)
	for i, s := range l {
		k, v, _ := strings.Cut(s, "\t")
		l[i] = fmt.Sprintf("%-15s %s", k, v)
	}
	return l
}

// endFields lays an end out as "label\tvalue" lines.
func endFields(e api.FlightPathEnd) []string {
	if e.Site != "" {
		return []string{"site\t" + e.Site, "address\t" + e.Address.String()}
	}
	if e.Node != "" || e.Virtual.IsValid() {
		l := []string{"node\t" + e.Node, "address\t" + e.Address.String()}
		if e.Virtual.IsValid() {
			l = append(l, "virtual address\t"+e.Virtual.String())
		}
		return l
	}
	if e.Internet != "" {
		return []string{"internet host\t" + e.Internet, "name\t" + e.Name, "address\t" + e.Address.String()}
	}
	l := []string{"instance\t" + e.Instance, "address\t" + e.Address.String(), "subnet\t" + e.Subnet + " " + e.SubnetCIDR.String()}
	for _, g := range e.SecurityGroups {
		l = append(l, "security group\t"+g.ID+" "+g.Name)
		for _, r := range g.Ingress {
			l = append(l, "  ingress\t"+r)
		}
		for _, r := range g.Egress {
			l = append(l, "  egress\t"+r)
		}
	}
	for _, g := range e.NetworkSecurityGroups {
		l = append(l, "NSG ("+g.Association+")\t"+g.Name)
		for _, dir := range []struct {
			name  string
			rules []api.FlightPathNSGRule
		}{{"inbound", g.Inbound}, {"outbound", g.Outbound}} {
			for _, r := range dir.rules {
				l = append(l, fmt.Sprintf("  %s\t%s%s", dir.name, mark(r.Matched), r.Rule))
			}
		}
	}
	if t := e.RouteTable; t != nil {
		l = append(l, "route table\t"+t.ID)
		for _, r := range t.Routes {
			var note []string
			if r.Source != "" {
				note = append(note, strings.ToLower(r.Source))
			}
			if r.Inactive {
				note = append(note, "overridden")
			}
			how := string(r.Kind)
			if len(note) > 0 {
				how += ", " + strings.Join(note, ", ")
			}
			l = append(l, fmt.Sprintf("  route\t%s%s -> %s (%s)", mark(r.Matched), r.Destination, r.Target, how))
		}
	}
	if a := e.NetworkACL; a != nil {
		l = append(l, "network ACL\t"+a.ID)
		for _, r := range a.Inbound {
			l = append(l, "  inbound\t"+r)
		}
		for _, r := range a.Outbound {
			l = append(l, "  outbound\t"+r)
		}
	}
	return l
}

// mark is "* " before what decides the flow, "  " before the rest.
func mark(matched bool) string {
	if matched {
		return "* "
	}
	return "  "
}

// printPathHops prints a way's hops, each with its steps.
func printPathHops(out io.Writer, title string, hops []intent.Hop) {
	if len(hops) == 0 {
		return
	}
	fmt.Fprintf(out, "\n%s\n", title)
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	for i, h := range hops {
		fmt.Fprintf(w, "%2d %s (%s)\n", i+1, h.Node, h.Kind)
		for _, s := range h.Steps {
			fmt.Fprintf(w, "     %s\t%s\t%s\t%s\t%s\n", s.Kind, s.Object, s.Rule, s.Action, s.Detail)
		}
	}
	w.Flush()
}
