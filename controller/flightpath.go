package controller

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/mcnlab/mcnlab/controller/api"
	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/dataplane/egressmgmt"
)

var _ api.FlightPathBackend = (*Backend)(nil)

// FlightPath traces a flow between two endpoints through what the clouds
// say now (both ends' security groups, route tables and network ACLs,
// read through the accounts' providers) and what the platform holds (the
// run-time approvals, the domain policy), with intent.Plan.Trace, the
// engine that answers simulate.
func (b *Backend) FlightPath(ctx context.Context, req api.FlightPathRequest) (api.FlightPath, error) {
	c := b.c
	f, err := req.Flow()
	if err != nil {
		return api.FlightPath{}, fmt.Errorf("%w: %v", api.ErrInvalid, err)
	}
	from, to := c.plan.Endpoint(req.From), c.plan.Endpoint(req.To)
	if h, name := c.plan.InternetDestination(req.To); from != nil && to == nil && h != nil {
		// A DNS name (or host) of the emulated internet: the flow leaves
		// by from's VPC's egress gateway.
		to = &intent.Endpoint{Name: req.To, Address: h.Address}
		v, err := c.liveView(ctx, from)
		if err == nil {
			err = c.egressView(ctx, v, from.VPC)
		}
		if err != nil {
			return api.FlightPath{}, err
		}
		end := api.FlightPathEnd{Endpoint: req.To, Address: h.Address, Internet: h.Name, Name: name}
		return api.FlightPath{Path: c.plan.Trace(req.From, req.To, f, v), Ends: []api.FlightPathEnd{endOf(from, to, f, v, false), end}}, nil
	}
	if mf := c.plan.MappedFlow(req.From, req.To); (from == nil || to == nil) && mf != nil {
		return c.mappedFlightPath(ctx, req, f, mf)
	}
	for i, e := range []*intent.Endpoint{from, to} {
		if e == nil {
			return api.FlightPath{}, fmt.Errorf("no workload or site host %q: %w", []string{req.From, req.To}[i], api.ErrNotFound)
		}
	}
	v, err := c.liveView(ctx, from, to)
	if err != nil {
		return api.FlightPath{}, err
	}
	return api.FlightPath{Path: c.plan.Trace(req.From, req.To, f, v),
		Ends: []api.FlightPathEnd{endOf(from, to, f, v, false), endOf(to, from, f, v, true)}}, nil
}

// liveView reads the ends of the endpoints' instances and of their
// spokes' first gateways through the providers, with the run-time
// approvals and the gateways' IDs.
func (c *Controller) liveView(ctx context.Context, es ...*intent.Endpoint) (*intent.View, error) {
	approved, err := c.liveApprovals()
	if err != nil {
		return nil, err
	}
	v := &intent.View{Ends: map[string]cloud.EndState{}, Approved: approved, Gateways: map[string]string{}}
	c.mu.Lock()
	for k, in := range c.inv.Instances {
		if c.plan.Gateway(k) != nil || c.plan.EgressGateway(k) != nil {
			v.Gateways[in.ID], v.Gateways[in.Interface] = k, k
			if in.PrivateIP.IsValid() {
				v.Gateways[in.PrivateIP.String()] = k // an Azure user-defined route's next hop
			}
		}
	}
	c.mu.Unlock()
	var keys []string
	for _, e := range es {
		if e.VPC == "" {
			continue
		}
		keys = append(keys, e.Instance)
		if gws := c.plan.GatewaysOf(e.Spoke); len(gws) > 0 {
			keys = append(keys, gws[0].Key)
		}
	}

	for _, k := range keys {
		if _, ok := v.Ends[k]; ok {
			continue
		}
		end, err := c.readEnd(ctx, k)
		if err != nil {
			return nil, err
		}
		v.Ends[k] = end
	}
	return v, nil
}

// egressView adds to v the ends of VPC vpc's egress gateways, read
// through the providers, and the policies they are to hold now (a base
// policy set at run time included).
func (c *Controller) egressView(ctx context.Context, v *intent.View, vpc string) error {
	v.Egress = map[string]egressmgmt.Config{}
	for _, g := range c.plan.EgressGateways() {
		if g.VPC.Name != vpc {
			continue
		}
		end, err := c.readEnd(ctx, g.Key)
		if err != nil {
			return err
		}
		v.Ends[g.Key], v.Egress[g.Key] = end, c.egressConfig(g)
	}
	return nil
}

// readEnd reads instance k through its account's provider.
func (c *Controller) readEnd(ctx context.Context, k string) (cloud.EndState, error) {
	for _, a := range c.plan.Accounts {
		if !slices.ContainsFunc(a.Desired.Instances, func(in cloud.Instance) bool { return in.Key == k }) {
			continue
		}
		pr, ok := c.opts.Providers[a.Account.Name].(cloud.PathReader)
		if !ok {
			return cloud.EndState{}, fmt.Errorf("account %s (%s): its provider cannot read security groups, route tables and network ACLs for FlightPath yet",
				a.Account.Name, a.Account.Provider)
		}
		end, err := pr.ReadEnd(ctx, k)
		if err != nil {
			return end, fmt.Errorf("account %s: %w", a.Account.Name, err)
		}
		return end, nil
	}
	return cloud.EndState{}, fmt.Errorf("instance %s is in no account: %w", k, api.ErrNotFound)
}

