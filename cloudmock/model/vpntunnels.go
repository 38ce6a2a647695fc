package model

import (
	"net/netip"
	"slices"
	"strings"
)

// VPNTunnel is what a realizer saw of one tunnel of a VPN connection:
// its IKE SA and BGP session (VPNUp, VPNConnecting, or empty: not
// realized) and the routes its BGP session learned.
type VPNTunnel struct {
	Tunnel, BGP string         `json:",omitempty"`
	Routes      []netip.Prefix `json:",omitempty"`
}

// tunnelLocked is tunnel n of v, made when it has none yet.
func (v *VPNConnection) tunnelLocked(n int) *VPNTunnel {
	for len(v.Tunnels) <= n {
		v.Tunnels = append(v.Tunnels, VPNTunnel{})
	}
	return &v.Tunnels[n]
}

// SetVPNTunnelStatus records what a realizer sees of tunnel n of a VPN
// connection; the connection's Tunnel and BGP become the best of its
// tunnels' (up where one is up).
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingIPsec.htm — each of a connection's two tunnels has its own status and BGP session
func (c *Cloud) SetVPNTunnelStatus(account, vpnID string, n int, tunnel, bgp string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, err := c.vpnLocked(account, vpnID)
	if err != nil {
		return err
	}
	t := v.tunnelLocked(n)
	if t.Tunnel == tunnel && t.BGP == bgp {
		return nil
	}
	t.Tunnel, t.BGP = tunnel, bgp
	v.Tunnel, v.BGP = "", ""
	for _, x := range v.Tunnels {
		v.Tunnel, v.BGP = bestStatus(v.Tunnel, x.Tunnel), bestStatus(v.BGP, x.BGP)
	}
	c.emitLocked(KindVPNConnection, OpUpdate, v.ID, account)
	return nil
}

// bestStatus is the better of two statuses: up, then connecting, then
// none.
func bestStatus(a, b string) string {
	rank := map[string]int{VPNUp: 2, VPNConnecting: 1}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// SetVPNTunnelRoutes records the routes tunnel n of a dynamic VPN learned
// over BGP; the connection's routes are those of all its tunnels, each
// once, sorted. More than the limit is refused.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/ipsecrouting.htm — the DRG learns the on-premises routes over each tunnel's BGP session
func (c *Cloud) SetVPNTunnelRoutes(account, vpnID string, n int, routes []netip.Prefix) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, err := c.learningVPNLocked(account, vpnID, routes)
	if err != nil {
		return err
	}
	v.tunnelLocked(n).Routes = slices.Clone(routes)
	var all []netip.Prefix
	for _, t := range v.Tunnels {
		all = append(all, t.Routes...)
	}
	slices.SortFunc(all, func(a, b netip.Prefix) int { return strings.Compare(a.String(), b.String()) })
	v.Routes = slices.Compact(all)
	c.emitLocked(KindVPNConnection, OpUpdate, v.ID, account)
	c.touchPropagatingTablesLocked(v)
	return nil
}
