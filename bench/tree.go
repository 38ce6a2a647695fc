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
	routers := (n + 1) / 2
	hosts := n - routers
	t := &topologies.Topology{Name: lab, Version: topologies.FormatVersion, Defaults: topologies.Defaults{MTU: 1500}}
	ifCount := map[string]int{}
	nextIf := func(node string) string {
		i := ifCount[node]
		ifCount[node]++
		return fmt.Sprintf("eth%d", i)
	}
	base := netip.MustParseAddr("198.18.0.0").As4()
	linkAddrs := func(k int) (netip.Prefix, netip.Prefix) {
		v := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
		v += uint32(4 * k)
		a := netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v + 1)})
		b := netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v + 2)})
		return netip.PrefixFrom(a, 30), netip.PrefixFrom(b, 30)
	}
	rname := func(i int) string { return fmt.Sprintf("r%d", i) }
	hname := func(i int) string { return fmt.Sprintf("h%d", i) }
	nodes := map[string]*topologies.Node{}
	for i := range routers {
		nd := &topologies.Node{Name: rname(i), Kind: topologies.KindRouter}
		nodes[nd.Name] = nd
		t.Nodes = append(t.Nodes, nd)
	}
	for i := range hosts {
		nd := &topologies.Node{Name: hname(i), Kind: topologies.KindHost}
		nodes[nd.Name] = nd
		t.Nodes = append(t.Nodes, nd)
	}
	// adjacency for routes and distances: neighbour -> (its address toward us)
	type adj struct {
		peer string
		via  netip.Addr
		link netip.Prefix
	}
	nbr := map[string][]adj{}
	addLink := func(a, b string) {
		k := len(t.Links)
		pa, pb := linkAddrs(k)
		t.Links = append(t.Links, &topologies.Link{
			A:   topologies.Endpoint{Node: a, Interface: nextIf(a), Address: pa},
			B:   topologies.Endpoint{Node: b, Interface: nextIf(b), Address: pb},
			MTU: 1500,
		})
		nbr[a] = append(nbr[a], adj{b, pb.Addr(), pa.Masked()})
		nbr[b] = append(nbr[b], adj{a, pa.Addr(), pa.Masked()})
	}
	parent := map[string]string{}
	for i := 1; i < routers; i++ {
		p := rname((i - 1) / fanout)
		parent[rname(i)] = p
		addLink(p, rname(i))
	}
	for j := range hosts {
		r := rname(routers - 1 - j%routers) // leaves first: longest paths
		parent[hname(j)] = r
		addLink(r, hname(j))
	}
	// Routes: every node points its default route at its parent; each router
	// routes every link prefix below a child via that child.
	var below func(node string) []netip.Prefix
	memo := map[string][]netip.Prefix{}
	below = func(node string) []netip.Prefix {
		if v, ok := memo[node]; ok {
			return v
		}
		var out []netip.Prefix
		for _, a := range nbr[node] {
			if parent[a.peer] == node {
				out = append(out, a.link)
				out = append(out, below(a.peer)...)
			}
		}
		memo[node] = out
		return out
	}
	for _, nd := range t.Nodes {
		for _, a := range nbr[nd.Name] {
			if parent[nd.Name] == a.peer {
				nd.Routes = append(nd.Routes, topologies.Route{To: netip.MustParsePrefix("0.0.0.0/0"), Via: a.via})
			}
			if parent[a.peer] == nd.Name {
				for _, p := range below(a.peer) {
					nd.Routes = append(nd.Routes, topologies.Route{To: p, Via: a.via})
				}
			}
		}
	}
	// The two most distant hosts: farthest host from h0, then farthest from it.
	dist := func(from string) map[string]int {
		d := map[string]int{from: 0}
		q := []string{from}
		for len(q) > 0 {
			x := q[0]
			q = q[1:]
			for _, a := range nbr[x] {
				if _, ok := d[a.peer]; !ok {
					d[a.peer] = d[x] + 1
					q = append(q, a.peer)
				}
			}
		}
		return d
	}
	far := func(from string) (string, int) {
		d := dist(from)
		best, bd := from, -1
		for j := range hosts {
			if v := d[hname(j)]; v > bd {
				best, bd = hname(j), v
			}
		}
		return best, bd
	}
	a, _ := far(hname(0))
	b, hops := far(a)
	tr := &Tree{Topology: t, From: a, To: b, Hops: hops}
	for _, l := range t.Links {
		if l.B.Node == b {
			tr.ToAddr = l.B.Address.Addr()
		}
	}
	return tr, nil
}
