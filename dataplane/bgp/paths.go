package bgp

import (
	"cmp"
	"context"
	"fmt"
	"net/netip"
	"slices"

	api "github.com/osrg/gobgp/v3/api"
	"google.golang.org/protobuf/types/known/anypb"
)

// Path is one best path to a prefix. With multipath, a prefix has several
// best paths of equal cost, one per next hop.
type Path struct {
	// Prefix is the destination.
	Prefix netip.Prefix
	// NextHop is where to forward to.
	NextHop netip.Addr
	// ASPath lists the AS numbers of the path, nearest first (AS_SET
	// members included in order); empty for local and iBGP-internal routes.
	ASPath []uint32
	// Peer is the neighbor the path was learned from; invalid for routes
	// this speaker originated.
	Peer netip.Addr
}

// PathEvent is a change of the best paths to one prefix.
type PathEvent struct {
	// Prefix is the destination that changed.
	Prefix netip.Prefix
	// Withdraw is true when no path to Prefix remains.
	Withdraw bool
	// Paths are all equal-cost best paths after the change, sorted by next
	// hop; empty when Withdraw is true.
	Paths []Path
}

// NextHops folds best paths into the prefix → next hops form that
// dataplane/fib's Sync takes.
func NextHops(paths []Path) map[netip.Prefix][]netip.Addr {
	m := make(map[netip.Prefix][]netip.Addr)
	for _, p := range paths {
		if !slices.Contains(m[p.Prefix], p.NextHop) {
			m[p.Prefix] = append(m[p.Prefix], p.NextHop)
		}
	}
	return m
}

// Advertise originates prefix with nextHop into the speaker's table; peers
// receive it subject to their export filters. Advertising a prefix again
// replaces its next hop.
func (s *Speaker) Advertise(ctx context.Context, prefix netip.Prefix, nextHop netip.Addr) error {
	prefix = prefix.Masked()
	if !prefix.IsValid() || !nextHop.IsValid() || prefix.Addr().Is4() != nextHop.Is4() {
		return fmt.Errorf("bgp advertise %s via %s: prefix and next hop must be valid and of one family", prefix, nextHop)
	}
	path, err := apiPath(prefix, nextHop)
	if err != nil {
		return fmt.Errorf("bgp advertise %s: %w", prefix, err)
	}
	var uuid []byte
	err = s.do(ctx, "advertise "+prefix.String(), func(ctx context.Context) error {
		r, err := s.srv.AddPath(ctx, &api.AddPathRequest{TableType: api.TableType_GLOBAL, Path: path})
		if err == nil {
			uuid = r.Uuid
		}
		return err
	})
	if err != nil {
		return err
	}
	// GoBGP keys local paths by prefix: the new path replaced the old one
	// and its UUID.
	s.mu.Lock()
	s.adverts[prefix] = uuid
	s.mu.Unlock()
	return nil
}

// Withdraw stops originating prefix. Withdrawing a prefix that is not
// advertised is not an error.
func (s *Speaker) Withdraw(ctx context.Context, prefix netip.Prefix) error {
	prefix = prefix.Masked()
	s.mu.Lock()
	uuid, ok := s.adverts[prefix]
	s.mu.Unlock()
	if !ok {
		return nil
	}
	err := s.do(ctx, "withdraw "+prefix.String(), func(ctx context.Context) error {
		return s.srv.DeletePath(ctx, &api.DeletePathRequest{TableType: api.TableType_GLOBAL, Uuid: uuid})
	})
	if err != nil {
		return err
	}
	s.mu.Lock()
	if string(s.adverts[prefix]) == string(uuid) {
		delete(s.adverts, prefix)
	}
	s.mu.Unlock()
	return nil
}

