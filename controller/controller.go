// Package controller is the central control plane: it reconciles a
// topology's cloud intent through the cloud providers' SDK clients
// (controller/cloud), launches and configures the gateways over their
// management API, programs the spoke VPC route tables with the routes the
// transit learned, holds on-prem routes until they are approved, and keeps
// its state in an embedded database (controller/store). It reaches clouds
// only through SDK clients and gateways only through their management
// sockets, so that it can restart at any time without touching the
// dataplane. It reaches gateways and nodes only through the seams of
// controller/nodes, which the lab implements with sockets and namespaces:
// it imports neither the emulator nor its probes.
package controller

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/flows"
	"github.com/mcnlab/mcnlab/controller/gwcfg"
	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/controller/nodes"
	"github.com/mcnlab/mcnlab/controller/store"
	"github.com/mcnlab/mcnlab/controller/vpnauth"
	"github.com/mcnlab/mcnlab/dataplane/egressmgmt"
	"github.com/mcnlab/mcnlab/dataplane/fwmgmt"
	"github.com/mcnlab/mcnlab/dataplane/mgmt"
	"github.com/mcnlab/mcnlab/dataplane/wg"
	"github.com/mcnlab/mcnlab/topologies"
)

// Interval is how often the controller reads the gateways and reconciles
// routes: an on-prem withdrawal reaches the spoke route tables within
// about one interval plus the BGP propagation.
const Interval = 200 * time.Millisecond

// Options configure a Controller.
type Options struct {
	// Gateways opens the gateways' management APIs (the lab's: their
	// sockets); nil leaves every gateway unreached.
	Gateways nodes.Dialer
	// Diagnostics runs the probes of the API's ping (the lab's: in the
	// nodes' namespaces); nil refuses them.
	Diagnostics nodes.Diagnostics
	// Firewalls opens the FireNet firewalls' management APIs; nil leaves
	// them unconfigured.
	Firewalls nodes.FirewallDialer
	// Egress opens the FQDN egress gateways' management APIs; nil leaves
	// them unconfigured.
	Egress nodes.EgressDialer
	// VPN opens the user VPN gateways' management APIs, and VPNCA issues
	// their certificates and the users'; nil leaves them unconfigured.
	VPN   nodes.VPNDialer
	VPNCA *vpnauth.CA
	// Flows opens the sockets that the gateways export their flows to
	// (flowexport.go); nil collects no flows.
	Flows nodes.FlowListener
	// Providers are the cloud clients by account name.
	Providers map[string]cloud.Provider
	// Store holds keys, approvals and records.
	Store *store.Store
	// Log receives progress lines; nil discards them.
	Log io.Writer
	// ThreatLists publishes an account's GuardDuty threat list and
	// returns its location (guardduty.go); nil leaves GuardDuty off.
	ThreatLists func(account string, list []netip.Prefix) (location string, err error)
}

// Controller reconciles one topology. Start it with Run; it is safe for
// concurrent use by the API while it runs.
type Controller struct {
	opts Options
	plan *intent.Plan
	log  *log.Logger

	fw    clientCache[*fwmgmt.Client]     // FireNet firewalls (firenet.go)
	eg    clientCache[*egressmgmt.Client] // FQDN egress gateways (egress.go)
	gd    guardDutyState                  // GuardDuty enforcement (guardduty.go)
	vpn   vpnState                        // user VPN gateways (uservpn.go)
	flows flowCollector                   // the IPFIX collector (flowexport.go)

	mu        sync.Mutex
	inv       cloud.Inventory // merged over accounts
	names     map[string]string
	keys      map[string]wg.Key
	clients   map[string]*mgmt.Client
	pushed    map[string]mgmt.Config
	boots     map[string]string // each gateway's boot ID as last read (mgmt.Status.Boot)
	active    map[string]string // spoke -> the gateway its route tables point at (activeLocked)
	status    map[string]mgmt.Status
	statusErr map[string]error
	tables    map[string]map[netip.Prefix]string // subnet key -> learned routes in force
	converged bool
	// egressPending: an egress gateway does not hold its policy yet
	// (pushEgress).
	egressPending bool
	egressWaiting []string // why, for Waiting
	applied       bool
	kick          chan struct{}
	warned        map[string]bool // log lines said once (warnOnce)
	// The last errors, for Waiting: the cloud's apply, a gateway's
	// configuration push (by key), a route table's sync (by subnet key).
	applyErr error
	pushErr  map[string]error
	syncErr  map[string]error
}

