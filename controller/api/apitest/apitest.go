// Package apitest holds a fake api.Backend, a small lab held in memory, and
// a test server that serves it with a real token store, for tests of the
// API's clients (the CLI) without a controller. It is for tests only.
package apitest

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/controller/api"
	"github.com/mcnlab/mcnlab/controller/store"
)

// Fake is an api.Backend over a lab held in memory: one transit ("tr1")
// with two sites ("dc1", "dc2") whose routes wait for approval, one spoke,
// route tables and a segmentation policy. Approve moves a pending route to
// the approved ones, Revoke moves it back. Its methods are safe for concurrent use; tests may
// change its fields while holding Mu.
type Fake struct {
	Mu sync.Mutex // guards the fields below
	// Lab is what Status reports.
	Lab api.Status
	// Sites maps each site to its transit; Approve of another site fails
	// with api.ErrNotFound.
	Sites map[string]string
	// Advertised are each site's advertised prefixes: Approve refuses
	// (api.ErrRefused) a prefix that is not inside one of its site's.
	Advertised map[string][]netip.Prefix
	// PendingRoutes and ApprovedRoutes are what Pending and Approved
	// report.
	PendingRoutes  []api.PendingRoute
	ApprovedRoutes []api.ApprovedRoute
	// Tables is what RouteTables reports.
	Tables []api.RouteTable
	// Seg is what Segmentation reports.
	Seg api.Segmentation
	// Nodes are the names that Ping knows; Unreachable maps a "from>to"
	// pair to the reason no probe comes back.
	Nodes       []string
	Unreachable map[string]string
	// Counters is what Metrics reports (SampleMetrics in NewFake).
	Counters api.Metrics
	// Err, when set, is returned by every method.
	Err error
}

var _ api.Backend = (*Fake)(nil)

// NewFake returns a Fake holding the sample lab described on Fake.
func NewFake() *Fake {
	a := netip.MustParseAddr
	p := netip.MustParsePrefix
	return &Fake{
		Lab: api.Status{Lab: "fake", Converged: true, Gateways: []api.Gateway{
			{Name: "tr1-gw", Role: api.GatewayTransit, Group: "tr1", InstanceID: "i-0a1", PrivateIP: a("10.0.0.4"), PublicIP: a("198.51.100.10"), TunnelsUp: 3, Tunnels: 3, SessionsUp: 3, Sessions: 3},
			{Name: "sp1-gw", Role: api.GatewaySpoke, Group: "sp1", InstanceID: "i-0b2", PrivateIP: a("10.1.0.4"), TunnelsUp: 1, Tunnels: 1, SessionsUp: 1, Sessions: 1},
			{Name: "dc1-rtr", Role: api.GatewaySite, Group: "dc1", InstanceID: "", PrivateIP: a("172.16.0.1"), PublicIP: a("203.0.113.5"), TunnelsUp: 1, Tunnels: 1, SessionsUp: 0, Sessions: 1},
		}},
		Sites:      map[string]string{"dc1": "tr1", "dc2": "tr1"},
		Advertised: map[string][]netip.Prefix{"dc1": {p("172.16.0.0/15")}, "dc2": {p("192.168.10.0/24")}},
		PendingRoutes: []api.PendingRoute{
			{Transit: "tr1", Site: "dc1", Prefix: p("172.16.0.0/16")},
			{Transit: "tr1", Site: "dc1", Prefix: p("172.17.0.0/16")},
			{Transit: "tr1", Site: "dc2", Prefix: p("192.168.10.0/24")},
		},
		Tables: []api.RouteTable{
			{VPC: "vpc-sp1", Subnet: "subnet-a", RouteTableID: "rtb-01", Routes: []api.Route{
				{Destination: p("10.1.0.0/16"), Target: "local", Origin: api.OriginLocal},
				{Destination: p("0.0.0.0/0"), Target: "igw-01", Origin: api.OriginStatic},
				{Destination: p("172.16.0.0/16"), Target: "eni-sp1-gw", Origin: api.OriginLearned},
			}},
		},
		Seg: api.Segmentation{
			Domains: []api.Domain{
				{Name: "prod", Members: []string{"sp1"}, Prefixes: []netip.Prefix{p("10.1.0.0/16")}},
				{Name: "dev", Members: []string{"sp2"}, Prefixes: []netip.Prefix{p("10.2.0.0/16")}},
			},
			Connections: [][2]string{{"prod", "shared"}},
			Drops:       []api.Drop{{Gateway: "tr1-gw", From: "dev", To: "prod", Packets: 12}},
		},
		Nodes:       []string{"sp1-vm", "sp2-vm", "dc1-host"},
		Unreachable: map[string]string{"sp2-vm>sp1-vm": "segmentation: domain dev may not reach prod"},
		Counters:    SampleMetrics(),
	}
}

// Status reports f.Lab.
func (f *Fake) Status(context.Context) (api.Status, error) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	st := f.Lab
	st.Gateways = slices.Clone(st.Gateways)
	return st, f.Err
}

// Pending reports f.PendingRoutes.
func (f *Fake) Pending(context.Context) ([]api.PendingRoute, error) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	return slices.Clone(f.PendingRoutes), f.Err
}

