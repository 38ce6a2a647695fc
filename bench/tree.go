// Package bench holds the benchmarks users run with `mcnlab bench`: deploy
// and destroy time of generated labs now, HPE throughput and convergence
// later. Each reports numbers measured side by side in one run, as medians
// of repeats with their spread.
package bench

import (
	"fmt"
	"net/netip"

	"github.com/mcnlab/mcnlab/topologies"
)

// Tree is a generated generic lab: routers in a tree (fan-out 3) with hosts
// on them, addressed from the benchmarking range 198.18.0.0/15 (RFC 2544),
// with static routes so that every host reaches every other host.
type Tree struct {
	Topology *topologies.Topology
	// From and To are the two hosts farthest apart; ToAddr is To's address.
	From, To string
	ToAddr   netip.Addr
	Hops     int // links on the path between them
}

const fanout = 3

// GenerateTree builds a lab of n nodes (half routers, half hosts, n-1 links).
func GenerateTree(lab string, n int) (*Tree, error) {
	if n < 3 || n > 32000 {
		return nil, fmt.Errorf("generate tree: %d nodes; want 3 to 32000", n)
	}
	tb := &treeBuilder{
		t:       &topologies.Topology{Name: lab, Version: topologies.FormatVersion, Defaults: topologies.Defaults{MTU: 1500}},
		routers: (n + 1) / 2, ifCount: map[string]int{}, nbr: map[string][]adjacency{},
		parent: map[string]string{}, memo: map[string][]netip.Prefix{},
	}
	tb.hosts = n - tb.routers
	t := tb.t
	for i := range tb.routers {
		t.Nodes = append(t.Nodes, &topologies.Node{Name: routerName(i), Kind: topologies.KindRouter})
	}
	for i := range tb.hosts {
		t.Nodes = append(t.Nodes, &topologies.Node{Name: hostName(i), Kind: topologies.KindHost})
	}
	for i := 1; i < tb.routers; i++ {
		p := routerName((i - 1) / fanout)
		tb.parent[routerName(i)] = p
		tb.addLink(p, routerName(i))
	}
	for j := range tb.hosts {
		r := routerName(tb.routers - 1 - j%tb.routers) // leaves first: longest paths
		tb.parent[hostName(j)] = r
		tb.addLink(r, hostName(j))
	}
	tb.addRoutes()
	// The two most distant hosts: farthest host from h0, then farthest from it.
	a, _ := tb.farthestHost(hostName(0))
	b, hops := tb.farthestHost(a)
	tr := &Tree{Topology: t, From: a, To: b, Hops: hops}
	for _, l := range t.Links {
		if l.B.Node == b {
			tr.ToAddr = l.B.Address.Addr()
		}
	}
	return tr, nil
}

func routerName(i int) string { return fmt.Sprintf("r%d", i) }
func hostName(i int) string   { return fmt.Sprintf("h%d", i) }

// adjacency is a node's neighbour: its address toward the node and their
// link's prefix.
type adjacency struct {
	peer string
	via  netip.Addr
	link netip.Prefix
}

// treeBuilder builds GenerateTree's topology.
type treeBuilder struct {
	t              *topologies.Topology
	routers, hosts int
	ifCount        map[string]int         // interfaces made per node
	nbr            map[string][]adjacency // node -> neighbours
	parent         map[string]string      // node -> its parent router
	memo           map[string][]netip.Prefix
}

// nextIf names a node's next interface.
func (tb *treeBuilder) nextIf(node string) string {
	i := tb.ifCount[node]
	tb.ifCount[node]++
	return fmt.Sprintf("eth%d", i)
}

// linkAddrs are the two ends' addresses of the k-th link: the k-th /30 of
// 198.18.0.0/15.
func linkAddrs(k int) (netip.Prefix, netip.Prefix) {
	base := netip.MustParseAddr("198.18.0.0").As4()
	v := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	v += uint32(4 * k)
	a := netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v + 1)})
	b := netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v + 2)})
	return netip.PrefixFrom(a, 30), netip.PrefixFrom(b, 30)
}

// addLink links a and b with the next /30.
func (tb *treeBuilder) addLink(a, b string) {
	pa, pb := linkAddrs(len(tb.t.Links))
	tb.t.Links = append(tb.t.Links, &topologies.Link{
		A:   topologies.Endpoint{Node: a, Interface: tb.nextIf(a), Address: pa},
		B:   topologies.Endpoint{Node: b, Interface: tb.nextIf(b), Address: pb},
		MTU: 1500,
	})
	tb.nbr[a] = append(tb.nbr[a], adjacency{b, pb.Addr(), pa.Masked()})
	tb.nbr[b] = append(tb.nbr[b], adjacency{a, pa.Addr(), pa.Masked()})
}

// below lists the link prefixes under node.
func (tb *treeBuilder) below(node string) []netip.Prefix {
	if v, ok := tb.memo[node]; ok {
		return v
	}
	var out []netip.Prefix
	for _, a := range tb.nbr[node] {
		if tb.parent[a.peer] == node {
			out = append(out, a.link)
			out = append(out, tb.below(a.peer)...)
		}
	}
	tb.memo[node] = out
	return out
}

// addRoutes points every node's default route at its parent; each router
// routes every link prefix below a child via that child.
func (tb *treeBuilder) addRoutes() {
	for _, nd := range tb.t.Nodes {
		for _, a := range tb.nbr[nd.Name] {
			if tb.parent[nd.Name] == a.peer {
				nd.Routes = append(nd.Routes, topologies.Route{To: netip.MustParsePrefix("0.0.0.0/0"), Via: a.via})
			}
			if tb.parent[a.peer] == nd.Name {
				for _, p := range tb.below(a.peer) {
					nd.Routes = append(nd.Routes, topologies.Route{To: p, Via: a.via})
				}
			}
		}
	}
}

// farthestHost is the host farthest (in hops) from node from, and how far.
func (tb *treeBuilder) farthestHost(from string) (string, int) {
	d := map[string]int{from: 0}
	q := []string{from}
	for len(q) > 0 {
		x := q[0]
		q = q[1:]
		for _, a := range tb.nbr[x] {
			if _, ok := d[a.peer]; !ok {
				d[a.peer] = d[x] + 1
				q = append(q, a.peer)
			}
		}
	}
	best, bd := from, -1
	for j := range tb.hosts {
		if v := d[hostName(j)]; v > bd {
			best, bd = hostName(j), v
		}
	}
	return best, bd
}