// New returns a controller of plan.
func New(plan *intent.Plan, opts Options) *Controller {
	w := opts.Log
	if w == nil {
		w = io.Discard
	}
	return &Controller{opts: opts, plan: plan, log: log.New(w, "controller: ", log.LstdFlags|log.Lmicroseconds),
		names: map[string]string{}, clients: map[string]*mgmt.Client{}, pushed: map[string]mgmt.Config{},
		boots: map[string]string{}, active: map[string]string{}, status: map[string]mgmt.Status{}, statusErr: map[string]error{}, tables: map[string]map[netip.Prefix]string{},
		kick: make(chan struct{}, 1), warned: map[string]bool{}, pushErr: map[string]error{}, syncErr: map[string]error{},
		flows: flowCollector{store: flows.NewStore(), sockets: map[string]flowSocket{}}}
}

// Close releases the gateway and firewall clients.
func (c *Controller) Close() error {
	c.fw.closeAll()
	c.eg.closeAll()
	c.vpn.clients.closeAll()
	c.closeFlows()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, cl := range c.clients {
		cl.Close()
	}
	c.clients = map[string]*mgmt.Client{}
	return nil
}

// Apply brings every account to its desired state and returns the calls
// made.
func (c *Controller) Apply(ctx context.Context) ([]cloud.Call, error) {
	merged := cloud.NewInventory()
	var calls []cloud.Call
	for _, a := range c.plan.Accounts {
		p := c.opts.Providers[a.Account.Name]
		if p == nil {
			return calls, fmt.Errorf("account %s: no provider", a.Account.Name)
		}
		inv, made, err := p.Apply(ctx, a.Desired)
		calls = append(calls, made...)
		for _, k := range made {
			c.log.Printf("%s: %s", a.Account.Name, k)
		}
		if err != nil {
			return calls, fmt.Errorf("account %s: %w", a.Account.Name, err)
		}
		merged.Merge(inv)
	}
	if len(calls) > 0 && c.opts.Store != nil {
		_ = c.opts.Store.Log("apply", fmt.Sprintf("%d cloud calls", len(calls)))
	}
	c.mu.Lock()
	c.inv = merged
	c.applied = true
	c.mu.Unlock()
	return calls, nil
}

// loadKeys returns every gateway's key, making and storing missing ones.
func (c *Controller) loadKeys() (map[string]wg.Key, error) {
	keys := map[string]wg.Key{}
	for _, g := range c.plan.Gateways {
		s, ok, err := c.opts.Store.Key(g.Key)
		if err != nil {
			return nil, fmt.Errorf("key of gateway %s: %w", g.Key, err)
		}
		if ok {
			k, err := wg.ParseKey(s)
			if err != nil {
				return nil, fmt.Errorf("key of gateway %s: %w", g.Key, err)
			}
			keys[g.Key] = k
			continue
		}
		k, err := wg.GenerateKey()
		if err != nil {
			return nil, fmt.Errorf("key for gateway %s: %w", g.Key, err)
		}
		if err := c.opts.Store.PutKey(g.Key, k.String()); err != nil {
			return nil, fmt.Errorf("store key of gateway %s: %w", g.Key, err)
		}
		keys[g.Key] = k
	}
	return keys, nil
}

