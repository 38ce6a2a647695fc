package emulator

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vishvananda/netlink"
	vnetns "github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/mcnlab/mcnlab/emulator/ipsec"
	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/topologies"
)

// Options tune a deploy.
type Options struct {
	// TopologyFile is recorded in the state (absolute path), "" for a
	// generated topology.
	TopologyFile string
	// Source is the topology file's text, kept in the lab's state directory
	// so that the lab can be inspected after the file changed or moved.
	Source []byte
	// Progress receives per-phase counts; nil reports nothing.
	Progress Progress
	// GatewayCommand runs `mcnlab gateway` (its arguments follow);
	// default: this executable.
	GatewayCommand []string
	// ExecTimeout bounds each start-up command and each command that
	// starts a routing daemon; 0 means ExecTimeout.
	ExecTimeout time.Duration
	// Issuer issues the certificates of site2cloud connections that
	// authenticate with them (the lab CA's); nil where none do.
	Issuer ipsec.Issuer
}

// ExistsError says that a lab of the same name is recorded already.
type ExistsError struct {
	Lab   *state.Lab
	Owner bool // the recorded owner process is still alive
}

func (e *ExistsError) Error() string {
	l := e.Lab
	switch {
	case l.Phase == state.PhaseDeploying && e.Owner:
		return fmt.Sprintf("lab %q is being deployed right now by pid %d; wait for it, or stop it with `mcnlab destroy --lab %s`", l.Name, l.Owner.PID, l.Name)
	case l.Phase == state.PhaseReady:
		return fmt.Sprintf("lab %q is already running (deployed %s from %s); destroy it first with `mcnlab destroy --lab %s`, or deploy under another name with --lab", l.Name, l.Created.Format("2006-01-02 15:04:05"), orGenerated(l.Topology), l.Name)
	default:
		return fmt.Sprintf("lab %q is left over from a deploy that did not finish (phase %s); remove it with `mcnlab destroy --lab %s`", l.Name, l.Phase, l.Name)
	}
}

func orGenerated(f string) string {
	if f == "" {
		return "a generated topology"
	}
	return f
}

// Deploy creates the lab described by the plan and returns when every link,
// address, route and start-up command is in place. On failure, or when ctx is
// cancelled, it removes whatever it had created and returns the error.
func Deploy(ctx context.Context, p *Plan, opts Options) error {
	pr := opts.Progress
	if pr == nil {
		pr = Silent{}
	}
	rec := p.Record(opts.TopologyFile)
	if err := state.Create(rec); err != nil {
		if errors.Is(err, state.ErrExists) {
			if old, lerr := state.Load(p.Lab); lerr == nil {
				return &ExistsError{Lab: old, Owner: old.Owner.Alive()}
			}
		}
		return fmt.Errorf("deploy lab %s: %w", p.Lab, err)
	}
	lock, err := state.TryLock(p.Lab)
	if err != nil {
		return fmt.Errorf("deploy lab %s: %w", p.Lab, err)
	}
	defer lock.Unlock()
	if err := p.checkFree(); err != nil {
		return errors.Join(fmt.Errorf("deploy lab %s: %w", p.Lab, err), state.Remove(p.Lab))
	}
	if len(opts.Source) > 0 {
		if err := os.WriteFile(filepath.Join(state.Dir(p.Lab), "topology.yaml"), opts.Source, 0o644); err != nil {
			return errors.Join(fmt.Errorf("deploy lab %s: keep topology: %w", p.Lab, err), rollback(rec, pr))
		}
	}
	f := &fabric{plan: p, nodes: map[string]*liveNode{}, foreign: map[string]bool{}, execTimeout: opts.ExecTimeout}
	if f.execTimeout <= 0 {
		f.execTimeout = ExecTimeout
	}
	err = f.build(ctx, pr, opts)
	f.close()
	if err != nil {
		rec.Phase, rec.Error = state.PhaseFailed, err.Error()
		for i := range rec.Nodes {
			// A namespace that appeared under our name meanwhile is not ours.
			rec.Nodes[i].Foreign = f.foreign[rec.Nodes[i].Name]
		}
		_ = state.Save(rec)
		if rerr := rollback(rec, pr); rerr != nil {
			return fmt.Errorf("deploy lab %s: %w (rollback failed too: %v; run `mcnlab destroy --lab %s`)", p.Lab, err, rerr, p.Lab)
		}
		return fmt.Errorf("deploy lab %s: %w (rolled back: nothing of the lab is left)", p.Lab, err)
	}
	rec.Phase = state.PhaseReady
	if err := state.Save(rec); err != nil {
		return errors.Join(err, rollback(rec, pr))
	}
	return nil
}

