package gateway

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"time"
)

// The tunnels component: a peer gateway is a tunnel (tunnel.go, made
// through sys.tunnels) carrying a BGP session; its liveness prober's
// verdicts and restarts feed the FIB and reset the session.

func (e *Engine) addPeerLocked(ctx context.Context, p Peer) error {
	hooks := proberHooks{
		Change:  func(bool) { e.kickFIB() },
		Restart: func() { e.peerRestarted(p.PeerAddress) },
	}
	t, err := e.sys.tunnels.open(e.cur.PrivateKey, e.cur.MTU, p, hooks)
	if err != nil {
		return fmt.Errorf("add peer %s: %w", p.Name, err)
	}
	if err := e.speaker.Load().AddPeer(ctx, peerBGP(p)); err != nil {
		return errors.Join(fmt.Errorf("add peer %s: %w", p.Name, err), t.close())
	}
	e.tunnels[p.Name] = t
	e.setProber(t.peer, t.live)
	e.cur.Peers = append(e.cur.Peers, p)
	return nil
}

// removePeerLocked deletes the peer's session, then its tunnel. The peer
// leaves cur even when a step fails, since it is then broken anyway.
func (e *Engine) removePeerLocked(ctx context.Context, name string) error {
	i := slices.IndexFunc(e.cur.Peers, func(p Peer) bool { return p.Name == name })
	if i < 0 {
		return nil
	}
	p := e.cur.Peers[i]
	e.cur.Peers = slices.Delete(e.cur.Peers, i, i+1)
	var errs []error
	if sp := e.speaker.Load(); sp != nil {
		if err := sp.DeletePeer(ctx, p.PeerAddress); err != nil {
			errs = append(errs, err)
		}
	}
	// Take the dead next hop out of the FIB before its interface goes.
	if err := e.syncFIB(ctx); err != nil {
		e.log.Warn("fib sync", "err", err)
	}
	if t := e.tunnels[name]; t != nil {
		e.setProber(t.peer, nil)
		errs = append(errs, t.close())
		delete(e.tunnels, name)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("remove peer %s: %w", name, err)
	}
	return nil
}

func (e *Engine) setPeerLocked(set func(*Peer), name string) {
	i := slices.IndexFunc(e.cur.Peers, func(p Peer) bool { return p.Name == name })
	if i >= 0 {
		set(&e.cur.Peers[i])
	}
}

// setProber records (or, with nil, forgets) the liveness prober of the
// tunnel to the peer at inner address peer.
func (e *Engine) setProber(peer netip.Addr, p *prober) {
	e.lmu.Lock()
	defer e.lmu.Unlock()
	if p == nil {
		delete(e.probers, peer)
	} else {
		e.probers[peer] = p
	}
}

// deadHops returns the inner addresses of peers whose tunnel is down or
// whose paths are stale, and the addresses of neighbours whose BFD
// session went down.
func (e *Engine) deadHops() map[netip.Addr]bool {
	e.lmu.Lock()
	defer e.lmu.Unlock()
	dead := map[netip.Addr]bool{}
	for addr, p := range e.probers {
		if !p.Up() || e.restarted[addr] {
			dead[addr] = true
		}
	}
	e.deadNeighborsLocked(dead)
	return dead
}

// peerRestarted is a prober's Restart hook: the peer at inner address
// peer restarted, so the paths of our session with it are stale (their
// next hop has no routes any more) although BGP may not know yet. They
// leave the FIB at once, and resetLoop resets the session.
func (e *Engine) peerRestarted(peer netip.Addr) {
	e.lmu.Lock()
	e.restarted[peer] = true
	e.lmu.Unlock()
	e.kickFIB()
	select {
	case e.reset <- struct{}{}:
	default:
	}
}

// resetTimeout bounds one session reset.
const resetTimeout = 10 * time.Second

