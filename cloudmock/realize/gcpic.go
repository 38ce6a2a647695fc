package realize

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	cmgcp "github.com/mcnlab/mcnlab/cloudmock/gcp"
	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/netns"
)

// GCP's Dedicated Interconnect VLAN attachments made real over the lab's
// private lines: an active attachment on a line of its project is a
// namespace mcn-<lab>-ica-<handle> (the Cloud Router's end of the
// attachment) linked to its network's router and, by the line's
// interface in the circuit's namespace, to the customer's router: the
// namespace holds cloudRouterIpAddress, the line's end
// customerRouterIpAddress, and FRR's bgpd speaks for the Cloud Router
// (its ASN, to the BGP peer's peerIpAddress and peerAsn, announcing what
// the router advertises). What it learns are the network's dynamic
// routes, as a tunnel's are (gcpvpn.go). A line carries one attachment
// (the lowest ID).
// GCP: https://cloud.google.com/network-connectivity/docs/interconnect/concepts/overview — a VLAN attachment joins the interconnect to a Cloud Router; the router's BGP session with the on-premises router over it exchanges routes
// GCP: https://cloud.google.com/network-connectivity/docs/router/concepts/overview — the learned routes are the VPC network's dynamic routes

// icPlan is an attachment the realizer makes true.
type icPlan struct {
	id, project     string
	network, region string
	global          bool
	node, ns        string
	ifRouter        string
	router          linkEnds // a: the router's end, b: the attachment's
	circuit         Circuit
	cloud, customer netip.Prefix
	cidrs           []netip.Prefix // the network's subnets, routed to the router
	bgp             *cmgcp.BGPSession
	key             string
	// drg is an OCI virtual circuit's DRG (ocivc.go): the attachment's
	// router is the DRG's namespace, its session recorded on the model's
	// circuit attachment id of account project.
	drg string
}

// liveIC is a realized attachment and the watcher of what its bgpd learns.
type liveIC struct {
	plan       *icPlan
	ns         *liveNS
	stop, done chan struct{}
}

// planGCPAttachments plans the attachments the lab realizes.
func (r *Realizer) planGCPAttachments(p *plan, s *snapshot, nets map[string]model.Network, keep map[string]bool) {
	lines := map[[2]string]Circuit{} // account, name
	for _, c := range r.circuits {
		lines[[2]string{c.Account, c.Name}] = c
	}
	taken := map[string]bool{}
	for _, a := range s.gcpAttachments { // by ID: the lowest of a line's wins
		c, ok := lines[[2]string{a.Project, a.Line}]
		if _, nok := nets[a.Network]; !ok || !nok || taken[c.Name] {
			continue
		}
		taken[c.Name] = true
		h := s.handle(a.ID)
		x := &icPlan{id: a.ID, project: a.Project, network: a.Network, region: a.Region, global: a.GlobalRouting, node: "ica-" + h, ns: emulator.NamespaceName(r.opts.Lab, "ica-"+h),
			ifRouter: "ic-" + h, router: r.keptLink(keep, "ica/"+a.ID), circuit: c, cloud: a.Cloud, customer: a.Customer, bgp: a.BGP}
		for _, id := range sortedKeys(s.subnets) {
			if sn := s.subnets[id]; sn.NetworkID == a.Network && sn.Prefix.IsValid() {
				x.cidrs = append(x.cidrs, sn.Prefix)
			}
		}
		k := *x
		k.bgp = nil // its session by value, not its address
		x.key = fmt.Sprintf("%+v", k)
		if x.bgp != nil {
			x.key += fmt.Sprintf("|%+v", *x.bgp)
		}
		p.ics[a.ID] = x
	}
}

// attachmentRoutes are the dynamic routes the realized attachments of a
// network learned that serve a subnet of region.
func (r *Realizer) attachmentRoutes(p *plan, network, region string) []model.Route {
	var out []model.Route
	for _, id := range sortedKeys(p.ics) {
		x := p.ics[id]
		learned, _ := r.icLearned.Load(id)
		if x.network != network || (!x.global && x.region != region) || learned == nil {
			continue
		}
		for _, d := range learned.([]netip.Prefix) {
			out = append(out, model.Route{Destination: d, Priority: dynamicPriority, Target: model.Target{Kind: model.TargetAttachment, ID: id}, State: model.RouteActive})
		}
	}
	return out
}

// removeStaleICs removes the attachments gone or changed.
func (r *Realizer) removeStaleICs(p *plan) error {
	return removeEach(r.live.ics, func(v *liveIC) (bool, error) {
		if want, ok := p.ics[v.plan.id]; ok && want.key == v.plan.key && r.icRouter(v.plan) != nil {
			return false, nil
		}
		return true, r.removeIC(v)
	})
}

// removeICs removes every attachment (Close).
func (r *Realizer) removeICs() error { return removeEach(r.live.ics, always(r.removeIC)) }

// removeIC stops the watcher, forgets what it learned and deletes the
// attachment's links and namespace, with FRR inside.
func (r *Realizer) removeIC(v *liveIC) error {
	if v.stop != nil {
		close(v.stop)
		<-v.done
	}
	r.icLearned.Delete(v.plan.id)
	var errs []error
	if err := r.recordIC(v.plan, false, nil); err != nil {
		errs = append(errs, fmt.Errorf("realize: attachment %s: forget its session: %w", v.plan.id, err))
	}
	if rt := r.icRouter(v.plan); rt != nil {
		errs = append(errs, rt.delLink(v.plan.ifRouter))
		rt.forgetDev(v.plan.ifRouter)
	}
	errs = append(errs, v.ns.delLink(icLine), v.ns.remove())
	if err := os.RemoveAll(emulator.NodeDir(r.opts.Lab, v.plan.node)); err != nil {
		errs = append(errs, fmt.Errorf("realize: attachment %s: %w", v.plan.id, err))
	}
	return errors.Join(errs...)
}

