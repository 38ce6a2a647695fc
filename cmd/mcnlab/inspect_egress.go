package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/mcnlab/mcnlab/controller/api"
)

// printEgress writes each FQDN egress gateway as the controller reports
// it (base policy, public address, private subnets, decision counts) and
// its last decisions with their rules. A lab without egress gateways
// prints nothing.
func printEgress(ctx context.Context, w io.Writer, c *api.Client) {
	gs, err := c.EgressGateways(ctx)
	if err != nil || len(gs) == 0 {
		return
	}
	fmt.Fprintln(w, "\nEGRESS GATEWAY\tVPC\tBASE\tPUBLIC\tSUBNETS\tALLOWED\tDENIED")
	for _, g := range gs {
		base := g.Base
		if g.Applied != g.Base {
			base += " (holds " + orDash(g.Applied) + ")"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%d\t%d\n", g.Name, g.VPC, base, g.PublicIP, strings.Join(g.Subnets, ","), g.Allowed, g.Denied)
	}
	const last = 5
	for _, g := range gs {
		es, err := c.EgressLog(ctx, g.Name)
		if err != nil || len(es) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s: last decisions (all: mcnlab egress log)\n", g.Name)
		for _, e := range es[max(0, len(es)-last):] {
			rule := e.Rule
			if e.Tag != "" {
				rule = e.Tag + ": " + rule
			}
			fmt.Fprintf(w, "  %s\t%s > %s\t%s\t%s\t%s\t%s\n", e.Time.Format("15:04:05.000"), e.Src, e.Dst, orDash(e.Name), e.Verdict,
				rule, "("+e.By+")")
		}
	}
}