// BestPaths returns every best path in the speaker's table, all equal-cost
// paths of a prefix included, sorted by prefix then next hop.
func (s *Speaker) BestPaths(ctx context.Context) ([]Path, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("bgp best paths: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Path
	for _, ps := range s.rib {
		for _, p := range ps {
			out = append(out, clonePath(p))
		}
	}
	slices.SortFunc(out, comparePath)
	return out, nil
}

// NextHops returns the next hops of the best paths that keep accepts, in
// the prefix → next hops form of NextHops(BestPaths) (next hops sorted),
// without copying or sorting the paths: a gateway's FIB reads it on every
// sync, and during an update storm the table holds tens of thousands of
// prefixes.
func (s *Speaker) NextHops(ctx context.Context, keep func(Path) bool) (map[netip.Prefix][]netip.Addr, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("bgp next hops: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := make(map[netip.Prefix][]netip.Addr, len(s.rib))
	for prefix, ps := range s.rib {
		var nhs []netip.Addr
		for _, p := range ps { // sorted by next hop (onBest)
			if keep(p) && (len(nhs) == 0 || nhs[len(nhs)-1] != p.NextHop) {
				nhs = append(nhs, p.NextHop)
			}
		}
		if len(nhs) > 0 {
			m[prefix] = nhs
		}
	}
	return m, nil
}

// Watch calls fn with the current best paths (as non-withdraw events), then
// with every change, until ctx is done or the speaker is closed; it returns
// ctx's error or ErrClosed. fn runs on the caller's goroutine, one batch at a
// time; a slow fn delays only its own later batches.
func (s *Speaker) Watch(ctx context.Context, fn func([]PathEvent)) error {
	sub := &subscriber{wake: make(chan struct{}, 1)}
	s.mu.Lock()
	var initial []PathEvent
	for prefix, ps := range s.rib {
		initial = append(initial, PathEvent{Prefix: prefix, Paths: clonePaths(ps)})
	}
	s.subs[sub] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.subs, sub)
		s.mu.Unlock()
	}()
	slices.SortFunc(initial, func(a, b PathEvent) int { return comparePrefix(a.Prefix, b.Prefix) })
	if len(initial) > 0 {
		fn(initial)
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.closed:
			return ErrClosed
		case <-sub.wake:
			for _, batch := range sub.take() {
				fn(batch)
			}
		}
	}
}

