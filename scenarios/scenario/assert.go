package scenario

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/mcnlab/mcnlab/controller/api"
	"github.com/mcnlab/mcnlab/dataplane/mgmt"
	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/emulator/probe"
	"github.com/mcnlab/mcnlab/lab"
)

// pollInterval is how often an assertion with a deadline looks again.
const pollInterval = 200 * time.Millisecond

// assert checks an assertion step until it holds or its deadline passes,
// and returns what was wrong the last time (empty: it held) and what was
// seen.
func (r *run) assert(s Step) (failure, detail string) {
	var check func(ctx context.Context) (string, string)
	var within time.Duration
	switch {
	case s.Reach != nil:
		check, within = func(ctx context.Context) (string, string) { return r.reach(ctx, s.Reach) }, s.Reach.Within
	case s.Connect != nil:
		check, within = func(ctx context.Context) (string, string) { return r.connect(ctx, s.Connect) }, s.Connect.Within
	case s.Route != nil:
		check, within = func(ctx context.Context) (string, string) { return r.route(ctx, s.Route) }, s.Route.Within
	case s.Session != nil:
		check, within = func(ctx context.Context) (string, string) { return r.session(ctx, s.Session) }, s.Session.Within
	case s.FlightPath != nil:
		// FlightPath reads the clouds once: its verdict is asked once.
		ctx, cancel := context.WithTimeout(r.ctx, r.within(0))
		defer cancel()
		return r.flightpath(ctx, s.FlightPath)
	case s.Outage != nil:
		return r.outage(s.Outage)
	case s.Capture != nil:
		return r.capture(s.Capture)
	case s.Counter != nil:
		return r.counter(s.Counter)
	}
	ctx, cancel := context.WithTimeout(r.ctx, r.within(within))
	defer cancel()
	for {
		failure, detail = check(ctx)
		if failure == "" || ctx.Err() != nil {
			return failure, detail
		}
		select {
		case <-ctx.Done():
			return failure, detail
		case <-time.After(pollInterval):
		}
	}
}

// targets resolves two names of the lab to their namespaces and addresses.
// A cloud lab's targets are read once (reading them asks every cloud) and
// again when a name is missing.
func (r *run) targets(ctx context.Context, from, to string) (lab.Target, lab.Target, error) {
	ts := r.targetCache
	_, okA := ts[from]
	_, okB := ts[to]
	if !okA || !okB {
		var err error
		if ts, err = lab.Targets(ctx, r.lab); err != nil {
			return lab.Target{}, lab.Target{}, err
		}
		r.targetCache = ts
	}
	a, err := lab.TargetOf(ts, from)
	if err != nil {
		return a, a, err
	}
	b, err := lab.TargetOf(ts, to)
	return a, b, err
}

// reach pings To from From (three echo requests), or compares a cloud
// lab's whole matrix with the intent.
func (r *run) reach(ctx context.Context, a *Reach) (string, string) {
	if a.Simulate {
		m, err := lab.Reachability(ctx, r.lab)
		if err != nil {
			return err.Error(), ""
		}
		var bad []string
		for _, c := range m.Cells {
			if c.Seen != c.Expect.Reach {
				bad = append(bad, fmt.Sprintf("%s -> %s: simulate says %s (%s), ping %s", c.From, c.To, word(c.Expect.Reach), c.Expect.Reason, word(c.Seen)))
			}
		}
		if len(bad) > 0 {
			return fmt.Sprintf("%d of %d pairs not as simulate says", len(bad), len(m.Cells)), strings.Join(bad, "\n")
		}
		return "", fmt.Sprintf("%d pairs as simulate says, %d reach", len(m.Cells), m.Reached())
	}
	if len(a.Pairs) > 0 {
		var bad, all []string
		for _, pr := range a.Pairs {
			seen, detail, err := r.ping(ctx, pr[0], pr[1])
			if err != nil {
				return err.Error(), strings.Join(all, "\n")
			}
			all = append(all, detail)
			if seen != a.Expect {
				bad = append(bad, detail)
			}
		}
		if len(bad) > 0 {
			return fmt.Sprintf("%d of %d pairs not %s: %s", len(bad), len(a.Pairs), word(a.Expect), strings.Join(bad, "; ")), strings.Join(all, "\n")
		}
		return "", fmt.Sprintf("all %d pairs %s", len(a.Pairs), word(a.Expect)) + "\n" + strings.Join(all, "\n")
	}
	seen, detail, err := r.ping(ctx, a.From, a.To)
	if err != nil {
		return err.Error(), ""
	}
	if seen != a.Expect {
		return fmt.Sprintf("expected %s, saw %s", word(a.Expect), word(seen)), detail
	}
	return "", detail
}

