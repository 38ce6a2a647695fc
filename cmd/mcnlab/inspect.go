package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/mcnlab/mcnlab/emulator/state"
)

func newInspect() *cobra.Command {
	var lab string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "inspect [--lab NAME] [--json]",
		Short: "Show the labs on this machine, or one lab's nodes and links",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			var recs []*state.Lab
			names := []string{lab}
			if lab == "" {
				var err error
				if names, err = state.List(); err != nil {
					return err
				}
			}
			for _, n := range names {
				r, err := state.Load(n)
				if err != nil {
					return err
				}
				recs = append(recs, r)
			}
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				if lab != "" {
					return enc.Encode(recs[0])
				}
				if recs == nil {
					recs = []*state.Lab{}
				}
				return enc.Encode(recs)
			}
			w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			defer w.Flush()
			if lab == "" {
				if len(recs) == 0 {
					fmt.Fprintln(out, "no labs on this machine")
					return nil
				}
				fmt.Fprintln(w, "LAB\tPHASE\tNODES\tLINKS\tAGE\tTOPOLOGY")
				for _, r := range recs {
					fmt.Fprintf(w, "%s\t%s\t%d\t%d\t%s\t%s\n", r.Name, r.Phase, len(r.Nodes), len(r.Links), age(r.Created), r.Topology)
				}
				return nil
			}
			r := recs[0]
			fmt.Fprintf(w, "lab %s\t%s\t%s\t%s\n", r.Name, r.Phase, age(r.Created), r.Topology)
			fmt.Fprintln(w)
			fmt.Fprintln(w, "NODE\tKIND\tNAMESPACE\tINTERFACES")
			for _, n := range r.Nodes {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", n.Name, n.Kind, n.Namespace, interfaces(r, n.Name))
			}
			fmt.Fprintln(w)
			fmt.Fprintln(w, "LINK\tMTU\tRATE")
			for _, l := range r.Links {
				rate := "-"
				if l.Rate > 0 {
					rate = fmt.Sprintf("%g Mbit/s", float64(l.Rate)/1e6)
				}
				fmt.Fprintf(w, "%s:%s -- %s:%s\t%d\t%s\n", l.A.Node, l.A.Interface, l.B.Node, l.B.Interface, l.MTU, rate)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&lab, labFlag, "", "lab name (default: list every lab)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON instead of a table")
	_ = cmd.RegisterFlagCompletionFunc(labFlag, completeLabs)
	return cmd
}

func interfaces(r *state.Lab, node string) string {
	var s []string
	for _, l := range r.Links {
		for _, e := range []state.LinkEnd{l.A, l.B} {
			if e.Node == node {
				x := e.Interface
				if e.Kernel != "" && e.Kernel != e.Interface {
					x += " (" + e.Kernel + ")"
				}
				if e.Address != "" {
					x += " " + e.Address
				}
				s = append(s, x)
			}
		}
	}
	return strings.Join(s, ", ")
}

func age(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return time.Since(t).Round(time.Second).String()
}
