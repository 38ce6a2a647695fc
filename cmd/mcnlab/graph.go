package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mcnlab/mcnlab/controller/graph"
	"github.com/mcnlab/mcnlab/controller/intent"
	mcnlab "github.com/mcnlab/mcnlab/lab"
	"github.com/mcnlab/mcnlab/topologies"
)

// graphFormats are graph's --format values.
var graphFormats = []string{"dot", "mermaid", "svg", "json"}

func newGraph() *cobra.Command {
	var lab, file, format string
	cmd := &cobra.Command{
		Use:   "graph [--lab NAME | -t FILE] [--format dot|mermaid|svg|json]",
		Short: "Draw a cloud lab's clouds, regions, networks, gateways, tunnels, sites and firewalls, with live tunnel and BGP state",
		Long: `graph draws a cloud topology: each cloud, region and network (VPC, VNet)
as a cluster holding its gateways and FireNet firewalls, the on-prem sites,
an edge per pair of gateways joined by tunnels (HPE's several counted), a
transit gateway's private line to a site, and its FireNet attachments.

Of a running lab (--lab, or the only lab) it shows the live state that the
gateways report over their management API: a gateway that does not answer
is down, and each edge says how many of its tunnels and BGP sessions are up
(green all, orange some, red none). With -t FILE it draws the topology file
alone, without state.

Formats: dot (Graphviz), mermaid (a flowchart for Markdown), svg (rendered
by Graphviz's dot, Debian package graphviz), json (nodes and edges).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var g *graph.Graph
			if file != "" {
				t, err := topologies.Load(file)
				if err != nil {
					return err
				}
				cp, err := intent.Compile(t)
				if err != nil {
					return err
				}
				g = graph.Build(cp, nil)
			} else {
				r, err := pickLab(lab)
				if err != nil {
					return err
				}
				if !mcnlab.IsCloudLab(r.Name) {
					return fmt.Errorf("lab %s has no cloud accounts: graph draws cloud labs (`mcnlab inspect` lists a plain lab's nodes and links)", r.Name)
				}
				if g, err = mcnlab.Graph(cmd.Context(), r.Name); err != nil {
					return err
				}
			}
			out := cmd.OutOrStdout()
			switch format {
			case "dot":
				return g.WriteDOT(out)
			case "mermaid":
				return g.WriteMermaid(out)
			case "json":
				return writeJSON(out, g)
			case "svg":
				svg, err := g.SVG(cmd.Context())
				if err != nil {
					return err
				}
				_, err = out.Write(svg)
				return err
			}
			return fmt.Errorf("--format %q: want one of %v", format, graphFormats)
		},
	}
	cmd.Flags().StringVar(&lab, labFlag, "", "lab name (default: the only lab on this machine)")
	cmd.Flags().StringVarP(&file, "topology", "t", "", "draw this topology file, without live state, instead of a lab")
	cmd.Flags().StringVar(&format, "format", "dot", "dot, mermaid, svg or json")
	_ = cmd.RegisterFlagCompletionFunc(labFlag, completeLabs)
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(graphFormats, cobra.ShellCompDirectiveNoFileComp))
	cmd.MarkFlagsMutuallyExclusive(labFlag, "topology")
	return cmd
}