// endOf lays out what the cloud says of e's end, the route to peer
// marked, and the NSG rules that decide f (outbound at the source,
// inbound at the destination, dst).
func endOf(e, peer *intent.Endpoint, f intent.Flow, v *intent.View, dst bool) api.FlightPathEnd {
	out := api.FlightPathEnd{Endpoint: e.Name, Address: e.Address, Site: e.Site}
	if e.VPC == "" {
		return out
	}
	es := v.Ends[e.Instance]
	out.Address, out.Instance, out.Subnet, out.SubnetCIDR = es.Address, es.Instance, es.Subnet, es.SubnetCIDR
	for _, g := range es.Groups {
		ag := api.FlightPathGroup{ID: g.ID, Name: g.Name, Ingress: []string{}, Egress: []string{}}
		for _, r := range g.Ingress {
			ag.Ingress = append(ag.Ingress, withID(r.ID, intent.RuleText(r.Rule)))
		}
		for _, r := range g.Egress {
			ag.Egress = append(ag.Egress, withID(r.ID, strings.Replace(intent.RuleText(r.Rule), " from ", " to ", 1)))
		}
		out.SecurityGroups = append(out.SecurityGroups, ag)
	}
	peerAddr := peer.Address
	if pe, ok := v.Ends[peer.Instance]; ok && peer.VPC != "" {
		peerAddr = pe.Address
	}
	pk := cloud.NSGPacket{Src: es.Address, Dst: peerAddr, Protocol: f.Protocol, Port: f.Port}
	if dst {
		pk.Src, pk.Dst = peerAddr, es.Address
	}
	out.NetworkSecurityGroups = nsgsOf(es, pk, dst)
	match := es.Table.Lookup(peerAddr)
	t := &api.FlightPathTable{ID: es.Table.ID, Routes: []api.FlightPathRoute{}}
	for i, r := range es.Table.Routes {
		t.Routes = append(t.Routes, api.FlightPathRoute{Destination: r.Destination, Kind: string(r.Kind), Target: r.Target,
			Source: r.Source, Inactive: r.Inactive, Matched: match == &es.Table.Routes[i]})
	}
	out.RouteTable = t
	if es.ACL != nil {
		a := &api.FlightPathACL{ID: es.ACL.ID, Inbound: aclLines(es.ACL.Inbound), Outbound: aclLines(es.ACL.Outbound)}
		out.NetworkACL = a
	}
	return out
}

// nsgsOf lays out an end's NSGs in the order Azure applies them to pk
// (inbound at the destination), each rule of each direction in priority
// order, the one that decides pk marked.
func nsgsOf(es cloud.EndState, pk cloud.NSGPacket, inbound bool) []api.FlightPathNSG {
	var out []api.FlightPathNSG
	for _, g := range cloud.NSGOrder(es.NSGs, inbound) {
		decides, ok := g.Decide(inbound, pk)
		n := api.FlightPathNSG{ID: g.ID, Name: g.Name, Association: g.Level, Inbound: []api.FlightPathNSGRule{}, Outbound: []api.FlightPathNSGRule{}}
		for _, in := range []bool{true, false} {
			for _, r := range g.Ordered(in) {
				ar := api.FlightPathNSGRule{Rule: r.String(), Name: r.Name, Default: r.Default,
					Matched: ok && in == inbound && r.Name == decides.Name && r.Priority == decides.Priority}
				if in {
					n.Inbound = append(n.Inbound, ar)
				} else {
					n.Outbound = append(n.Outbound, ar)
				}
			}
		}
		out = append(out, n)
	}
	return out
}

func withID(id, text string) string {
	if id == "" {
		return text
	}
	return id + ": " + text
}

// aclLines renders entries in rule number order: "100 allow all from
// 0.0.0.0/0".
func aclLines(es []cloud.ACLEntry) []string {
	es = slices.Clone(es)
	slices.SortFunc(es, func(a, b cloud.ACLEntry) int { return int(a.Number) - int(b.Number) })
	out := []string{}
	for _, e := range es {
		act := "deny"
		if e.Allow {
			act = "allow"
		}
		out = append(out, fmt.Sprintf("%d %s %s", e.Number, act, intent.RuleText(e.Rule)))
	}
	return out
}

// mappedFlightPath traces a flow across a mapped site2cloud connection.
// Between hosts of the lab's nodes there is no cloud to read: the
// translation is the topology's. When a spoke's gateways hold the
// connection, the workload's end (and the spoke gateway's) is read
// through the providers, as for any flow into the VPC, and laid out
// beside the site host's.
func (c *Controller) mappedFlightPath(ctx context.Context, req api.FlightPathRequest, f intent.Flow, mf *intent.MappedFlow) (api.FlightPath, error) {
	src := api.FlightPathEnd{Endpoint: req.From, Node: req.From, Address: mf.Src}
	dst := api.FlightPathEnd{Endpoint: req.To, Node: mf.DstNode, Address: mf.RealDst, Virtual: mf.Dst}
	v := &intent.View{}
	if w := c.plan.Endpoint(cmp.Or(mf.DstNode, "-")); mf.FromSite && w != nil && w.VPC != "" {
		lv, err := c.liveView(ctx, w)
		if err != nil {
			return api.FlightPath{}, err
		}
		v = lv
		dst = endOf(w, &intent.Endpoint{Name: req.From, Address: mf.SeenSrc}, f, v, true)
		dst.Endpoint, dst.Virtual = req.To, mf.Dst
	} else if w := c.plan.Endpoint(req.From); !mf.FromSite && w != nil && w.VPC != "" {
		lv, err := c.liveView(ctx, w)
		if err != nil {
			return api.FlightPath{}, err
		}
		v = lv
		src = endOf(w, &intent.Endpoint{Name: req.To, Address: mf.Dst}, f, v, false)
	}
	return api.FlightPath{Path: c.plan.Trace(req.From, req.To, f, v), Ends: []api.FlightPathEnd{src, dst}}, nil
}