// checkFree fails when a namespace the plan needs exists already: it belongs
// to another lab (lab "a-b" node "c" and lab "a" node "b-c" share a name) or
// to a leftover, and must never be adopted or removed by this lab.
func (p *Plan) checkFree() error {
	var taken []string
	for _, n := range p.Nodes {
		if netns.Exists(n.Namespace) {
			taken = append(taken, n.Namespace)
		}
	}
	if len(taken) > 0 {
		return fmt.Errorf("namespaces %v exist already (another lab, or leftovers: `mcnlab inspect`, `mcnlab destroy --all`)", taken)
	}
	return nil
}

func rollback(rec *state.Lab, pr Progress) error {
	if err := removeFabric(rec, pr); err != nil {
		return err
	}
	return state.Remove(rec.Name)
}

// fabric holds the open handles of a deploy in progress.
type fabric struct {
	plan        *Plan
	execTimeout time.Duration        // bounds each command run in a node
	mu          sync.Mutex           // guards the fields below while namespaces are created
	nodes       map[string]*liveNode // by node name
	foreign     map[string]bool      // nodes whose namespace name was taken by someone else
}

type liveNode struct {
	plan *PlanNode
	ns   vnetns.NsHandle
	nl   *netlink.Handle
}

func (f *fabric) close() {
	for _, n := range f.nodes {
		if n.nl != nil {
			n.nl.Close()
		}
		if n.ns.IsOpen() {
			n.ns.Close()
		}
	}
}

func workers() int { return 2 * runtime.NumCPU() }

// each runs fn for 0..n-1 on a few goroutines, reporting progress, and
// returns every error joined. It stops handing out work once ctx is done or
// an error happened.
func each(ctx context.Context, pr Progress, phase string, n int, fn func(i int) error) error {
	if n == 0 {
		return nil
	}
	pr.Step(phase, 0, n)
	var (
		next, done atomic.Int64
		mu         sync.Mutex
		errs       []error
		failed     atomic.Bool
		wg         sync.WaitGroup
	)
	w := min(workers(), n)
	for range w {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || failed.Load() || ctx.Err() != nil {
					return
				}
				if err := fn(i); err != nil {
					failed.Store(true)
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					return
				}
				d := int(done.Add(1))
				mu.Lock()
				pr.Step(phase, d, n)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", phase, err)
	}
	return nil
}

