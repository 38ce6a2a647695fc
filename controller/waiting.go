package controller

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/mcnlab/mcnlab/controller/gwcfg"
	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/dataplane/mgmt"
)

// Waiting lists what the lab still waits for before it is converged, one
// line per missing thing, naming the gateways, sessions and peers: the
// cloud's apply failing, a gateway not answering or not configured, a
// tunnel down, a BGP session not established (between which nodes, in
// which state) or not made yet, a site's prefixes not all heard at its
// transit, a route table the controller cannot program (which routes are
// missing from which table). It is empty once the lab has converged.
func (c *Controller) Waiting() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.converged {
		return nil
	}
	return c.waitingLocked()
}

// waitingLocked is Waiting's list, whether or not converged is set.
func (c *Controller) waitingLocked() []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	if !c.applied {
		if c.applyErr != nil {
			add("cloud: building the intent fails (retrying every second): %v", c.applyErr)
		} else {
			add("cloud: building the intent (VPCs, subnets, gateway instances)")
		}
	}
	out = append(out, c.egressWaiting...)
	for _, g := range c.plan.Gateways {
		what := fmt.Sprintf("gateway %s (%s %s)", g.Key, g.Role, g.Group)
		if g.Role == intent.RoleSite {
			what = fmt.Sprintf("gateway %s (site router)", g.Key)
		}
		st, ok := c.status[g.Key]
		if !ok {
			if err := c.statusErr[g.Key]; err != nil {
				add("%s: not answering: %v", what, err)
			} else {
				add("%s: not read yet", what)
			}
			continue
		}
		if _, pushed := c.pushed[g.Key]; !pushed {
			if err := c.pushErr[g.Key]; err != nil {
				add("%s: not configured: %v", what, err)
			} else {
				add("%s: not configured yet", what)
			}
			continue
		}
		refs := c.plan.SessionsOf(g.Key)
		peerOf := map[string]intent.SessionRef{}
		for _, r := range refs {
			peerOf[r.Name] = r
		}
		for _, t := range st.Tunnels {
			if t.State != mgmt.TunnelUp {
				add("%s: tunnel %s to %s is %s", what, t.Peer, c.peerName(peerOf, t.Peer), t.State)
			}
		}
		have := map[string]bool{}
		for _, s := range st.Sessions {
			have[s.Name] = true
			if gwcfg.IsS2CNeighbor(s.Name) {
				continue // over a site2cloud tunnel: not part of convergence
			}
			if s.State != "established" {
				add("%s: BGP session %s to %s (%s, AS %d) is %s, not established", what, s.Name, c.peerName(peerOf, s.Name), s.Address, s.ASN, s.State)
				continue
			}
			if site := c.plan.SiteOfSession(s.Name); g.Role == intent.RoleTransit && site != nil && s.Received < uint64(len(site.Advertise)) {
				add("%s: has heard %d of the %d prefixes site %s advertises (%s) over session %s", what, s.Received, len(site.Advertise), site.Name,
					prefixList(site.Advertise), s.Name)
			}
		}
		for _, r := range refs {
			if !have[r.Name] {
				add("%s: no BGP session %s to %s over its %s yet (the peer is not configured, or has no instance)", what, r.Name, r.Peer, r.Over)
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(c.syncErr)) {
		add("route table of subnet %s: %v", k, c.syncErr[k])
	}
	return out
}

// peerName says what a gateway's tunnel or session called name leads to.
func (c *Controller) peerName(peerOf map[string]intent.SessionRef, name string) string {
	if r, ok := peerOf[name]; ok {
		return r.Peer
	}
	return "an unknown peer"
}

func prefixList[T fmt.Stringer](ps []T) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ", ")
}
