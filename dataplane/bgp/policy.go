package bgp

import (
	"context"
	"errors"
	"fmt"
	"net/netip"

	api "github.com/osrg/gobgp/v3/api"
)

// GoBGP v3 allows per-neighbor policies only on route-server clients, so a
// neighbor's filters and prepend are global policies whose every statement
// is scoped to that neighbor by a one-address neighbor set. Export
// statements match the receiving neighbor, import statements the sending
// one. Names carry a sequence number so an update can install the new
// policy before removing the old one.

// installedPolicy names what installPolicies made for one direction.
type installedPolicy struct {
	dir    api.PolicyDirection
	policy string
	sets   []*api.DefinedSet // names and types only
}

// lengths returns the prefix-length range a filter matches.
func (f PrefixFilter) lengths() (ge, le int, err error) {
	if !f.Prefix.IsValid() {
		return 0, 0, fmt.Errorf("filter prefix %q invalid", f.Prefix)
	}
	bits, maxBits := f.Prefix.Bits(), f.Prefix.Addr().BitLen()
	ge, le = f.GE, f.LE
	switch {
	case ge == 0 && le == 0:
		ge, le = bits, bits
	case le == 0:
		le = maxBits
	case ge == 0:
		ge = bits
	}
	if ge < bits || le < ge || le > maxBits {
		return 0, 0, fmt.Errorf("filter %s ge %d le %d: need %d <= ge <= le <= %d", f.Prefix, f.GE, f.LE, bits, maxBits)
	}
	return ge, le, nil
}

// Matches reports whether the filter allows p: p lies inside Prefix (same
// family) and its length is in the filter's range. An invalid filter
// matches nothing.
func (f PrefixFilter) Matches(p netip.Prefix) bool {
	ge, le, err := f.lengths()
	if err != nil || !p.IsValid() || p.Addr().Is4() != f.Prefix.Addr().Is4() {
		return false
	}
	return p.Bits() >= ge && p.Bits() <= le && f.Prefix.Masked().Contains(p.Addr())
}

// installPolicies adds the import and export policies for pc. On error it
// removes what it added.
func (s *Speaker) installPolicies(ctx context.Context, pc PeerConfig) ([]installedPolicy, error) {
	s.mu.Lock()
	s.policyID++
	id := s.policyID
	s.mu.Unlock()
	var done []installedPolicy
	for _, dir := range []api.PolicyDirection{api.PolicyDirection_IMPORT, api.PolicyDirection_EXPORT} {
		filters, restrict := pc.importFilters()
		prepend, notFrom := 0, []uint32(nil)
		if dir == api.PolicyDirection_EXPORT {
			filters, restrict, prepend, notFrom = pc.Export, len(pc.Export) > 0, pc.Prepend, pc.NotFrom
		}
		if !restrict && prepend == 0 && len(notFrom) == 0 {
			continue
		}
		ip, err := s.installPolicy(ctx, fmt.Sprintf("mcn-%d-%s-%s", id, dir, pc.Address), dir, pc.Address, filters, restrict, prepend, notFrom)
		if err != nil {
			return nil, errors.Join(err, s.removePolicies(ctx, done))
		}
		done = append(done, ip)
	}
	return done, nil
}