// ping sends up to three echo requests from one target to another.
func (r *run) ping(ctx context.Context, from, to string) (bool, string, error) {
	src, dst, err := r.targets(ctx, from, to)
	if err != nil {
		return false, "", err
	}
	if src.Shared {
		return false, "", fmt.Errorf("%s shares its namespace with other internet hosts: check it with connect, which binds its address", from)
	}
	p, err := probe.NewPinger(src.Namespace)
	if err != nil {
		return false, "", err
	}
	defer p.Close()
	seen := false
	for seq := 1; seq <= 3 && !seen; seq++ {
		_, err := p.Ping(dst.Address, seq, 500*time.Millisecond)
		seen = err == nil
	}
	return seen, fmt.Sprintf("ping %s -> %s (%s): %s", from, to, dst.Address, word(seen)), nil
}

func word(reach bool) string {
	if reach {
		return "reach"
	}
	return "blocked"
}

// connect makes one TCP connect from From to To's port.
func (r *run) connect(ctx context.Context, c *Connect) (string, string) {
	src, dst, err := r.targets(ctx, c.From, c.To)
	if err != nil {
		return err.Error(), ""
	}
	seen := "open"
	addr := netip.AddrPortFrom(dst.Address, c.Port).String()
	err = netns.Do(src.Namespace, func() error {
		d := net.Dialer{Timeout: 2 * time.Second}
		if src.Shared {
			d.LocalAddr = &net.TCPAddr{IP: src.Address.AsSlice()}
		}
		conn, err := d.Dial("tcp", addr)
		if err == nil {
			conn.Close()
		}
		return err
	})
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		seen = "refused"
	case err != nil:
		seen = "blocked"
	}
	detail := fmt.Sprintf("tcp %s -> %s: %s", c.From, addr, seen)
	if err != nil {
		detail += " (" + err.Error() + ")"
	}
	if seen != c.Expect {
		return fmt.Sprintf("expected %s, saw %s", c.Expect, seen), detail
	}
	return "", detail
}

// status reads a gateway's status through its management socket.
func (r *run) status(ctx context.Context, gw string) (mgmt.Status, error) {
	g, err := r.gateway(ctx, gw)
	if err != nil {
		return mgmt.Status{}, err
	}
	c := g.Client(r.lab)
	defer c.Close()
	st, err := c.Status(ctx)
	if err != nil {
		return st, fmt.Errorf("status of gateway %s: %w", gw, err)
	}
	return st, nil
}

// route looks for a prefix in a gateway's FIB.
func (r *run) route(ctx context.Context, a *Route) (string, string) {
	if a.Workload != "" {
		return r.cloudRoute(ctx, a)
	}
	st, err := r.status(ctx, a.Gateway)
	if err != nil {
		return err.Error(), ""
	}
	var found *mgmt.Route
	var all []string
	for i, rt := range st.Routes {
		all = append(all, fmt.Sprintf("%s via %v", rt.Prefix, rt.NextHops))
		if rt.Prefix == a.Prefix {
			found = &st.Routes[i]
		}
	}
	seen := "no route to " + a.Prefix.String()
	if found != nil {
		seen = fmt.Sprintf("%s via %v", found.Prefix, found.NextHops)
	}
	detail := fmt.Sprintf("%s in gateway %s, whose routes are:\n%s", seen, a.Gateway, strings.Join(all, "\n"))
	switch {
	case a.Present && found == nil:
		return fmt.Sprintf("no route to %s in gateway %s", a.Prefix, a.Gateway), detail
	case !a.Present && found != nil:
		return fmt.Sprintf("gateway %s still routes %s via %v", a.Gateway, a.Prefix, found.NextHops), detail
	case a.Present && a.Via.IsValid() && !slices.Contains(found.NextHops, a.Via):
		return fmt.Sprintf("gateway %s routes %s via %v, not via %s", a.Gateway, a.Prefix, found.NextHops, a.Via), detail
	}
	return "", detail
}

// session finds a gateway's BGP session by peer name or address.
func (r *run) session(ctx context.Context, a *Session) (string, string) {
	st, err := r.status(ctx, a.Gateway)
	if err != nil {
		return err.Error(), ""
	}
	var all []string
	for _, s := range st.Sessions {
		all = append(all, fmt.Sprintf("%s %s AS%d: %s", s.Name, s.Address, s.ASN, s.State))
		if s.Name == a.Peer || s.Address.String() == a.Peer {
			detail := fmt.Sprintf("gateway %s session to %s: %s", a.Gateway, a.Peer, s.State)
			if !strings.EqualFold(s.State, a.State) {
				return fmt.Sprintf("session %s is %s, want %s", a.Peer, strings.ToLower(s.State), a.State), detail
			}
			if a.BFD != "" && !strings.EqualFold(s.BFD, a.BFD) {
				return fmt.Sprintf("session %s's BFD is %q, want %s", a.Peer, strings.ToLower(s.BFD), a.BFD), detail + ", BFD " + s.BFD
			}
			return "", detail
		}
	}
	return fmt.Sprintf("gateway %s has no session to %s", a.Gateway, a.Peer), strings.Join(all, "\n")
}

