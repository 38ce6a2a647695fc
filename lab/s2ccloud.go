package lab

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/mcnlab/mcnlab/controller/api"
	"github.com/mcnlab/mcnlab/controller/gwconf"
	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/dataplane/s2c"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/ipsec"
	"github.com/mcnlab/mcnlab/topologies"
)

// upCloudS2C brings up the site2cloud connections whose gateways are a
// spoke's instances (cloud-gateway), once the cloud has converged and the
// instances' addresses are known: each spoke gateway's charon, routes and
// translation in its instance's namespace (its IKE bound to its private
// address, its identity the public one), each site's charon with the
// tunnel to the spoke's first gateway and the backup to its HA gateway,
// and waits until they are up (s2c.UpAt) and, for connections with bgp,
// until their sessions are established at the spoke's gateways.
func upCloudS2C(ctx context.Context, lab string, cp *intent.Plan) error {
	t := cp.Topology
	var conns []*topologies.Site2Cloud
	for _, s := range t.Site2Cloud {
		if s.InCloud() {
			conns = append(conns, s)
		}
	}
	if len(conns) == 0 {
		return nil
	}
	c, err := API(lab)
	if err != nil {
		return err
	}
	st, err := c.Status(ctx)
	if err != nil {
		return fmt.Errorf("site2cloud: the controller's gateways: %w", err)
	}
	rt, at, err := resolveCloudS2C(lab, cp, conns, st.Gateways)
	if err != nil {
		return err
	}
	if err := ipsec.MakeCerts(lab, rt.Site2Cloud, S2CIssuer(lab)); err != nil {
		return err
	}
	if err := startCloudSites(ctx, lab, rt); err != nil {
		return err
	}
	if err := s2c.UpAt(ctx, lab, rt, at); err != nil {
		return err
	}
	return gwconf.WaitSite2Cloud(ctx, Nodes{Lab: lab}, byInstance(rt, at), nil)
}

// byInstance is rt with each connection's gateways named by the ID of
// the instance that runs them (at), which names its daemon's socket.
func byInstance(rt *topologies.Topology, at map[string]s2c.Instance) *topologies.Topology {
	out := *rt
	out.Site2Cloud = nil
	for _, s := range rt.Site2Cloud {
		x := *s
		x.Gateway = at[s.Gateway].ID
		if s.HAGateway != "" {
			x.HAGateway = at[s.HAGateway].ID
		}
		out.Site2Cloud = append(out.Site2Cloud, &x)
	}
	return &out
}

// resolveCloudS2C returns a topology whose connections are conns with
// their gateways resolved (topologies.Site2Cloud.Resolve): the spoke's
// instances by gateway key, with their public addresses, and the sites'
// uplink addresses; and where each instance runs.
func resolveCloudS2C(lab string, cp *intent.Plan, conns []*topologies.Site2Cloud, gws []api.Gateway) (*topologies.Topology, map[string]s2c.Instance, error) {
	uplinks := map[string]netip.Addr{}
	for _, s := range cp.S2CSites() {
		uplinks[s.Name] = s.Uplink.Addr()
	}
	rt := *cp.Topology
	rt.Site2Cloud = nil
	at := map[string]s2c.Instance{}
	for _, s := range conns {
		var pair []api.Gateway
		for _, g := range cp.GatewaysOf(s.CloudGateway) {
			for _, ag := range gws {
				if ag.Name == g.Key {
					if ag.InstanceID == "" || !ag.PublicIP.IsValid() {
						return nil, nil, fmt.Errorf("site2cloud %s: gateway %s of spoke %s has no instance or public address yet", s.Name, g.Key, s.CloudGateway)
					}
					pair = append(pair, ag)
					at[ag.Name] = s2c.Instance{ID: ag.InstanceID, Namespace: emulator.InstanceNamespace(lab, ag.InstanceID), Private: ag.PrivateIP}
				}
			}
		}
		if len(pair) == 0 {
			return nil, nil, fmt.Errorf("site2cloud %s: spoke %s has no gateways", s.Name, s.CloudGateway)
		}
		r := s.Resolve(uplinks[s.Site], pair[0].Name, pair[0].PublicIP, "", netip.Addr{})
		if len(pair) > 1 {
			r = s.Resolve(uplinks[s.Site], pair[0].Name, pair[0].PublicIP, pair[1].Name, pair[1].PublicIP)
		}
		if err := ipsec.SaveResolved(lab, r); err != nil {
			return nil, nil, err
		}
		rt.Site2Cloud = append(rt.Site2Cloud, r)
	}
	return &rt, at, nil
}

// startCloudSites starts the charon of each strongswan site of rt's
// (resolved) connections with its side of them, and puts the inside
// addresses of those with bgp on its ipsec0 (its bgpd, which deploy
// started with their sessions, then reaches the gateways), as the
// emulator does for the sites of connections to gateway nodes.
func startCloudSites(ctx context.Context, lab string, rt *topologies.Topology) error {
	done := map[string]bool{}
	for _, s := range rt.Site2Cloud {
		if done[s.Site] {
			continue
		}
		done[s.Site] = true
		var conns []ipsec.Conn
		mine := siteConns(rt, s.Site)
		for _, x := range mine {
			psk, err := ipsec.PSK(lab, x.Name)
			if err != nil {
				return fmt.Errorf("site %s: %w", s.Site, err)
			}
			conns = append(conns, ipsec.WithCerts(lab, x, ipsec.EndSite, ipsec.SiteConns(x, psk, ipsec.SiteIndex(rt, x)))...)
		}
		if _, err := emulator.StartCharon(ctx, lab, s.Site, conns, ipsec.Routing{}); err != nil {
			return err
		}
		if err := emulator.SiteInside(lab, s.Site, mine); err != nil {
			return err
		}
	}
	return nil
}

// siteConns are rt's connections whose site is site.
func siteConns(rt *topologies.Topology, site string) []*topologies.Site2Cloud {
	var out []*topologies.Site2Cloud
	for _, s := range rt.Site2Cloud {
		if s.Site == site {
			out = append(out, s)
		}
	}
	return out
}
