package graph

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
)

// children returns each node's children's indexes by parent ID, in
// node order.
func (g *Graph) children() map[string][]int {
	out := map[string][]int{}
	for i, n := range g.Nodes {
		out[n.Parent] = append(out[n.Parent], i)
	}
	return out
}

// cluster reports whether n is drawn as a cluster (a subgraph) holding
// its children: a cloud, region or network, and a site with a gateway.
func (g *Graph) cluster(n Node, kids map[string][]int) bool {
	switch n.Kind {
	case KindCloud, KindRegion, KindNetwork:
		return true
	case KindSite:
		return len(kids[n.ID]) > 0
	}
	return false
}

// text is a node's label, its detail on a second line and, with state,
// its state on a third.
func (n Node) text(state bool) string {
	s := n.Label
	if n.Detail != "" {
		s += "\n" + n.Detail
	}
	if state && n.State != "" {
		s += "\n" + n.State
	}
	return s
}

// colour is how a state is drawn.
func colour(state string) string {
	switch state {
	case StateUp:
		return "darkgreen"
	case StateDown:
		return "red"
	case StateDegraded:
		return "orange"
	}
	return "black"
}

// dotShapes are the node shapes by kind.
var dotShapes = map[string]string{KindGateway: "box", KindFirewall: "hexagon", KindSite: "house"}

// visitor draws the nodes: leaf a node drawn as itself, open and close
// a cluster around its children; ind is the indentation of the depth.
type visitor struct {
	leaf, open func(n Node, ind string)
	close      func(ind string)
}

// walk visits the nodes depth first, children in node order.
func (g *Graph) walk(v visitor) {
	kids := g.children()
	var rec func(parent string, depth int)
	rec = func(parent string, depth int) {
		ind := strings.Repeat("  ", depth)
		for _, i := range kids[parent] {
			n := g.Nodes[i]
			if !g.cluster(n, kids) {
				v.leaf(n, ind)
				continue
			}
			v.open(n, ind)
			rec(n.ID, depth+1)
			v.close(ind)
		}
	}
	rec("", 1)
}

// WriteDOT writes the graph in Graphviz's DOT language: a cluster per
// cloud, region, network and site, a node per gateway and firewall,
// edges coloured by state (green up, orange degraded, red down).
func (g *Graph) WriteDOT(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "graph %s {\n", strconv.Quote(g.Name))
	b.WriteString("  compound=true;\n  rankdir=LR;\n  node [fontname=\"Helvetica\" fontsize=10];\n  edge [fontname=\"Helvetica\" fontsize=9];\n")
	g.walk(visitor{
		leaf: func(n Node, ind string) {
			shape := dotShapes[n.Kind]
			if shape == "" {
				shape = "ellipse"
			}
			fmt.Fprintf(&b, "%s%s [label=%s shape=%s color=%s];\n", ind, strconv.Quote(n.ID), strconv.Quote(n.text(false)), shape, colour(n.State))
		},
		open: func(n Node, ind string) {
			fmt.Fprintf(&b, "%ssubgraph %s {\n%s  label=%s;\n%s  style=rounded;\n", ind, strconv.Quote("cluster_"+n.ID), ind, strconv.Quote(n.text(false)), ind)
			if n.Kind == KindSite {
				// A site holding gateways: its edges end at this point
				// inside it.
				fmt.Fprintf(&b, "%s  %s [label=%s shape=house];\n", ind, strconv.Quote(n.ID), strconv.Quote(n.Label))
			}
		},
		close: func(ind string) { fmt.Fprintf(&b, "%s}\n", ind) },
	})
	for _, e := range g.Edges {
		style := "solid"
		if e.Kind != EdgeTunnels {
			style = "dashed"
		}
		fmt.Fprintf(&b, "  %s -- %s [label=%s color=%s style=%s];\n", strconv.Quote(e.From), strconv.Quote(e.To),
			strconv.Quote(e.Label()), colour(e.State), style)
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// mermaidText escapes a label for a Mermaid quoted string.
func mermaidText(s string) string {
	return strings.NewReplacer(`"`, "#quot;", "\n", "<br/>").Replace(s)
}

// mermaidShapes are the node shapes by kind: the text's opening and
// closing brackets.
var mermaidShapes = map[string][2]string{KindFirewall: {`{{"`, `"}}`}, KindSite: {`(["`, `"])`}}

// WriteMermaid writes the graph as a Mermaid flowchart: a subgraph per
// cloud, region, network and site, edges labelled with their state
// (links coloured by linkStyle).
func (g *Graph) WriteMermaid(w io.Writer) error {
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	id := map[string]string{}
	for i, n := range g.Nodes {
		id[n.ID] = fmt.Sprintf("n%d", i)
	}
	g.walk(visitor{
		leaf: func(n Node, ind string) {
			sh, ok := mermaidShapes[n.Kind]
			if !ok {
				sh = [2]string{`["`, `"]`}
			}
			fmt.Fprintf(&b, "%s%s%s%s%s\n", ind, id[n.ID], sh[0], mermaidText(n.text(true)), sh[1])
		},
		open: func(n Node, ind string) {
			fmt.Fprintf(&b, "%ssubgraph %s [\"%s\"]\n", ind, id[n.ID], mermaidText(n.text(true)))
		},
		close: func(ind string) { fmt.Fprintf(&b, "%send\n", ind) },
	})
	for i, e := range g.Edges {
		arrow := "---"
		if e.Kind != EdgeTunnels {
			arrow = "-.-"
		}
		fmt.Fprintf(&b, "  %s %s|\"%s\"| %s\n", id[e.From], arrow, mermaidText(e.Label()), id[e.To])
		if e.State != "" {
			fmt.Fprintf(&b, "  linkStyle %d stroke:%s\n", i, colour(e.State))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// SVG renders the graph with Graphviz's dot program (Debian package
// graphviz), which must be on PATH.
func (g *Graph) SVG(ctx context.Context) ([]byte, error) {
	var src bytes.Buffer
	if err := g.WriteDOT(&src); err != nil {
		return nil, err
	}
	path, err := exec.LookPath("dot")
	if err != nil {
		return nil, fmt.Errorf("render SVG: Graphviz's dot is needed (Debian package graphviz): %w", err)
	}
	cmd := exec.CommandContext(ctx, path, "-Tsvg")
	cmd.Stdin = &src
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("render SVG with %s: %w: %s", path, err, strings.TrimSpace(stderr.String()))
	}
	return out.Bytes(), nil
}