// resetLoop resets the BGP session of every restarted peer: deleting and
// adding it again drops its stale paths at once and starts a new session
// without waiting for the hold timer or GoBGP's idle hold time.
func (e *Engine) resetLoop(ctx context.Context) {
	defer e.wg.Done()
	for {
		select {
		case <-ctx.Done():
			return
		case <-e.reset:
		}
		e.lmu.Lock()
		peers := slices.Collect(maps.Keys(e.restarted))
		e.lmu.Unlock()
		for _, peer := range peers {
			rctx, cancel := context.WithTimeout(ctx, resetTimeout)
			if err := e.resetPeer(rctx, peer); err != nil {
				e.log.Error("reset restarted peer", "peer", peer, "err", err)
			}
			cancel()
			e.lmu.Lock()
			delete(e.restarted, peer)
			e.lmu.Unlock()
			e.kickFIB()
		}
	}
}

// resetPeer deletes and re-adds the session to the peer at inner address
// addr, if it is still configured. If that fails, the peer is torn down
// whole, as a failed Apply would (Config then lacks it; a PUT retries).
func (e *Engine) resetPeer(ctx context.Context, addr netip.Addr) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	i := slices.IndexFunc(e.cur.Peers, func(p Peer) bool { return p.PeerAddress == addr })
	sp := e.speaker.Load()
	if e.closed || i < 0 || sp == nil {
		return nil
	}
	p := e.cur.Peers[i]
	e.log.Info("reset session of restarted peer", "peer", p.Name)
	err := sp.DeletePeer(ctx, addr)
	if err == nil {
		err = sp.AddPeer(ctx, peerBGP(p))
	}
	if err != nil {
		return errors.Join(fmt.Errorf("reset peer %s: %w", p.Name, err), e.removePeerLocked(ctx, p.Name))
	}
	return nil
}

// removePeersLocked tears down the peers the plan removes.
func (e *Engine) removePeersLocked(a *applying) {
	for _, name := range a.plan.RemovePeers {
		if err := e.removePeerLocked(a.ctx, name); err != nil {
			a.fail(err)
		}
	}
}

// addPeersLocked makes the peers the plan adds.
func (e *Engine) addPeersLocked(a *applying) {
	for _, name := range a.plan.AddPeers {
		if err := e.addPeerLocked(a.ctx, a.peer(name)); err != nil {
			a.fail(err)
		}
	}
}

// changePeersLocked changes the kept peers: a new key or MTU on every
// tunnel, new WireGuard settings on some, new session policies on others.
// A peer that fails a change is torn down whole.
func (e *Engine) changePeersLocked(a *applying) {
	p, want := a.plan, a.want
	e.cur.PrivateKey, e.cur.MTU = want.PrivateKey, want.MTU
	if p.Rekey || p.MTU {
		for _, cp := range slices.Clone(e.cur.Peers) {
			t := e.tunnels[cp.Name]
			var err error
			if p.Rekey {
				err = t.dev.Apply(wgConfig(want.PrivateKey, cp))
			}
			if err == nil && p.MTU {
				err = e.sys.tunnels.setMTU(t, want.MTU)
			}
			if err != nil {
				a.fail(errors.Join(fmt.Errorf("peer %s: %w", cp.Name, err), e.removePeerLocked(a.ctx, cp.Name)))
			}
		}
	}
	for _, name := range p.TunnelPeers {
		np, t := a.peer(name), e.tunnels[name]
		if t == nil {
			continue // torn down above
		}
		if err := t.dev.Apply(wgConfig(want.PrivateKey, np)); err != nil {
			a.fail(errors.Join(fmt.Errorf("update peer %s: %w", name, err), e.removePeerLocked(a.ctx, name)))
			continue
		}
		e.setPeerLocked(func(c *Peer) { c.PublicKey, c.Endpoint, c.ListenPort = np.PublicKey, np.Endpoint, np.ListenPort }, name)
	}
	for _, name := range p.BGPPeers {
		np := a.peer(name)
		if e.tunnels[name] == nil {
			continue
		}
		if err := a.sp.UpdatePeer(a.ctx, peerBGP(np)); err != nil {
			a.fail(errors.Join(fmt.Errorf("update peer %s: %w", name, err), e.removePeerLocked(a.ctx, name)))
			continue
		}
		e.setPeerLocked(func(c *Peer) {
			c.ASN, c.Prepend, c.Import, c.Export, c.NotFrom = np.ASN, np.Prepend, np.Import, np.Export, np.NotFrom
			c.Approval, c.Approved = np.Approval, np.Approved
		}, name)
	}
}