// installPolicy adds one direction's policy for peer: routes whose AS
// path holds an AS of notFrom are rejected first; then, with restrict,
// only prefixes matching filters are accepted (none when filters is
// empty); without, everything is.
func (s *Speaker) installPolicy(ctx context.Context, name string, dir api.PolicyDirection, peer netip.Addr, filters []PrefixFilter, restrict bool, prepend int, notFrom []uint32) (installedPolicy, error) {
	ip := installedPolicy{dir: dir, policy: name}
	nbr := &api.DefinedSet{DefinedType: api.DefinedType_NEIGHBOR, Name: name + "-nbr", List: []string{netip.PrefixFrom(peer, peer.BitLen()).String()}}
	sets := []*api.DefinedSet{nbr}
	// GoBGP prefix sets hold one address family each.
	v4 := &api.DefinedSet{DefinedType: api.DefinedType_PREFIX, Name: name + "-v4"}
	v6 := &api.DefinedSet{DefinedType: api.DefinedType_PREFIX, Name: name + "-v6"}
	for _, f := range filters {
		ge, le, err := f.lengths()
		if err != nil {
			return ip, err
		}
		p := &api.Prefix{IpPrefix: f.Prefix.Masked().String(), MaskLengthMin: uint32(ge), MaskLengthMax: uint32(le)}
		if f.Prefix.Addr().Is4() {
			v4.Prefixes = append(v4.Prefixes, p)
		} else {
			v6.Prefixes = append(v6.Prefixes, p)
		}
	}
	var prep *api.AsPrependAction
	if prepend > 0 {
		prep = &api.AsPrependAction{Asn: s.asn, Repeat: uint32(prepend)}
	}
	nbrMatch := &api.MatchSet{Type: api.MatchSet_ANY, Name: nbr.Name}
	var stmts []*api.Statement
	if len(notFrom) > 0 {
		// GoBGP reads _N_ as AS N anywhere in the path, as Cisco does.
		asp := &api.DefinedSet{DefinedType: api.DefinedType_AS_PATH, Name: name + "-asp"}
		for _, as := range notFrom {
			asp.List = append(asp.List, fmt.Sprintf("_%d_", as))
		}
		sets = append(sets, asp)
		stmts = append(stmts, &api.Statement{
			Conditions: &api.Conditions{NeighborSet: nbrMatch, AsPathSet: &api.MatchSet{Type: api.MatchSet_ANY, Name: asp.Name}},
			Actions:    &api.Actions{RouteAction: api.RouteAction_REJECT},
		})
	}
	if !restrict {
		stmts = append(stmts, &api.Statement{
			Conditions: &api.Conditions{NeighborSet: nbrMatch},
			Actions:    &api.Actions{RouteAction: api.RouteAction_ACCEPT, AsPrepend: prep},
		})
	} else {
		for _, ps := range []*api.DefinedSet{v4, v6} {
			if len(ps.Prefixes) == 0 {
				continue
			}
			sets = append(sets, ps)
			stmts = append(stmts, &api.Statement{
				Conditions: &api.Conditions{NeighborSet: nbrMatch, PrefixSet: &api.MatchSet{Type: api.MatchSet_ANY, Name: ps.Name}},
				Actions:    &api.Actions{RouteAction: api.RouteAction_ACCEPT, AsPrepend: prep},
			})
		}
		stmts = append(stmts, &api.Statement{
			Conditions: &api.Conditions{NeighborSet: nbrMatch},
			Actions:    &api.Actions{RouteAction: api.RouteAction_REJECT},
		})
	}
	for i, st := range stmts {
		st.Name = fmt.Sprintf("%s-%d", name, i)
	}
	for _, set := range sets {
		err := s.do(ctx, "add defined set "+set.Name, func(ctx context.Context) error {
			return s.srv.AddDefinedSet(ctx, &api.AddDefinedSetRequest{DefinedSet: set})
		})
		if err != nil {
			return ip, errors.Join(err, s.removePolicies(ctx, []installedPolicy{ip}))
		}
		ip.sets = append(ip.sets, &api.DefinedSet{DefinedType: set.DefinedType, Name: set.Name})
	}
	err := s.do(ctx, "add policy "+name, func(ctx context.Context) error {
		if err := s.srv.AddPolicy(ctx, &api.AddPolicyRequest{Policy: &api.Policy{Name: name, Statements: stmts}}); err != nil {
			return err
		}
		return s.srv.AddPolicyAssignment(ctx, &api.AddPolicyAssignmentRequest{Assignment: &api.PolicyAssignment{
			Name: "global", Direction: dir, Policies: []*api.Policy{{Name: name}}, DefaultAction: api.RouteAction_ACCEPT,
		}})
	})
	if err != nil {
		return ip, errors.Join(err, s.removePolicies(ctx, []installedPolicy{ip}))
	}
	return ip, nil
}

// removePolicies undoes installPolicies; missing pieces are skipped.
func (s *Speaker) removePolicies(ctx context.Context, pols []installedPolicy) error {
	var errs []error
	for _, ip := range pols {
		// Both calls fail harmlessly when the piece was never made.
		_ = s.do(ctx, "delete policy assignment "+ip.policy, func(ctx context.Context) error {
			return s.srv.DeletePolicyAssignment(ctx, &api.DeletePolicyAssignmentRequest{Assignment: &api.PolicyAssignment{
				Name: "global", Direction: ip.dir, Policies: []*api.Policy{{Name: ip.policy}},
			}})
		})
		_ = s.do(ctx, "delete policy "+ip.policy, func(ctx context.Context) error {
			return s.srv.DeletePolicy(ctx, &api.DeletePolicyRequest{Policy: &api.Policy{Name: ip.policy}, All: true})
		})
		for _, set := range ip.sets {
			err := s.do(ctx, "delete defined set "+set.Name, func(ctx context.Context) error {
				return s.srv.DeleteDefinedSet(ctx, &api.DeleteDefinedSetRequest{DefinedSet: set, All: true})
			})
			if err != nil && !errors.Is(err, ErrClosed) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}