func (f *fabric) build(ctx context.Context, pr Progress, opts Options) error {
	p := f.plan
	if err := each(ctx, pr, "namespaces", len(p.Nodes), func(i int) error {
		return f.createNode(p.Nodes[i])
	}); err != nil {
		return err
	}
	// Links touch two namespaces each; creating them one by one keeps each
	// netlink handle on one goroutine at a time.
	if err := each(ctx, pr, "links", len(p.Links), func(i int) error {
		return f.createLink(p.Links[i])
	}); err != nil {
		return err
	}
	if err := each(ctx, pr, "addresses", len(p.Nodes), func(i int) error {
		return f.configureLinks(p.Nodes[i])
	}); err != nil {
		return err
	}
	// The kernel brings a link's carrier and queueing discipline up in the
	// background (linkwatch, rate-limited to about once a second when many
	// links change); until then it drops what is sent on it.
	if err := each(ctx, pr, "links up", len(p.Nodes), func(i int) error {
		return f.waitLinksUp(ctx, p.Nodes[i])
	}); err != nil {
		return err
	}
	// Overlays go over the links, so they come once the links are up.
	var overlayNodes []*PlanNode
	for _, n := range p.Nodes {
		if len(n.VXLAN) > 0 {
			overlayNodes = append(overlayNodes, n)
		}
	}
	if err := each(ctx, pr, "overlays", len(overlayNodes), func(i int) error {
		return f.createOverlays(overlayNodes[i])
	}); err != nil {
		return err
	}
	if err := each(ctx, pr, "routes", len(p.Nodes), func(i int) error {
		return f.addRoutes(p.Nodes[i])
	}); err != nil {
		return err
	}
	var execNodes, daemonNodes, gateways, swans []*PlanNode
	for _, n := range p.Nodes {
		if len(n.Exec) > 0 {
			execNodes = append(execNodes, n)
		}
		if n.Kind.RunsDaemon() || n.Kind == topologies.KindStrongSwan && n.BGP != nil {
			daemonNodes = append(daemonNodes, n)
		}
		if n.Kind == topologies.KindGateway {
			gateways = append(gateways, n)
		}
		if n.Kind == topologies.KindStrongSwan {
			swans = append(swans, n)
		}
	}
	if err := each(ctx, pr, "daemons", len(daemonNodes), func(i int) error {
		return f.startDaemon(ctx, daemonNodes[i])
	}); err != nil {
		return err
	}
	for _, n := range swans {
		if err := ipsec.MakeCerts(p.Lab, n.Site2Cloud, opts.Issuer); err != nil {
			return err
		}
	}
	if err := each(ctx, pr, "strongswan", len(swans), func(i int) error {
		return f.startStrongSwan(ctx, swans[i])
	}); err != nil {
		return err
	}
	if len(gateways) > 0 {
		argv, err := opts.gatewayCommand()
		if err != nil {
			return err
		}
		if err := each(ctx, pr, "gateways", len(gateways), func(i int) error {
			return f.startGateway(ctx, gateways[i], argv)
		}); err != nil {
			return err
		}
	}
	return each(ctx, pr, "exec", len(execNodes), func(i int) error {
		return f.runExec(ctx, execNodes[i])
	})
}

func (f *fabric) createNode(n *PlanNode) error {
	if err := netns.Create(n.Namespace); err != nil {
		if errors.Is(err, os.ErrExist) {
			f.mu.Lock()
			f.foreign[n.Name] = true
			f.mu.Unlock()
			return fmt.Errorf("node %s: namespace %s exists already and belongs to another lab or a leftover (see `mcnlab destroy --all`): %w", n.Name, n.Namespace, err)
		}
		return fmt.Errorf("node %s: %w", n.Name, err)
	}
	h, err := netns.Open(n.Namespace)
	if err != nil {
		return fmt.Errorf("node %s: %w", n.Name, err)
	}
	ln := &liveNode{plan: n, ns: h}
	f.mu.Lock()
	f.nodes[n.Name] = ln
	f.mu.Unlock()
	ln.nl, err = netlink.NewHandleAt(h, unix.NETLINK_ROUTE)
	if err != nil {
		return fmt.Errorf("node %s: netlink handle in %s: %w", n.Name, n.Namespace, err)
	}
	lo, err := ln.nl.LinkByName("lo")
	if err != nil {
		return fmt.Errorf("node %s: find lo: %w", n.Name, err)
	}
	if err := ln.nl.LinkSetUp(lo); err != nil {
		return fmt.Errorf("node %s: set lo up: %w", n.Name, err)
	}
	for _, a := range n.Loopback {
		if err := ln.nl.AddrAdd(lo, &netlink.Addr{IPNet: ipNet(a)}); err != nil {
			return fmt.Errorf("node %s: add address %s to lo: %w", n.Name, a, err)
		}
	}
	if n.Forwarding {
		if err := netns.DoHandle(h, func() error {
			for _, s := range []string{"net/ipv4/ip_forward", "net/ipv6/conf/all/forwarding"} {
				if err := os.WriteFile("/proc/sys/"+s, []byte("1"), 0o644); err != nil {
					return fmt.Errorf("set sysctl %s: %w", s, err)
				}
			}
			return nil
		}); err != nil {
			return fmt.Errorf("node %s: forwarding: %w", n.Name, err)
		}
	}
	return nil
}