// Run applies the intent, then keeps the gateways configured and the spoke
// route tables in step with the transit until ctx ends.
func (c *Controller) Run(ctx context.Context) error {
	keys, err := c.loadKeys()
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.keys = keys
	c.mu.Unlock()
	for {
		_, err := c.Apply(ctx)
		if err == nil {
			break
		}
		c.log.Printf("apply: %v (retrying)", err)
		c.mu.Lock()
		c.applyErr = err
		c.mu.Unlock()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
	defer c.startGuardDuty(ctx)()
	t := time.NewTicker(Interval)
	defer t.Stop()
	for {
		if err := c.step(ctx); err != nil && ctx.Err() == nil {
			c.log.Printf("%v", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-c.kick:
		}
	}
}

// Kick makes Run reconcile now rather than at the next interval.
func (c *Controller) Kick() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// client returns the management client of gateway k.
func (c *Controller) client(k string) (*mgmt.Client, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl, ok := c.clients[k]; ok {
		return cl, true
	}
	if c.opts.Gateways == nil {
		return nil, false
	}
	id := k // a site's edge gateway is a node of the lab, not a cloud instance
	if g := c.plan.Gateway(k); g == nil || g.Role != intent.RoleSite {
		in, ok := c.inv.Instances[k]
		if !ok {
			return nil, false
		}
		id = in.ID
	}
	cl, err := c.opts.Gateways.DialGateway(id)
	if err != nil {
		if !c.warned["dial "+k] {
			c.warned["dial "+k] = true
			c.log.Printf("gateway %s: %v", k, err)
		}
		return nil, false
	}
	c.clients[k] = cl
	return cl, true
}

// knownRoutesLocked returns the routes last read from gateway k when they
// are those of version.
func (c *Controller) knownRoutesLocked(k, version string) ([]mgmt.Route, error) {
	prev, ok := c.status[k]
	if !ok || prev.RoutesVersion != version {
		return nil, fmt.Errorf("gateway %s: routes unchanged since version %s, which the controller does not hold", k, version)
	}
	return prev.Routes, nil
}

// step is one reconciliation: learn the gateways' names, push changed
// configurations, read their status and sync the route tables.
func (c *Controller) step(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var errs []error
	// Names and status, in parallel.
	type answer struct {
		key  string
		name string
		st   mgmt.Status
		err  error
	}
	answers := make(chan answer, len(c.plan.Gateways))
	for _, g := range c.plan.Gateways {
		go func(k string) {
			cl, ok := c.client(k)
			if !ok {
				answers <- answer{key: k, err: fmt.Errorf("gateway %s: no instance yet", k)}
				return
			}
			// The routes come only when they changed since the
			// version last read: a gateway with 10,000 routes
			// answers every Interval in a few hundred bytes.
			c.mu.Lock()
			since := c.status[k].RoutesVersion
			c.mu.Unlock()
			st, err := cl.StatusSince(ctx, since)
			answers <- answer{key: k, name: st.Name, st: st, err: err}
		}(g.Key)
	}
	for range c.plan.Gateways {
		a := <-answers
		c.mu.Lock()
		if a.err == nil && a.st.RoutesUnchanged {
			a.st.Routes, a.err = c.knownRoutesLocked(a.key, a.st.RoutesVersion)
			a.st.RoutesUnchanged = false
		}
		_, wasUp := c.status[a.key]
		_, seen := c.boots[a.key]
		if a.err != nil {
			c.statusErr[a.key] = a.err
			delete(c.status, a.key)
			if wasUp {
				c.logEvent("gateway", fmt.Sprintf("gateway %s stopped answering: %v", a.key, a.err))
			}
		} else {
			if !wasUp && seen {
				c.logEvent("gateway", fmt.Sprintf("gateway %s answers again", a.key))
			}
			delete(c.statusErr, a.key)
			c.status[a.key] = a.st
			c.names[a.key] = a.name
			// A gateway that restarted (killed, its instance rebooted)
			// holds only what it started with: read its configuration
			// again, and push it if it differs.
			if prev, ok := c.boots[a.key]; ok && prev != a.st.Boot {
				delete(c.pushed, a.key)
				c.log.Printf("gateway %s (%s) restarted (boot %s, was %s): reading its configuration again", a.key, a.name, a.st.Boot, prev)
			}
			c.boots[a.key] = a.st.Boot
		}
		c.mu.Unlock()
	}
	c.listenFlows()
	if err := c.pushConfigs(ctx); err != nil {
		errs = append(errs, err)
	}
	if err := c.syncRoutes(ctx); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(c.pushFirewalls(ctx), c.syncFireNetRoutes(ctx), c.pushEgress(ctx), c.pushPSF(ctx), c.pushVPN(ctx)); err != nil {
		errs = append(errs, err)
	}
	c.mu.Lock()
	c.converged = len(errs) == 0 && c.convergedLocked()
	c.mu.Unlock()
	return errors.Join(errs...)
}

// liveApprovals reads the run-time approvals of every transit. An approval
// that the topology's rules refuse (one stored before the API checked
// them) is left out, and said once in the log: revoke it.
func (c *Controller) liveApprovals() (map[string][]topologies.ApprovedRoute, error) {
	out := map[string][]topologies.ApprovedRoute{}
	for _, tr := range c.plan.Topology.Cloud.Transits {
		as, err := c.opts.Store.Approvals(tr.Name)
		if err != nil {
			return nil, fmt.Errorf("approvals of %s: %w", tr.Name, err)
		}
		for _, a := range as {
			if err := c.plan.CheckApproval(a.Site, a.Prefix); err != nil {
				c.warnOnce("approval "+tr.Name+" "+a.Site+" "+a.Prefix.String(),
					"ignoring the approval of %s from %s at %s: %v; revoke it with `mcnlab routes revoke %s %s`", a.Prefix, a.Site, tr.Name, err, a.Site, a.Prefix)
				continue
			}
			out[tr.Name] = append(out[tr.Name], topologies.ApprovedRoute{Site: a.Site, Prefix: a.Prefix})
		}
	}
	return out, nil
}

// logEvent appends to the store's event log (the console's Events page),
// when there is a store.
func (c *Controller) logEvent(kind, msg string) {
	if c.opts.Store != nil {
		_ = c.opts.Store.Log(kind, msg)
	}
}

// warnOnce logs a line the first time key comes up.
func (c *Controller) warnOnce(key, format string, args ...any) {
	c.mu.Lock()
	seen := c.warned[key]
	c.warned[key] = true
	c.mu.Unlock()
	if !seen {
		c.log.Printf(format, args...)
	}
}

// pushConfigs pushes every gateway configuration that differs from the one
// in place. After a restart it reads what is in place first, so an
// unchanged configuration is never pushed again.
func (c *Controller) pushConfigs(ctx context.Context) error {
	approved, err := c.liveApprovals()
	if err != nil {
		return err
	}
	c.mu.Lock()
	live := intent.Live{Instances: c.inv.Instances, Names: maps.Clone(c.names), Keys: c.keys, Approved: approved}
	c.mu.Unlock()
	cfgs, err := c.plan.Configs(live)
	if err != nil {
		return err
	}
	names := flowDomains(cfgs)
	keys := slices.Sorted(maps.Keys(cfgs))
	errs := make([]error, len(keys))
	var g errgroup.Group
	g.SetLimit(configPushes)
	for i, k := range keys {
		cl, ok := c.client(k)
		if !ok {
			continue
		}
		want := cfgs[k]
		want.FlowExport = c.flowExport(k, want, names)
		g.Go(func() error {
			errs[i] = c.pushConfig(ctx, k, cl, want)
			return nil
		})
	}
	_ = g.Wait()
	return errors.Join(errs...)
}

// configPushes bounds the gateways configured at once: a gateway takes
// a while to apply a configuration (its tunnels' devices, its BGP
// neighbours), and one after the other made a transit of n spokes wait
// for n of them in a row.
const configPushes = 16

// pushConfig pushes gateway k its configuration unless it has it.
func (c *Controller) pushConfig(ctx context.Context, k string, cl *mgmt.Client, want mgmt.Config) error {
	c.mu.Lock()
	have, known := c.pushed[k]
	c.mu.Unlock()
	if !known {
		in, err := cl.Config(ctx)
		if err != nil {
			c.setErr(c.pushErr, k, err)
			return fmt.Errorf("gateway %s: %w", k, err)
		}
		have = in
	}
	if !sameConfig(have, want) {
		if _, err := cl.PutConfig(ctx, want); err != nil {
			c.setErr(c.pushErr, k, err)
			return fmt.Errorf("configure gateway %s: %w", k, err)
		}
		c.setErr(c.pushErr, k, nil)
		c.log.Printf("configured gateway %s (%s): %d tunnels, %d neighbors", k, want.Name, len(want.Peers), len(want.Neighbors))
	}
	c.mu.Lock()
	c.pushed[k] = want
	c.mu.Unlock()
	return nil
}

// sameConfig compares two configurations by their wire form, peers and
// neighbours in name order (the order a gateway keeps them in).
func sameConfig(a, b mgmt.Config) bool {
	ja, _ := json.Marshal(byName(a))
	jb, _ := json.Marshal(byName(b))
	return string(ja) == string(jb)
}

// byName returns c with its peers and neighbours sorted by name.
func byName(c mgmt.Config) mgmt.Config {
	c.Peers = slices.Clone(c.Peers)
	slices.SortFunc(c.Peers, func(x, y mgmt.Peer) int { return strings.Compare(x.Name, y.Name) })
	c.Neighbors = slices.Clone(c.Neighbors)
	slices.SortFunc(c.Neighbors, func(x, y mgmt.Neighbor) int { return strings.Compare(x.Name, y.Name) })
	return c
}

// upLocked reports whether gateway k answers and has every tunnel up.
func (c *Controller) upLocked(k string) bool {
	st, ok := c.status[k]
	if !ok {
		return false
	}
	for _, t := range st.Tunnels {
		if t.State != mgmt.TunnelUp {
			return false
		}
	}
	return len(st.Tunnels) > 0
}

// readyLocked reports whether gateway k can carry its VPC's traffic: every
// tunnel up, every BGP session established, and (when other is set) at
// least as many routes learned as other has: a gateway that has just come
// back (restarted, rebooted) has its tunnels up a moment before it has
// heard the routes it is to forward.
func (c *Controller) readyLocked(k string, own []netip.Prefix, other *mgmt.Status) bool {
	st, ok := c.status[k]
	if !ok || !c.upLocked(k) {
		return false
	}
	for _, s := range st.Sessions {
		if s.State != "established" && !gwcfg.IsS2CNeighbor(s.Name) {
			return false
		}
	}
	if other == nil {
		return true
	}
	mine, _ := learned(st, own, netip.Prefix{})
	theirs, _ := learned(*other, own, netip.Prefix{})
	return len(mine) >= len(theirs)
}

// activeLocked returns the gateway of spoke whose route tables point at:
// the first of the pair while its tunnels are up; the second while the
// first's are not; and, after a failover, the second until the first is
// ready again (readyLocked), so that traffic never moves to a gateway that
// cannot forward it yet.
func (c *Controller) activeLocked(spoke string, gws []*intent.Gateway) *intent.Gateway {
	first := gws[0]
	if len(gws) == 1 {
		return first
	}
	second := gws[1]
	prev := c.active[spoke]
	switch {
	case !c.upLocked(first.Key) && c.upLocked(second.Key):
		c.active[spoke] = second.Key
		return second
	case prev == second.Key && c.upLocked(second.Key):
		st := c.status[second.Key]
		if !c.readyLocked(first.Key, first.Prefixes, &st) {
			return second
		}
	}
	c.active[spoke] = first.Key
	return first
}

// learned returns the routes a spoke gateway propagates into its VPC's
// route tables: those in its FIB except its own prefixes and, in refused,
// any inside the VPC's own range (vpc), approved or not: the local route
// covers that range, and a route more specific than it would take the
// VPC's own subnets' traffic off to the gateway, toward whoever advertised
// it (intent.InsideVPC says which clouds refuse it).
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/route-table-options.html#route-tables-local-route — the local route covers the VPC's CIDR
func learned(st mgmt.Status, own []netip.Prefix, vpc netip.Prefix) (out, refused []netip.Prefix) {
	for _, r := range st.Routes {
		switch {
		case slices.Contains(own, r.Prefix) || len(r.NextHops) == 0:
		case vpc.IsValid() && intent.InsideVPC(r.Prefix, vpc):
			refused = append(refused, r.Prefix)
		default:
			out = append(out, r.Prefix)
		}
	}
	return out, refused
}

// syncRoutes makes each spoke VPC's route tables hold exactly the routes
// its active gateway learned from the transit, pointing at that gateway
// (the first of the pair whose tunnels are up). Every route table of the
// VPC is programmed, the gateways' own (public) subnet's too, as the
// Aviatrix controller does unless told to skip the public route table, so
// that a workload in the gateways' subnet reaches the rest as well.
// Aviatrix: https://docs.aviatrix.com/documentation/latest/building-your-network/spoke-gateway-route-settings.html — "Skip Public VPC/VNet Route Table" is an opt-in policy: by default the public route table is programmed too
func (c *Controller) syncRoutes(ctx context.Context) error {
	var errs []error
	var jobs []tableJob
	eg, done := c.plan.GatewayDefaultRoutes(), map[string]bool{}
	for _, sp := range c.plan.Topology.Cloud.Spokes {
		gws := c.plan.GatewaysOf(sp.Name)
		c.mu.Lock()
		active := c.activeLocked(sp.Name, gws)
		st, ok := c.status[active.Key]
		c.mu.Unlock()
		if !ok {
			continue
		}
		for _, v := range c.plan.Topology.Cloud.VPCs {
			if v.Name != sp.VPC {
				continue
			}
			routes, refused := learned(st, active.Prefixes, v.CIDR.Masked())
			want := map[netip.Prefix]string{}
			for _, pr := range routes {
				want[pr] = active.Key
			}
			for _, pr := range intent.S2CPrefixes(c.plan.Topology, sp.Name) {
				want[pr] = active.Key
			}
			for _, pr := range refused {
				c.warnOnce("inside "+v.Name+" "+pr.String(), "not installing %s, learned by %s, in the route tables of VPC %s: it is inside the VPC's own range %s",
					pr, active.Key, v.Name, v.CIDR.Masked())
			}
			for _, s := range v.Subnets {
				key := intent.SubnetKey(v.Name, s.Name)
				done[key] = true
				w := want
				if _, ok := want[intent.DefaultRoute()]; ok && !c.plan.LearnedDefaultOK(key) {
					w = maps.Clone(want)
					delete(w, intent.DefaultRoute())
				}
				jobs = append(jobs, tableJob{account: v.Account, subnet: key, want: withEgress(w, eg, key)})
			}
		}
	}
	if err := c.syncTables(ctx, jobs); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(c.syncEgressRoutes(ctx, done), c.syncIngressRoutes(ctx)); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// tableJob is one route table to sync: its account, subnet and the
// learned routes it must hold.
type tableJob struct {
	account, subnet string
	want            map[netip.Prefix]string
}

// tableSyncs bounds the route tables synced at once. The emulated cloud
// puts the calls that arrive together in force in one pass, and a real
// cloud takes them in parallel too; one table after the other made a
// transit of n spokes wait for n² calls in a row.
const tableSyncs = 16

// syncTables syncs the tables of jobs, at most tableSyncs at once.
func (c *Controller) syncTables(ctx context.Context, jobs []tableJob) error {
	errs := make([]error, len(jobs))
	var g errgroup.Group
	g.SetLimit(tableSyncs)
	for i, j := range jobs {
		g.Go(func() error {
			errs[i] = c.syncTable(ctx, j.account, j.subnet, j.want)
			return nil
		})
	}
	_ = g.Wait()
	return errors.Join(errs...)
}

// syncTable sets one route table's learned routes unless they are known to
// be in force already.
func (c *Controller) syncTable(ctx context.Context, account, subnet string, want map[netip.Prefix]string) error {
	c.mu.Lock()
	have, known := c.tables[subnet]
	c.mu.Unlock()
	if known && maps.Equal(have, want) {
		return nil
	}
	p := c.opts.Providers[account]
	calls, err := p.SyncRoutes(ctx, subnet, want)
	for _, call := range calls {
		c.log.Printf("%s: %s", account, call)
	}
	if err != nil {
		c.setErr(c.syncErr, subnet, fmt.Errorf("cannot set the routes to %s: %w", routeList(want), err))
		return fmt.Errorf("route table of %s: %w", subnet, err)
	}
	c.setErr(c.syncErr, subnet, nil)
	c.mu.Lock()
	c.tables[subnet] = want
	c.mu.Unlock()
	return nil
}

// setErr records (or, for nil, clears) the last error of k in m.
func (c *Controller) setErr(m map[string]error, k string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err == nil {
		delete(m, k)
	} else {
		m[k] = err
	}
}

// routeList writes routes as "10.2.0.0/16 via prod-1, ...", in prefix
// order.
func routeList(want map[netip.Prefix]string) string {
	ps := slices.SortedFunc(maps.Keys(want), func(a, b netip.Prefix) int { return a.Compare(b) })
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String() + " via " + want[p]
	}
	return strings.Join(s, ", ")
}

// convergedLocked reports whether every gateway is configured with every
// tunnel up and every BGP session established, and whether the transits
// have heard every prefix each site is to advertise (pending approval or
// not): a session is up well before its first routes arrive (FRR batches
// its updates for a second).
func (c *Controller) convergedLocked() bool {
	if !c.applied || c.egressPending {
		return false
	}
	for _, g := range c.plan.Gateways {
		st, ok := c.status[g.Key]
		if !ok {
			return false
		}
		if _, pushed := c.pushed[g.Key]; !pushed {
			return false
		}
		for _, t := range st.Tunnels {
			if t.State != mgmt.TunnelUp {
				return false
			}
		}
		for _, s := range st.Sessions {
			if gwcfg.IsS2CNeighbor(s.Name) {
				continue // over a site2cloud tunnel, which the lab brings up once converged
			}
			if s.State != "established" {
				return false
			}
			if site := c.plan.SiteOfSession(s.Name); g.Role == intent.RoleTransit && site != nil && s.Received < uint64(len(site.Advertise)) {
				return false
			}
		}
		if len(st.Sessions) == 0 && c.plan.HasSessions(g.Key) {
			return false // configured, but its sessions are not made yet
		}
	}
	return true
}
