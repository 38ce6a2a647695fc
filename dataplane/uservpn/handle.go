package uservpn

import (
	"fmt"
	"net/netip"
	"strconv"
	"time"

	"github.com/mcnlab/mcnlab/dataplane/policy"
)

// handle answers mc's client events until it closes.
func (g *Gateway) handle(mc *mgmtConn) {
	defer g.wg.Done()
	for ev := range mc.events {
		switch ev.Kind {
		case EventConnect, EventReauth:
			if cmd := g.authorize(ev); cmd != "" {
				if _, err := mc.Command(cmd); err != nil {
					g.log.Warn("answer openvpn", "client", ev.CID, "err", err)
				}
			}
		case EventEstablished:
			g.established(ev)
		case EventDisconnect:
			g.disconnected(ev)
		}
	}
	g.mu.Lock()
	if g.mc == mc && mc.err != nil {
		g.log.Warn("management connection ended", "err", mc.err)
	}
	g.mu.Unlock()
}

// authorize decides client ev: its user and profile from the
// certificate OpenVPN verified, an address of the pool, the profile's
// rules in force; it returns the client-auth or client-deny command.
func (g *Gateway) authorize(ev *Event) string {
	user, profile := ev.Env["common_name"], ev.Env["X509_0_OU"]
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.cfg == nil {
		return denyCommand(ev, "not configured")
	}
	deny := func(reason string) string {
		g.eventLocked(SessionEvent{Kind: "deny", User: quoteSafe(user), Profile: quoteSafe(profile), Remote: remote(ev), Reason: reason})
		return denyCommand(ev, reason)
	}
	if !ValidName(user) {
		return deny("certificate common name is not a user name")
	}
	if _, ok := g.cfg.Profiles[profile]; !ok || !ValidName(profile) {
		return deny("certificate names no profile of this gateway")
	}
	if ev.Kind == EventReauth {
		if s, ok := g.sessions[ev.CID]; ok && s.User == user && s.Profile == profile {
			return authCommand(ev, s.Address.String(), mask(g.cfg.Pool))
		}
		return deny("renegotiation with another identity")
	}
	for _, s := range g.sessions {
		if s.User == user {
			return deny("user already connected")
		}
	}
	addr, ok := g.freeAddrLocked()
	if !ok {
		return deny("address pool exhausted")
	}
	s := &Session{User: user, Profile: profile, Address: addr, Remote: remote(ev), Since: time.Now(), Serial: ev.Env["tls_serial_hex_0"], cid: ev.CID}
	g.sessions[ev.CID] = s
	if err := policy.Apply(g.opts.Nft, Table(*g.cfg, g.sessionListLocked())); err != nil {
		delete(g.sessions, ev.CID)
		return deny(fmt.Sprintf("install rules: %v", err))
	}
	g.eventLocked(SessionEvent{Kind: "connect", User: user, Profile: profile, Address: addr.String(), Remote: s.Remote})
	return authCommand(ev, addr.String(), mask(g.cfg.Pool))
}

// established notes the client's address as OpenVPN confirms it.
func (g *Gateway) established(ev *Event) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if s, ok := g.sessions[ev.CID]; ok {
		if a, err := netip.ParseAddr(ev.Env["ifconfig_pool_remote_ip"]); err == nil && a != s.Address {
			g.log.Warn("client took another address", "user", s.User, "want", s.Address, "got", a)
		}
	}
}

// disconnected removes the client's session and its rules.
func (g *Gateway) disconnected(ev *Event) {
	g.mu.Lock()
	defer g.mu.Unlock()
	s, ok := g.sessions[ev.CID]
	if !ok {
		return
	}
	delete(g.sessions, ev.CID)
	if g.cfg != nil {
		if err := policy.Apply(g.opts.Nft, Table(*g.cfg, g.sessionListLocked())); err != nil {
			g.log.Error("remove a session's rules", "user", s.User, "err", err)
		}
	}
	g.eventLocked(SessionEvent{Kind: "disconnect", User: s.User, Profile: s.Profile, Address: s.Address.String(), Remote: s.Remote})
}

func (g *Gateway) sessionListLocked() []Session {
	out := make([]Session, 0, len(g.sessions))
	for _, s := range g.sessions {
		out = append(out, *s)
	}
	return out
}

// remote is the client's address and port from its environment.
func remote(ev *Event) string {
	ip, port := ev.Env["untrusted_ip"], ev.Env["untrusted_port"]
	if a, err := netip.ParseAddr(ip); err == nil {
		return netip.AddrPortFrom(a, parsePort(port)).String()
	}
	return ""
}

func parsePort(s string) uint16 {
	n, _ := strconv.ParseUint(s, 10, 16)
	return uint16(n)
}
