package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/mcnlab/mcnlab/controller/api"
	"github.com/mcnlab/mcnlab/emulator"
	mcnlab "github.com/mcnlab/mcnlab/lab"
)

// inspectCloud prints what a cloud lab's controller reports: the
// gateways, the segmentation policy with what the gateways dropped, and
// the routes held for approval.
func inspectCloud(ctx context.Context, out io.Writer, lab string) error {
	c, err := mcnlab.API(lab)
	if err != nil {
		return err
	}
	st, err := c.Status(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	p, instances, err := mcnlab.PlanAndInstances(ctx, lab)
	if err != nil {
		// Say why the instances and FireNet sections are missing rather
		// than leave them out silently.
		fmt.Fprintf(w, "\ncloud instances: %v\n", err)
	} else {
		defer func() { printFireNet(ctx, w, lab, p, instances); printPSF(ctx, w, lab, p, instances); w.Flush() }() // after the rest
		keys := make([]string, 0, len(instances))
		for k := range instances {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		fmt.Fprintln(w, "\nCLOUD INSTANCE\tID\tNAMESPACE\tPRIVATE\tPUBLIC")
		for _, k := range keys {
			in := instances[k]
			pub := "-"
			if in.PublicIP.IsValid() {
				pub = in.PublicIP.String()
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", k, in.ID, emulator.InstanceNamespace(lab, in.ID), in.PrivateIP, pub)
		}
	}
	printInternet(w, lab)
	printGuardDuty(w, lab)
	printEgress(ctx, w, c)
	fmt.Fprintf(w, "\ncontroller: converged %v\n", st.Converged)
	if !st.Converged && len(st.Waiting) > 0 {
		fmt.Fprintf(w, "waiting for:\n%s", mcnlab.WaitingLines(st.Waiting, "  "))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "GATEWAY\tROLE\tGROUP\tINSTANCE\tPRIVATE\tPUBLIC\tTUNNELS UP\tSESSIONS UP")
	for _, g := range st.Gateways {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%d/%d\t%d/%d\n", g.Name, g.Role, g.Group, g.InstanceID, g.PrivateIP, g.PublicIP,
			g.TunnelsUp, g.Tunnels, g.SessionsUp, g.Sessions)
	}
	seg, err := c.Segmentation(ctx)
	if err != nil {
		return err
	}
	printSegmentation(w, seg)
	pend, err := c.Pending(ctx)
	if err != nil {
		return err
	}
	if len(pend) > 0 {
		fmt.Fprintln(w, "\nPENDING APPROVAL\tSITE\tTRANSIT")
		for _, p := range pend {
			fmt.Fprintf(w, "%s\t%s\t%s\n", p.Prefix, p.Site, p.Transit)
		}
		fmt.Fprintf(w, "(approve with `mcnlab routes approve SITE PREFIX --lab %s`)\n", lab)
	}
	return w.Flush()
}

// printSegmentation writes the domains with their own members and
// prefixes, the connection policy (or that there is none) and what the
// gateways dropped.
func printSegmentation(w io.Writer, seg api.Segmentation) {
	if len(seg.Domains) == 0 {
		return
	}
	fmt.Fprintln(w, "\nDOMAIN\tMEMBERS\tPREFIXES")
	for _, d := range seg.Domains {
		ps := make([]string, len(d.Prefixes))
		for i, p := range d.Prefixes {
			ps[i] = p.String()
		}
		fmt.Fprintf(w, "%s\t%s\t%s\n", d.Name, strings.Join(d.Members, ", "), strings.Join(ps, ", "))
	}
	var conns []string
	for _, cn := range seg.Connections {
		conns = append(conns, cn[0]+" <-> "+cn[1])
	}
	if len(conns) == 0 {
		fmt.Fprintf(w, "\nconnection policy: none; only members of one domain reach each other, every pair of domains is dropped at the transit gateways\n")
	} else {
		fmt.Fprintf(w, "\nconnection policy: %s; every other pair of domains is dropped at the transit gateways\n", strings.Join(conns, ", "))
	}
	for _, d := range seg.Drops {
		if d.Packets > 0 {
			fmt.Fprintf(w, "  %s dropped %d packets from %s to %s\n", d.Gateway, d.Packets, d.From, d.To)
		}
	}
}