func (f *fabric) createLink(l *PlanLink) error {
	a, b := f.nodes[l.A.Node], f.nodes[l.B.Node]
	veth := &netlink.Veth{
		LinkAttrs:     netlink.LinkAttrs{Name: l.A.Ifname, MTU: l.MTU},
		PeerName:      l.B.Ifname,
		PeerNamespace: netlink.NsFd(int(b.ns)),
		PeerMTU:       uint32(l.MTU),
	}
	if err := a.nl.LinkAdd(veth); err != nil {
		return fmt.Errorf("create veth %s:%s -- %s:%s: %w", l.A.Node, l.A.Ifname, l.B.Node, l.B.Ifname, err)
	}
	return nil
}

// configureLinks sets the addresses, rate limits and up state of every link
// end in node n.
func (f *fabric) configureLinks(n *PlanNode) error {
	ln := f.nodes[n.Name]
	for _, l := range f.plan.Links {
		for _, e := range []PlanEnd{l.A, l.B} {
			if e.Node != n.Name {
				continue
			}
			link, err := ln.nl.LinkByName(e.Ifname)
			if err != nil {
				return fmt.Errorf("node %s: find %s: %w", n.Name, e.Ifname, err)
			}
			if e.Address.IsValid() {
				addr := &netlink.Addr{IPNet: ipNet(e.Address)}
				if e.Address.Addr().Is6() {
					addr.Flags = unix.IFA_F_NODAD
				}
				if err := ln.nl.AddrAdd(link, addr); err != nil {
					return fmt.Errorf("node %s: add address %s to %s: %w", n.Name, e.Address, e.Ifname, err)
				}
			}
			if l.Rate > 0 {
				if err := ln.nl.QdiscAdd(tbf(link.Attrs().Index, l.Rate)); err != nil {
					return fmt.Errorf("node %s: rate limit %s to %d bit/s: %w", n.Name, e.Ifname, l.Rate, err)
				}
			}
			if err := ln.nl.LinkSetUp(link); err != nil {
				return fmt.Errorf("node %s: set %s up: %w", n.Name, e.Ifname, err)
			}
		}
	}
	return nil
}

// tbf caps a link's egress at rate bit/s with a token bucket whose burst
// holds 10 ms of traffic (at least 64 KiB) and whose queue holds 50 ms more.
func tbf(index int, rate uint64) *netlink.Tbf {
	bytesPerSec := rate / 8
	burst := max(bytesPerSec/100, 64*1024)
	return &netlink.Tbf{
		QdiscAttrs: netlink.QdiscAttrs{LinkIndex: index, Handle: netlink.MakeHandle(1, 0), Parent: netlink.HANDLE_ROOT},
		Rate:       bytesPerSec,
		Limit:      uint32(burst + bytesPerSec/20),
		Buffer:     netlink.Xmittime(bytesPerSec, uint32(burst)),
	}
}

