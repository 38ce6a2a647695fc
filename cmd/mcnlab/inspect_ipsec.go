package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/ipsec"
	"github.com/mcnlab/mcnlab/emulator/state"
)

// ipsecSAs reads the IKE SAs (`swanctl --list-sas`) of every node of the
// lab that runs a charon (site-to-cloud gateways and strongswan routers);
// a charon that does not answer within a second is listed with no SAs
// and a nil entry is left out.
func ipsecSAs(ctx context.Context, r *state.Lab) map[string][]ipsec.SA {
	out := map[string][]ipsec.SA{}
	for _, n := range charonNodes(r) {
		dir := emulator.CharonDir(r.Name, n.Name)
		cctx, cancel := context.WithTimeout(ctx, time.Second)
		text, err := ipsec.Swanctl(cctx, dir, "--list-sas")
		cancel()
		sas, perr := ipsec.ParseSAs(text)
		if err != nil || perr != nil {
			sas = nil
		}
		out[n.Name] = append([]ipsec.SA{}, sas...)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// charonNodes are the nodes of r that run a charon, in r's order, then
// the cloud gateway instances that do (site2cloud connections to a
// spoke: their charon's directory is named by the gateway's key), by
// name.
func charonNodes(r *state.Lab) []state.Node {
	var out []state.Node
	for _, n := range r.Nodes {
		if _, err := os.Stat(emulator.CharonDir(r.Name, n.Name)); err == nil {
			out = append(out, n)
		}
	}
	dirs, _ := filepath.Glob(emulator.CharonDir(r.Name, "*"))
	for _, d := range dirs {
		name := filepath.Base(filepath.Dir(d))
		if !slices.ContainsFunc(r.Nodes, func(n state.Node) bool { return n.Name == name }) {
			out = append(out, state.Node{Name: name, Kind: "cloud gateway"})
		}
	}
	return out
}

// printIPsec writes the IKE SAs of each node that runs a charon: the
// connection, its state, the peer, and its child SAs with theirs.
func printIPsec(w *tabwriter.Writer, r *state.Lab, sas map[string][]ipsec.SA) {
	for _, n := range charonNodes(r) {
		list, ok := sas[n.Name]
		if !ok {
			continue
		}
		fmt.Fprintf(w, "\nipsec %s (%s)\n", n.Name, n.Kind)
		fmt.Fprintln(w, "  IKE SA\tSTATE\tPEER\tCHILD SAS")
		if len(list) == 0 {
			fmt.Fprintln(w, "  (none)")
		}
		for _, sa := range list {
			var children []string
			for name, st := range sa.Children {
				children = append(children, name+" "+st)
			}
			slices.Sort(children)
			fmt.Fprintf(w, "  %s\t%s\t%s\t%s\n", sa.Name, sa.State, sa.Remote, strings.Join(children, ", "))
		}
	}
}