// Approved reports f.ApprovedRoutes.
func (f *Fake) Approved(context.Context) ([]api.ApprovedRoute, error) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	return slices.Clone(f.ApprovedRoutes), f.Err
}

// Approve approves a route of a known site, pending or not, moving it from
// the pending routes to the approved ones.
func (f *Fake) Approve(_ context.Context, site, prefix, by string) (api.ApproveResult, error) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	if f.Err != nil {
		return api.ApproveResult{}, f.Err
	}
	tr, ok := f.Sites[site]
	if !ok {
		return api.ApproveResult{}, fmt.Errorf("approve %s from site %q: %w", prefix, site, api.ErrNotFound)
	}
	p, err := netip.ParsePrefix(prefix)
	if err != nil {
		return api.ApproveResult{}, fmt.Errorf("approve from site %s: %w: %v", site, api.ErrInvalid, err)
	}
	if !slices.ContainsFunc(f.Advertised[site], func(a netip.Prefix) bool { return a.Bits() <= p.Bits() && a.Contains(p.Addr()) }) {
		return api.ApproveResult{}, api.Refused(fmt.Errorf("%s is not inside anything site %s advertises (%s)", p, site, f.Advertised[site]))
	}
	res := api.ApproveResult{Transit: tr, Site: site, Prefix: p}
	for _, a := range f.ApprovedRoutes {
		if a.Site == site && a.Prefix == p {
			return res, nil
		}
	}
	f.PendingRoutes = slices.DeleteFunc(f.PendingRoutes, func(r api.PendingRoute) bool { return r.Site == site && r.Prefix == p })
	f.ApprovedRoutes = append(f.ApprovedRoutes, api.ApprovedRoute{Transit: tr, Site: site, Prefix: p, By: by, At: time.Now().UTC()})
	res.Approved = true
	return res, nil
}

// Revoke withdraws an approved route of a known site, moving it back to
// the pending ones.
func (f *Fake) Revoke(_ context.Context, site, prefix, _ string) (api.RevokeResult, error) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	if f.Err != nil {
		return api.RevokeResult{}, f.Err
	}
	tr, ok := f.Sites[site]
	if !ok {
		return api.RevokeResult{}, fmt.Errorf("revoke %s from site %q: %w", prefix, site, api.ErrNotFound)
	}
	p, err := netip.ParsePrefix(prefix)
	if err != nil {
		return api.RevokeResult{}, fmt.Errorf("revoke from site %s: %w: %v", site, api.ErrInvalid, err)
	}
	i := slices.IndexFunc(f.ApprovedRoutes, func(a api.ApprovedRoute) bool { return a.Site == site && a.Prefix == p })
	if i < 0 {
		return api.RevokeResult{}, fmt.Errorf("%s from site %s is not approved: %w", p, site, api.ErrNotFound)
	}
	f.ApprovedRoutes = slices.Delete(f.ApprovedRoutes, i, i+1)
	f.PendingRoutes = append(f.PendingRoutes, api.PendingRoute{Transit: tr, Site: site, Prefix: p})
	return api.RevokeResult{Transit: tr, Site: site, Prefix: p}, nil
}

// RouteTables reports f.Tables.
func (f *Fake) RouteTables(context.Context) ([]api.RouteTable, error) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	return slices.Clone(f.Tables), f.Err
}

// Segmentation reports f.Seg.
func (f *Fake) Segmentation(context.Context) (api.Segmentation, error) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	return f.Seg, f.Err
}

// Ping answers from f.Nodes and f.Unreachable: every probe between known
// nodes comes back unless the pair is unreachable.
func (f *Fake) Ping(_ context.Context, req api.PingRequest) (api.PingResult, error) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	if f.Err != nil {
		return api.PingResult{}, f.Err
	}
	for _, n := range []string{req.From, req.To} {
		if !slices.Contains(f.Nodes, n) {
			return api.PingResult{}, fmt.Errorf("ping: node %q: %w", n, api.ErrNotFound)
		}
	}
	res := api.PingResult{From: req.From, To: req.To, Sent: req.Count, Received: req.Count}
	if why, ok := f.Unreachable[req.From+">"+req.To]; ok {
		res.Received, res.Reason = 0, why
	}
	return res, nil
}

// Server is the API served by httptest over a Fake, with a real token
// store in a temporary directory.
type Server struct {
	URL   string
	Fake  *Fake
	Store *store.Store
	// Admin, Operator and ReadOnly are tokens of each role, named
	// "admin", "operator" and "viewer".
	Admin, Operator, ReadOnly string
}

// NewServer starts a Server; t.Cleanup stops it and closes its store.
func NewServer(t testing.TB) *Server {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "controller.db"))
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Fake: NewFake(), Store: st}
	for _, tk := range []struct {
		p    *string
		role store.Role
		name string
	}{{&s.Admin, store.RoleAdmin, "admin"}, {&s.Operator, store.RoleOperator, "operator"}, {&s.ReadOnly, store.RoleReadOnly, "viewer"}} {
		if *tk.p, err = st.CreateToken(tk.role, tk.name); err != nil {
			t.Fatal(err)
		}
	}
	hs := httptest.NewServer(api.NewHandler(s.Fake, st))
	s.URL = hs.URL
	t.Cleanup(func() {
		hs.Close()
		st.Close()
	})
	return s
}