// createOverlays makes node n's point-to-point VXLAN interfaces: unicast to
// the remote, from the local address, on no particular lower device,
// learning off, addressed and up.
func (f *fabric) createOverlays(n *PlanNode) error {
	ln := f.nodes[n.Name]
	for _, v := range n.VXLAN {
		link := &netlink.Vxlan{
			LinkAttrs: netlink.LinkAttrs{Name: v.Name, MTU: v.MTU},
			VxlanId:   int(v.VNI),
			SrcAddr:   net.IP(v.Local.AsSlice()),
			Group:     net.IP(v.Remote.AsSlice()),
			Port:      int(v.Port),
			Learning:  false,
		}
		if err := ln.nl.LinkAdd(link); err != nil {
			return fmt.Errorf("node %s: create vxlan %s (vni %d, %s -> %s:%d): %w", n.Name, v.Name, v.VNI, v.Local, v.Remote, v.Port, err)
		}
		addr := &netlink.Addr{IPNet: ipNet(v.Address)}
		if v.Address.Addr().Is6() {
			addr.Flags = unix.IFA_F_NODAD
		}
		if err := ln.nl.AddrAdd(link, addr); err != nil {
			return fmt.Errorf("node %s: add address %s to %s: %w", n.Name, v.Address, v.Name, err)
		}
		if err := ln.nl.LinkSetUp(link); err != nil {
			return fmt.Errorf("node %s: set %s up: %w", n.Name, v.Name, err)
		}
	}
	return nil
}

func (f *fabric) addRoutes(n *PlanNode) error {
	ln := f.nodes[n.Name]
	for _, r := range n.Routes {
		rt := &netlink.Route{Dst: ipNet(r.To), Gw: net.IP(r.Via.AsSlice())}
		if err := ln.nl.RouteAdd(rt); err != nil {
			return fmt.Errorf("node %s: add route %s via %s: %w", n.Name, r.To, r.Via, err)
		}
	}
	return nil
}

func ipNet(p netip.Prefix) *net.IPNet {
	bits := 32
	if p.Addr().Is6() {
		bits = 128
	}
	return &net.IPNet{IP: net.IP(p.Addr().AsSlice()), Mask: net.CIDRMask(p.Bits(), bits)}
}

// maxOutputShown bounds how much of a failed command's output an error
// carries: its end, where the reason usually is.
const maxOutputShown = 4096

// outputTail is out, or its last maxOutputShown bytes after a line saying
// how much was left out.
func outputTail(out []byte) string {
	if len(out) <= maxOutputShown {
		return string(out)
	}
	return fmt.Sprintf("… (%d bytes of output; the last %d follow)\n%s", len(out), maxOutputShown, out[len(out)-maxOutputShown:])
}

func (f *fabric) runExec(ctx context.Context, n *PlanNode) error {
	ln := f.nodes[n.Name]
	for i, c := range n.Exec {
		out, err := RunTimeout(ctx, ln.ns, c, f.execTimeout)
		if err != nil {
			return fmt.Errorf("node %s: exec[%d] %s: %w; output:\n%s", n.Name, i, topologies.Quote(c), err, outputTail(out))
		}
	}
	return nil
}

// LinkUpTimeout bounds the wait for a node's links to be operationally up.
const LinkUpTimeout = 10 * time.Second

// waitLinksUp polls until every link end in node n is operationally up.
func (f *fabric) waitLinksUp(ctx context.Context, n *PlanNode) error {
	ln := f.nodes[n.Name]
	var names []string
	for _, l := range f.plan.Links {
		for _, e := range []PlanEnd{l.A, l.B} {
			if e.Node == n.Name {
				names = append(names, e.Ifname)
			}
		}
	}
	ctx, cancel := context.WithTimeout(ctx, LinkUpTimeout)
	defer cancel()
	for {
		down := ""
		for _, name := range names {
			link, err := ln.nl.LinkByName(name)
			if err != nil {
				return fmt.Errorf("node %s: find %s: %w", n.Name, name, err)
			}
			if link.Attrs().OperState != netlink.OperUp {
				down = name
				break
			}
		}
		if down == "" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("node %s: link %s is not up after %s: %w", n.Name, down, LinkUpTimeout, ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
}