// flightpath asks the controller for a verdict.
func (r *run) flightpath(ctx context.Context, a *FlightPath) (string, string) {
	c, err := lab.API(r.lab)
	if err != nil {
		return err.Error(), ""
	}
	proto := a.Proto
	if proto == "icmp" {
		proto = ""
	}
	fp, err := c.FlightPath(ctx, api.FlightPathRequest{From: a.From, To: a.To, Protocol: proto, Port: int32(a.Port)})
	if err != nil {
		return err.Error(), ""
	}
	block, _ := json.Marshal(fp.Block)
	detail := fmt.Sprintf("flightpath %s -> %s %s: reachable=%t %s %s", a.From, a.To, fp.Flow, fp.Reachable, fp.Reason, block)
	switch {
	case fp.Reachable != a.Reachable:
		return fmt.Sprintf("verdict %s, want %s (%s)", verdict(fp.Reachable), verdict(a.Reachable), fp.Reason), detail
	case a.BlockedBy != "" && !strings.Contains(fp.Reason+" "+string(block), a.BlockedBy):
		return fmt.Sprintf("blocked by %q, which does not name %q", fp.Reason, a.BlockedBy), detail
	}
	return "", detail
}

func verdict(reachable bool) string {
	if reachable {
		return "reachable"
	}
	return "blocked"
}

// describeStep names a step as its case and progress line do.
func describeStep(s Step) string {
	switch {
	case s.Reach != nil && s.Reach.Simulate:
		return "reach: every pair as simulate says"
	case s.Reach != nil:
		if len(s.Reach.Pairs) > 0 {
			return fmt.Sprintf("reach %d pairs %s -> %s are %s", len(s.Reach.Pairs), s.Reach.From, s.Reach.To, word(s.Reach.Expect))
		}
		return fmt.Sprintf("reach %s -> %s is %s", s.Reach.From, s.Reach.To, word(s.Reach.Expect))
	case s.Connect != nil:
		return fmt.Sprintf("connect %s -> %s:%d is %s", s.Connect.From, s.Connect.To, s.Connect.Port, s.Connect.Expect)
	case s.Route != nil && s.Route.Workload != "":
		return fmt.Sprintf("route %s in %s's route table present=%t", s.Route.Prefix, s.Route.Workload, s.Route.Present)
	case s.Route != nil:
		return fmt.Sprintf("route %s in %s present=%t", s.Route.Prefix, s.Route.Gateway, s.Route.Present)
	case s.Capture != nil:
		return fmt.Sprintf("capture %s:%s %q", s.Capture.Node, s.Capture.Interface, s.Capture.Filter)
	case s.Counter != nil && len(s.Counter.Firewalls) > 0:
		return fmt.Sprintf("counter firewall %s %s grew by %d", strings.Join(s.Counter.Firewalls, "+"), orAll(s.Counter.Rule), s.Counter.GrewBy)
	case s.Counter != nil:
		return fmt.Sprintf("counter gateway %s drops %s -> %s grew by %d", s.Counter.Gateway, s.Counter.Domains[0], s.Counter.Domains[1], s.Counter.GrewBy)
	case s.Serve != nil:
		return fmt.Sprintf("serve %s:%d", s.Serve.Node, s.Serve.Port)
	case s.Stop != "":
		return "stop " + s.Stop
	case s.Start != "":
		return "start " + s.Start
	case s.Session != nil:
		return fmt.Sprintf("session %s -> %s is %s", s.Session.Gateway, s.Session.Peer, s.Session.State)
	case s.FlightPath != nil:
		return fmt.Sprintf("flightpath %s -> %s %s is %s", s.FlightPath.From, s.FlightPath.To, flowWord(s.FlightPath), verdict(s.FlightPath.Reachable))
	case s.Outage != nil:
		return fmt.Sprintf("outage %s -> %s at most %s", s.Outage.From, s.Outage.To, s.Outage.Max)
	case s.Kill != "":
		return "kill " + s.Kill
	case s.Restart != "":
		return "restart " + s.Restart
	case s.CLI != "":
		if first := firstLine(s.CLI); first != strings.TrimSpace(s.CLI) {
			return "cli " + first + " …"
		}
		return "cli " + s.CLI
	case s.Exec != nil:
		return "exec " + s.Exec.Node + ": " + firstLine(s.Exec.Command)
	case s.Link != nil:
		return fmt.Sprintf("link %s-%s %s", s.Link.A, s.Link.B, map[bool]string{true: "up", false: "down"}[s.Link.Up])
	case s.Announce != nil:
		return fmt.Sprintf("%s %s %s", s.Kind, s.Announce.Router, s.Announce.Prefix)
	case len(s.MCNLab) > 0:
		return "mcnlab " + strings.Join(s.MCNLab, " ")
	case s.Approve != nil:
		return "approve " + s.Approve.Site + " " + s.Approve.Prefix.String()
	case s.Sleep > 0:
		return "sleep " + s.Sleep.String()
	case s.Wait != "":
		return "wait " + s.Wait
	}
	return s.Kind
}

func flowWord(f *FlightPath) string {
	if f.Proto == "icmp" {
		return "icmp"
	}
	return f.Proto + "/" + strconv.Itoa(int(f.Port))
}