// onBest receives GoBGP's best-path events (multipath sets flattened into
// one list) and turns them into PathEvents.
func (s *Speaker) onBest(r *api.WatchEventResponse) {
	t := r.GetTable()
	if t == nil || len(t.Paths) == 0 {
		return
	}
	type group struct {
		paths    []Path
		withdraw bool
	}
	groups := make(map[netip.Prefix]*group)
	var order []netip.Prefix
	for _, ap := range t.Paths {
		p, err := fromAPIPath(ap)
		if err != nil {
			continue // not unicast, or malformed: not ours to report
		}
		g, ok := groups[p.Prefix]
		if !ok {
			g = &group{}
			groups[p.Prefix] = g
			order = append(order, p.Prefix)
		}
		if ap.IsWithdraw {
			g.withdraw = true
			continue
		}
		g.paths = append(g.paths, p)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var events []PathEvent
	for _, prefix := range order {
		g := groups[prefix]
		old, had := s.rib[prefix]
		if len(g.paths) == 0 {
			if !had {
				continue
			}
			delete(s.rib, prefix)
			events = append(events, PathEvent{Prefix: prefix, Withdraw: true})
			continue
		}
		slices.SortFunc(g.paths, comparePath)
		if had && slices.EqualFunc(old, g.paths, equalPath) {
			continue
		}
		s.rib[prefix] = g.paths
		events = append(events, PathEvent{Prefix: prefix, Paths: clonePaths(g.paths)})
	}
	s.rib = shrunk(s.rib, &s.ribPeak)
	if len(events) == 0 {
		return
	}
	for sub := range s.subs {
		sub.push(events)
	}
}

// shrinkFrom is the peak size from which a map that lost most of its
// entries is rebuilt (shrunk).
const shrinkFrom = 1024

// shrunk returns m, or a copy of it sized to its entries when it holds
// less than a quarter of its peak (at least shrinkFrom): a Go map keeps
// the memory of its largest size after deletions, and a gateway's table
// of best paths grows to tens of thousands of prefixes while an on-prem
// network announces them, then shrinks back when it withdraws them.
// peak is m's largest size so far, updated.
func shrunk[K comparable, V any](m map[K]V, peak *int) map[K]V {
	n := len(m)
	if *peak >= shrinkFrom && n < *peak/4 {
		c := make(map[K]V, n)
		for k, v := range m {
			c[k] = v
		}
		*peak = n
		return c
	}
	*peak = max(*peak, n)
	return m
}

func apiPath(prefix netip.Prefix, nextHop netip.Addr) (*api.Path, error) {
	nlri, err := anypb.New(&api.IPAddressPrefix{Prefix: prefix.Addr().String(), PrefixLen: uint32(prefix.Bits())})
	if err != nil {
		return nil, err
	}
	origin, err := anypb.New(&api.OriginAttribute{Origin: 0}) // IGP
	if err != nil {
		return nil, err
	}
	family := &api.Family{Afi: api.Family_AFI_IP, Safi: api.Family_SAFI_UNICAST}
	var nh *anypb.Any
	if prefix.Addr().Is4() {
		nh, err = anypb.New(&api.NextHopAttribute{NextHop: nextHop.String()})
	} else {
		family = &api.Family{Afi: api.Family_AFI_IP6, Safi: api.Family_SAFI_UNICAST}
		nh, err = anypb.New(&api.MpReachNLRIAttribute{Family: family, NextHops: []string{nextHop.String()}, Nlris: []*anypb.Any{nlri}})
	}
	if err != nil {
		return nil, err
	}
	return &api.Path{Family: family, Nlri: nlri, Pattrs: []*anypb.Any{origin, nh}}, nil
}

// fromAPIPath decodes a unicast path; other families are an error. Only
// the attributes a Path holds are decoded, each into its own type (a
// gateway decodes every path of an update storm, and UnmarshalNew looks
// each type up in the registry).
func fromAPIPath(ap *api.Path) (Path, error) {
	var p Path
	if ap.Nlri == nil {
		return p, fmt.Errorf("path without NLRI")
	}
	var n api.IPAddressPrefix
	if !ap.Nlri.MessageIs(&n) {
		return p, fmt.Errorf("NLRI %s is not unicast", ap.Nlri.TypeUrl)
	}
	if err := ap.Nlri.UnmarshalTo(&n); err != nil {
		return p, fmt.Errorf("decode NLRI: %w", err)
	}
	addr, err := netip.ParseAddr(n.Prefix)
	if err != nil {
		return p, fmt.Errorf("decode NLRI: %w", err)
	}
	p.Prefix, err = addr.Prefix(int(n.PrefixLen))
	if err != nil {
		return p, fmt.Errorf("decode NLRI: %w", err)
	}
	for _, a := range ap.Pattrs {
		var (
			nh   api.NextHopAttribute
			mp   api.MpReachNLRIAttribute
			path api.AsPathAttribute
		)
		switch {
		case a.MessageIs(&nh):
			if a.UnmarshalTo(&nh) == nil {
				p.NextHop, _ = netip.ParseAddr(nh.NextHop)
			}
		case a.MessageIs(&mp):
			if a.UnmarshalTo(&mp) == nil && len(mp.NextHops) > 0 {
				p.NextHop, _ = netip.ParseAddr(mp.NextHops[0])
			}
		case a.MessageIs(&path):
			if a.UnmarshalTo(&path) == nil {
				for _, seg := range path.Segments {
					p.ASPath = append(p.ASPath, seg.Numbers...)
				}
			}
		}
	}
	if nip, err := netip.ParseAddr(ap.NeighborIp); err == nil && !nip.IsUnspecified() {
		p.Peer = nip
	}
	return p, nil
}

func comparePrefix(a, b netip.Prefix) int {
	if c := a.Addr().Compare(b.Addr()); c != 0 {
		return c
	}
	return cmp.Compare(a.Bits(), b.Bits())
}

func comparePath(a, b Path) int {
	if c := comparePrefix(a.Prefix, b.Prefix); c != 0 {
		return c
	}
	if c := a.NextHop.Compare(b.NextHop); c != 0 {
		return c
	}
	return a.Peer.Compare(b.Peer)
}

func equalPath(a, b Path) bool {
	return a.Prefix == b.Prefix && a.NextHop == b.NextHop && a.Peer == b.Peer && slices.Equal(a.ASPath, b.ASPath)
}

func clonePath(p Path) Path {
	p.ASPath = slices.Clone(p.ASPath)
	return p
}

func clonePaths(ps []Path) []Path {
	out := make([]Path, len(ps))
	for i, p := range ps {
		out[i] = clonePath(p)
	}
	return out
}
