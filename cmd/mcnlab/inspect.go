package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/mcnlab/mcnlab/dataplane/mgmt"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/ipsec"
	"github.com/mcnlab/mcnlab/emulator/state"
	mcnlab "github.com/mcnlab/mcnlab/lab"
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
					return enc.Encode(struct {
						*state.Lab
						Gateways map[string]mgmt.Status `json:"gateways,omitempty"`
						IPsec    map[string][]ipsec.SA  `json:"ipsec,omitempty"`
					}{recs[0], gatewayStatus(cmd.Context(), recs[0]), ipsecSAs(cmd.Context(), recs[0])})
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
			if r.Phase == state.PhaseFailed && r.Error != "" {
				// A deploy --retain that failed: why, as deploy said it.
				w.Flush()
				fmt.Fprintf(out, "deploy failed: %s\n", r.Error)
			}
			fmt.Fprintln(w)
			fmt.Fprintln(w, "NODE\tKIND\tNAMESPACE\tINTERFACES")
			for _, n := range r.Nodes {
				if n.Kind == "instance" && mcnlab.IsCloudLab(r.Name) {
					continue // listed by name under cloud instances
				}
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
			printGateways(w, r, gatewayStatus(cmd.Context(), r))
			printIPsec(w, r, ipsecSAs(cmd.Context(), r))
			if mcnlab.IsCloudLab(r.Name) {
				w.Flush()
				return inspectCloud(cmd.Context(), out, r.Name)
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

// gatewayStatus asks every gateway of the lab for its status; a gateway that
// does not answer within a second is left out.
func gatewayStatus(ctx context.Context, r *state.Lab) map[string]mgmt.Status {
	out := map[string]mgmt.Status{}
	for _, n := range r.Nodes {
		if n.Kind != "gateway" {
			continue
		}
		c := mgmt.NewClient(emulator.GatewaySocket(r.Name, n.Name))
		cctx, cancel := context.WithTimeout(ctx, time.Second)
		st, err := c.Status(cctx)
		cancel()
		c.Close()
		if err == nil {
			out[n.Name] = st
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// printGateways writes each gateway's tunnels, BGP sessions and FIB.
func printGateways(w *tabwriter.Writer, r *state.Lab, gws map[string]mgmt.Status) {
	for _, n := range r.Nodes {
		if n.Kind != "gateway" {
			continue
		}
		st, ok := gws[n.Name]
		fmt.Fprintf(w, "\ngateway %s\n", n.Name)
		if !ok {
			fmt.Fprintln(w, "  (not answering on its management socket)")
			continue
		}
		fmt.Fprintln(w, "  TUNNEL\tSTATE\tENDPOINT\tRX\tTX\tHANDSHAKE")
		for _, t := range st.Tunnels {
			hs := "never"
			if !t.LastHandshake.IsZero() {
				hs = time.Since(t.LastHandshake).Round(time.Second).String() + " ago"
			}
			fmt.Fprintf(w, "  %s (%s)\t%s\t%s\t%d\t%d\t%s\n", t.Peer, t.Interface, t.State, t.Endpoint, t.RxBytes, t.TxBytes, hs)
		}
		fmt.Fprintln(w, "  BGP\tSTATE\tUPTIME\tRECEIVED\tACCEPTED\tADVERTISED")
		for _, s := range st.Sessions {
			state := s.State
			if s.BFD != "" {
				state += ", bfd " + strings.ToLower(s.BFD)
			}
			fmt.Fprintf(w, "  %s %s AS%d\t%s\t%s\t%d\t%d\t%d\n", s.Name, s.Address, s.ASN, state, time.Duration(s.UptimeSeconds)*time.Second, s.Received, s.Accepted, s.Advertised)
		}
		fmt.Fprintln(w, "  ROUTE\tNEXT HOPS")
		for _, rt := range st.Routes {
			var hops []string
			for _, h := range rt.NextHops {
				hops = append(hops, h.String())
			}
			fmt.Fprintf(w, "  %s\t%s\n", rt.Prefix, strings.Join(hops, ", "))
		}
	}
}
