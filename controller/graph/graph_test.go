package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/controller/graph"
	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/dataplane/mgmt"
	"github.com/mcnlab/mcnlab/topologies"
)

func plan(t *testing.T, file string) *intent.Plan {
	t.Helper()
	top, err := topologies.Load("../../topologies/" + file)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := intent.Compile(top)
	if err != nil {
		t.Fatal(err)
	}
	return cp
}

// healthy is every gateway's status with every tunnel up and every BGP
// session established, as the gateways of a converged lab report them.
func healthy(cp *intent.Plan) map[string]mgmt.Status {
	live := map[string]mgmt.Status{}
	add := func(k, name string, tunnel bool) {
		st := live[k]
		if tunnel {
			st.Tunnels = append(st.Tunnels, mgmt.Tunnel{Peer: name, State: mgmt.TunnelUp})
		}
		st.Sessions = append(st.Sessions, mgmt.Session{Name: name, State: "established"})
		live[k] = st
	}
	for _, tn := range cp.Tunnels {
		add(tn.A, tn.Name[0], true)
		add(tn.B, tn.Name[1], true)
	}
	for _, o := range cp.Overlays {
		add(o.Gateway, cp.SiteNeighbor(o.Site), false)
	}
	return live
}

// demoLive is the demo lab with one of prod-1's two tunnels to transit-2
// down and its session over it idle, shared-2 not answering, and
// transit-2's session to dc1 not established.
func demoLive(t *testing.T) (*intent.Plan, *graph.Graph) {
	cp := plan(t, "aws-transit.yaml")
	live := healthy(cp)
	st := live["prod-1"]
	for _, tn := range cp.Tunnels {
		if tn.A == "prod-1" && tn.B == "transit-2" {
			for i := range st.Tunnels {
				if st.Tunnels[i].Peer == tn.Name[0] {
					st.Tunnels[i].State = mgmt.TunnelDown
					st.Sessions[i].State = "idle"
					break
				}
			}
			break
		}
	}
	delete(live, "shared-2")
	tr := live["transit-2"]
	for i := range tr.Sessions {
		if tr.Sessions[i].Name == cp.SiteNeighbor("dc1") {
			tr.Sessions[i].State = "active"
		}
	}
	return cp, graph.Build(cp, live)
}

// TestBuildDemoLive: the demo's graph as JSON holds its cloud, region,
// the four VPCs inside the region with the gateways inside them, the site
// on-prem, an edge per gateway pair with the HPE tunnels counted and its
// live state, and the private lines with their sessions.
func TestBuildDemoLive(t *testing.T) {
	_, g := demoLive(t)
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(g); err != nil {
		t.Fatal(err)
	}
	var back graph.Graph
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	parent := map[string]string{}
	state := map[string]string{}
	for _, n := range back.Nodes {
		parent[n.ID], state[n.ID] = n.Parent, n.State
	}
	for id, want := range map[string]string{
		"cloud:aws": "", "region:aws/us-east-1": "cloud:aws", "network:prod-vpc": "region:aws/us-east-1",
		"network:transit-vpc": "region:aws/us-east-1", "gateway:transit-1": "network:transit-vpc",
		"gateway:shared-2": "network:shared-vpc", "on-prem": "", "site:dc1": "on-prem",
	} {
		if p, ok := parent[id]; !ok || p != want {
			t.Errorf("node %s: parent %q (present %v), want %q", id, p, ok, want)
		}
	}
	if state["gateway:shared-2"] != graph.StateDown || state["gateway:shared-1"] != graph.StateUp {
		t.Errorf("shared-2 %q, shared-1 %q; want down and up", state["gateway:shared-2"], state["gateway:shared-1"])
	}
	if len(back.Nodes) != 16 || !back.Live {
		t.Errorf("%d nodes (want 16: cloud, region, 4 VPCs, 8 gateways, on-prem, dc1), live %v", len(back.Nodes), back.Live)
	}
	edges := map[string]graph.Edge{}
	for _, e := range back.Edges {
		edges[e.From+" "+e.To] = e
	}
	for k, want := range map[string]graph.Edge{
		"gateway:prod-1 gateway:transit-1":   {Kind: graph.EdgeTunnels, Tunnels: 2, TunnelsUp: 2, Sessions: 2, SessionsUp: 2, State: graph.StateUp},
		"gateway:prod-1 gateway:transit-2":   {Kind: graph.EdgeTunnels, Tunnels: 2, TunnelsUp: 1, Sessions: 2, SessionsUp: 1, State: graph.StateDegraded},
		"gateway:shared-2 gateway:transit-1": {Kind: graph.EdgeTunnels, Tunnels: 2, Sessions: 2, State: graph.StateDown},
		"gateway:transit-1 site:dc1":         {Kind: graph.EdgePrivateLine, Sessions: 1, SessionsUp: 1, State: graph.StateUp},
		"gateway:transit-2 site:dc1":         {Kind: graph.EdgePrivateLine, Sessions: 1, State: graph.StateDown},
	} {
		e := edges[k]
		e.From, e.To = "", ""
		if e != want {
			t.Errorf("edge %s = %+v, want %+v", k, e, want)
		}
	}
	if len(back.Edges) != 14 {
		t.Errorf("%d edges, want 14 (12 gateway pairs, 2 private lines)", len(back.Edges))
	}
	if l := edges["gateway:prod-1 gateway:transit-2"].Label(); l != "2 tunnels 1 up, BGP 1/2" {
		t.Errorf("label %q", l)
	}
}