// icRouter is the router namespace an attachment is linked to: its
// network's router or, for a virtual circuit, its DRG's; nil while it is
// not live.
func (r *Realizer) icRouter(x *icPlan) *liveRouter {
	if x.drg != "" {
		return r.live.tgws[x.drg]
	}
	return r.live.routers[x.network]
}

// recordIC records an attachment's session and learned routes where its
// cloud's API reads them.
func (r *Realizer) recordIC(x *icPlan, up bool, learned []netip.Prefix) error {
	if x.drg != "" {
		return r.cloud.SetCircuitSession(x.project, x.id, up, learned)
	}
	return cmgcp.SetAttachmentStatus(r.cloud, x.project, x.region, model.GCPName(x.id), up, learned)
}

// icLine is the attachment namespace's end of the line.
const icLine = "line"

// ensureIC makes an attachment, unless it is live.
func (r *Realizer) ensureIC(x *icPlan) error {
	if _, ok := r.live.ics[x.id]; ok {
		return nil
	}
	rt := r.icRouter(x)
	if rt == nil {
		return fmt.Errorf("realize: attachment %s: no router for %s%s", x.id, x.network, x.drg)
	}
	ns, err := r.freshNS(x.ns)
	if err != nil {
		return fmt.Errorf("realize: attachment %s: %w", x.id, err)
	}
	v := &liveIC{plan: x, ns: ns}
	if err := r.wireIC(x, ns, rt); err != nil {
		return errors.Join(fmt.Errorf("realize: attachment %s: %w", x.id, err), r.removeIC(v))
	}
	v.stop, v.done = make(chan struct{}), make(chan struct{})
	go r.watchIC(v)
	r.live.ics[x.id] = v
	rt.key = ""
	return nil
}

// wireIC links the attachment's namespace to the router and over the
// line to the customer's router, and starts FRR.
func (r *Realizer) wireIC(x *icPlan, ns *liveNS, rt *liveRouter) error {
	if err := wireGatewayLink(rt.liveNS, x.ifRouter, x.router, ns, "vnet", x.cidrs); err != nil {
		return err
	}
	site, err := netns.Open(x.circuit.Namespace)
	if err != nil {
		return err
	}
	defer site.Close()
	nl, err := netlink.NewHandleAt(site, unix.NETLINK_ROUTE)
	if err != nil {
		return fmt.Errorf("netlink handle in %s: %w", x.circuit.Namespace, err)
	}
	defer nl.Close()
	if err := ns.nl.LinkAdd(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: icLine}, PeerName: x.circuit.Interface, PeerNamespace: netlink.NsFd(int(site))}); err != nil {
		return fmt.Errorf("create veth %s:%s -- %s:%s: %w", ns.name, icLine, x.circuit.Namespace, x.circuit.Interface, err)
	}
	k, err := ns.link(icLine)
	if err != nil {
		return err
	}
	if err := errors.Join(ns.addAddr(k, x.cloud), ns.up(k)); err != nil {
		return err
	}
	end, err := nl.LinkByName(x.circuit.Interface)
	if err != nil {
		return fmt.Errorf("%s: find %s: %w", x.circuit.Namespace, x.circuit.Interface, err)
	}
	if err := nl.AddrAdd(end, &netlink.Addr{IPNet: ipNet(x.customer)}); err != nil {
		return fmt.Errorf("%s: add address %s to %s: %w", x.circuit.Namespace, x.customer, x.circuit.Interface, err)
	}
	if err := nl.LinkSetUp(end); err != nil {
		return fmt.Errorf("%s: set %s up: %w", x.circuit.Namespace, x.circuit.Interface, err)
	}
	if x.bgp == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	frr := filepath.Join(emulator.NodeDir(r.opts.Lab, x.node), "frr")
	d := emulator.FRRDaemon(frr, "ica", tunnelBGPConf(frr, x.bgp.ASN, x.bgp.Addr, x.bgp.PeerASN, x.bgp.Advertised, x.bgp.PeerAddr))
	if err := d.Write(); err != nil {
		return fmt.Errorf("frr: %w", err)
	}
	return d.Run(ctx, ns.h, 10*time.Second)
}

// watchIC keeps what the attachment's bgpd installed (protocol bgp) as
// its learned routes, asking for a pass when they change, and records
// them on the attachment with, every second, whether bgpd's session is
// Established (getRouterStatus reports both), until stopped.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/routers/getRouterStatus — the router's BGP peers' state and learned routes
func (r *Realizer) watchIC(v *liveIC) {
	defer close(v.done)
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	var last []netip.Prefix
	up, changed := false, true // the first pass records the session as it is, not as a previous run left it
	for tick := 0; ; tick++ {
		select {
		case <-v.stop:
			return
		case <-t.C:
		}
		if tick%5 == 0 && v.plan.bgp != nil {
			now := r.icSessionUp(v.plan)
			changed = changed || now != up
			up = now
		}
		if got, err := bgpRoutes(v.ns.nl); err == nil && !slices.Equal(got, last) {
			last, changed = got, true
			r.icLearned.Store(v.plan.id, got)
			r.poke()
		}
		if changed && r.recordIC(v.plan, up, last) == nil {
			changed = false
		}
	}
}

// icSessionUp reports whether the attachment's bgpd has its session with
// the peer Established.
func (r *Realizer) icSessionUp(x *icPlan) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return bgpState(ctx, filepath.Join(emulator.NodeDir(r.opts.Lab, x.node), "frr"), x.bgp.PeerAddr.String()) == "Established"
}
