package controller

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"time"

	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/controller/vpnauth"
	"github.com/mcnlab/mcnlab/dataplane/uservpn"
)

// vpnState is what the controller keeps of the user VPN gateways.
type vpnState struct {
	clients clientCache[*uservpn.Client]
	mu      sync.Mutex        // guards the fields below
	seq     map[string]uint64 // gateway -> the last event logged
}

// vpnClient returns (and keeps) the client of VPN gateway k; false while
// its instance is not known or no dialer is set.
func (c *Controller) vpnClient(k string) (*uservpn.Client, bool) {
	var dial func(string) (*uservpn.Client, error)
	if c.opts.VPN != nil {
		dial = c.opts.VPN.DialVPN
	}
	return applianceClient(c, &c.vpn.clients, k, dial)
}

// vpnServerKey is the store record of gateway g's server certificate,
// kept so that a controller restart does not restart OpenVPN.
func vpnServerKey(g string) string { return "vpn-server/" + g }

// vpnServerValidity is how long a VPN gateway's certificate is valid.
const vpnServerValidity = 397 * 24 * time.Hour

// vpnConfig is the configuration gateway g is to hold: the plan's, with
// the lab CA and a server certificate it issued (once, kept in the store).
func (c *Controller) vpnConfig(g intent.VPNGateway) (uservpn.Config, error) {
	cfg := c.plan.VPNConfig(g)
	ca := c.opts.VPNCA
	if ca == nil {
		return cfg, errors.New("no CA to issue its certificate")
	}
	var iss vpnauth.Issued
	ok, err := c.opts.Store.Get(vpnServerKey(g.Key), &iss)
	if err != nil {
		return cfg, err
	}
	if !ok || time.Until(iss.NotAfter) < 24*time.Hour {
		if iss, err = ca.IssueServer(g.Key, vpnServerValidity); err != nil {
			return cfg, err
		}
		if err := c.opts.Store.Put(vpnServerKey(g.Key), iss); err != nil {
			return cfg, err
		}
	}
	cfg.CA, cfg.Cert, cfg.Key = ca.PEM(), iss.Cert, iss.Key
	return cfg, nil
}

// pushVPN gives every VPN gateway that does not hold its configuration
// (a fresh or restarted one holds none) that configuration, and logs the
// connections and disconnections each reports.
func (c *Controller) pushVPN(ctx context.Context) error {
	var errs []error
	for _, g := range c.plan.VPNGateways() {
		cl, ok := c.vpnClient(g.Key)
		if !ok {
			continue
		}
		if err := c.pushVPNGateway(ctx, g, cl); err != nil {
			errs = append(errs, fmt.Errorf("vpn gateway %s: %w", g.Key, err))
			continue
		}
		c.logVPNEvents(ctx, g.Key, cl)
	}
	return errors.Join(errs...)
}

func (c *Controller) pushVPNGateway(ctx context.Context, g intent.VPNGateway, cl *uservpn.Client) error {
	want, err := c.vpnConfig(g)
	if err != nil {
		return err
	}
	have, err := cl.Config(ctx)
	if err != nil {
		return fmt.Errorf("not answering: %w", err)
	}
	cmp := want
	cmp.Key = "" // the gateway does not show its key
	if reflect.DeepEqual(have, cmp) {
		return nil
	}
	if err := cl.PutConfig(ctx, want); err != nil {
		return fmt.Errorf("configure: %w", err)
	}
	c.vpn.mu.Lock()
	if c.vpn.seq == nil {
		c.vpn.seq = map[string]uint64{}
	}
	c.vpn.seq[g.Key] = 0 // a new server counts its events afresh
	c.vpn.mu.Unlock()
	c.log.Printf("configured vpn gateway %s: %s tunnel, pool %s, %d profiles", g.Key, want.Tunnel, want.Pool, len(want.Profiles))
	return nil
}