// TestDOTAndMermaid: both texts nest the VPCs' clusters in the region's
// and draw each edge with its label and colour.
func TestDOTAndMermaid(t *testing.T) {
	_, g := demoLive(t)
	var dot, mmd strings.Builder
	if err := g.WriteDOT(&dot); err != nil {
		t.Fatal(err)
	}
	if err := g.WriteMermaid(&mmd); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`graph "aws-transit" {`,
		"\n    subgraph \"cluster_region:aws/us-east-1\" {\n",
		"\n      subgraph \"cluster_network:prod-vpc\" {\n        label=\"prod-vpc\\n10.1.0.0/16 (aws-lab)\";",
		`"gateway:shared-2" [label="shared-2\nspoke AS64602 10.3.0.11" shape=box color=red];`,
		`"gateway:prod-1" -- "gateway:transit-2" [label="2 tunnels 1 up, BGP 1/2" color=orange style=solid];`,
		`"gateway:transit-1" -- "site:dc1" [label="private line, BGP 1/1" color=darkgreen style=dashed];`,
	} {
		if !strings.Contains(dot.String(), want) {
			t.Errorf("DOT lacks %q:\n%s", want, dot.String())
		}
	}
	m := mmd.String()
	if !strings.HasPrefix(m, "flowchart LR\n  subgraph n0 [\"aws\"]\n    subgraph n1 [\"us-east-1\"]\n") {
		t.Errorf("Mermaid does not start with the cloud and region subgraphs:\n%s", m)
	}
	for _, want := range []string{`["shared-2<br/>spoke AS64602 10.3.0.11<br/>down"]`, `-.-|"private line, BGP 0/1"|`,
		`---|"2 tunnels 1 up, BGP 1/2"|`, "stroke:orange"} {
		if !strings.Contains(m, want) {
			t.Errorf("Mermaid lacks %q:\n%s", want, m)
		}
	}
	ends := 0
	for _, l := range strings.Split(m, "\n") {
		if strings.TrimSpace(l) == "end" {
			ends++
		}
	}
	if o := strings.Count(m, "subgraph "); o != 7 || ends != o {
		t.Errorf("Mermaid opens %d subgraphs (want 7: the cloud, its region, 4 VPCs and on-prem) and closes %d", o, ends)
	}
}

// TestSVGRenders renders the demo (live) and a FireNet topology (from the
// file alone) with Graphviz: valid XML whose node titles are every node
// of the graph.
func TestSVGRenders(t *testing.T) {
	_, demo := demoLive(t)
	for _, g := range []*graph.Graph{demo, graph.Build(plan(t, "security.yaml"), nil)} {
		svg, err := g.SVG(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		titles := map[string]bool{}
		dec := xml.NewDecoder(bytes.NewReader(svg))
		var inTitle bool
		root := ""
		for {
			tok, err := dec.Token()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: the SVG is not valid XML: %v", g.Name, err)
			}
			switch x := tok.(type) {
			case xml.StartElement:
				if root == "" {
					root = x.Name.Local
				}
				inTitle = x.Name.Local == "title"
			case xml.CharData:
				if inTitle {
					titles[string(x)] = true
				}
			case xml.EndElement:
				inTitle = false
			}
		}
		if root != "svg" {
			t.Errorf("%s: root element %q, want svg", g.Name, root)
		}
		for _, n := range g.Nodes {
			if !titles[n.ID] && !titles["cluster_"+n.ID] {
				t.Errorf("%s: the SVG has no node or cluster %s", g.Name, n.ID)
			}
		}
	}
}