// logVPNEvents writes gateway k's new connection events to the log.
func (c *Controller) logVPNEvents(ctx context.Context, k string, cl *uservpn.Client) {
	c.vpn.mu.Lock()
	after := c.vpn.seq[k]
	c.vpn.mu.Unlock()
	evs, err := cl.Events(ctx, after)
	if err != nil || len(evs) == 0 {
		return
	}
	for _, e := range evs {
		switch e.Kind {
		case "connect":
			c.log.Printf("vpn gateway %s: user %s connected from %s, profile %s, address %s", k, e.User, e.Remote, e.Profile, e.Address)
		case "disconnect":
			c.log.Printf("vpn gateway %s: user %s disconnected (address %s)%s", k, e.User, e.Address, reason(e.Reason))
		default:
			c.log.Printf("vpn gateway %s: user %q from %s refused: %s", k, e.User, e.Remote, e.Reason)
		}
	}
	c.vpn.mu.Lock()
	if c.vpn.seq == nil {
		c.vpn.seq = map[string]uint64{}
	}
	c.vpn.seq[k] = evs[len(evs)-1].Seq
	c.vpn.mu.Unlock()
}

func reason(r string) string {
	if r == "" {
		return ""
	}
	return ": " + r
}

// VPNEndpoint is where users of gateway name ("" the first) connect.
func (c *Controller) VPNEndpoint(name string) (vpnauth.Endpoint, error) {
	gws := c.plan.VPNGateways()
	if len(gws) == 0 {
		return vpnauth.Endpoint{}, errors.New("the lab has no VPN gateway")
	}
	g := gws[0]
	if name != "" {
		p := c.plan.VPNGateway(name)
		if p == nil {
			return vpnauth.Endpoint{}, fmt.Errorf("no VPN gateway %q", name)
		}
		g = *p
	}
	c.mu.Lock()
	in, ok := c.inv.Instances[g.Key]
	c.mu.Unlock()
	if !ok || !in.PublicIP.IsValid() {
		return vpnauth.Endpoint{}, fmt.Errorf("VPN gateway %s has no public address yet", g.Key)
	}
	return vpnauth.Endpoint{Name: g.Key, Address: in.PublicIP, Port: intent.VPNPort}, nil
}

// VPNProfile is the profile of a signed-in user and its groups.
func (c *Controller) VPNProfile(user string, groups []string) (string, error) {
	u := c.plan.Topology.UserVPN
	if u == nil {
		return "", errors.New("the lab has no user VPN")
	}
	p := u.ProfileOf(user, groups)
	if p == nil {
		return "", fmt.Errorf("user %s has no profile (groups %v)", user, groups)
	}
	return p.Name, nil
}

// VPNIssued logs a credential issued.
func (c *Controller) VPNIssued(cr vpnauth.Credential) {
	c.log.Printf("vpn: user %s signed in at the IdP: credential %s for gateway %s, profile %s, valid until %s",
		cr.User, cr.Serial, cr.Gateway, cr.Profile, cr.NotAfter.UTC().Format(time.RFC3339))
}

// VPNSessions lists the sessions of every VPN gateway.
func (c *Controller) VPNSessions(ctx context.Context) (map[string][]uservpn.Session, error) {
	out := map[string][]uservpn.Session{}
	var errs []error
	for _, g := range c.plan.VPNGateways() {
		cl, ok := c.vpnClient(g.Key)
		if !ok {
			continue
		}
		ss, err := cl.Sessions(ctx)
		if err != nil {
			errs = append(errs, fmt.Errorf("vpn gateway %s: %w", g.Key, err))
			continue
		}
		out[g.Key] = ss
	}
	return out, errors.Join(errs...)
}

// ErrNoVPNSession is a disconnect of a user connected nowhere.
var ErrNoVPNSession = errors.New("no VPN session")

// VPNDisconnect ends user's sessions on every gateway; it returns once
// their rules are gone.
func (c *Controller) VPNDisconnect(ctx context.Context, user string) ([]string, error) {
	all, err := c.VPNSessions(ctx)
	if err != nil {
		return nil, err
	}
	var from []string
	for gw, ss := range all {
		for _, s := range ss {
			if s.User != user {
				continue
			}
			cl, _ := c.vpnClient(gw)
			if err := cl.Disconnect(ctx, user); err != nil {
				return from, fmt.Errorf("vpn gateway %s: %w", gw, err)
			}
			from = append(from, gw)
			c.log.Printf("vpn gateway %s: user %s disconnected by the API", gw, user)
		}
	}
	if len(from) == 0 {
		return nil, fmt.Errorf("user %s: %w", user, ErrNoVPNSession)
	}
	return from, nil
}
