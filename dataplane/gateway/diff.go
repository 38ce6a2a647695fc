package gateway

import (
	"net/netip"
	"slices"

	"github.com/mcnlab/mcnlab/dataplane/bgp"
)

// plan is what Apply must do to turn the configuration in place into the
// desired one. Names are sorted.
type plan struct {
	// Restart is set when ASN or RouterID changed (or nothing is in
	// place yet): every tunnel and session is re-created.
	Restart bool
	// Rekey is set when the private key changed: every kept tunnel is
	// re-applied; MTU when the tunnel MTU changed.
	Rekey, MTU bool
	// RemovePeers and AddPeers are torn down and made; a peer whose inner
	// addresses changed is in both.
	RemovePeers, AddPeers []string
	// TunnelPeers need their WireGuard settings re-applied (key,
	// endpoint, listen port); BGPPeers their session policy updated
	// (ASN, prepend, filters, approval).
	TunnelPeers, BGPPeers []string
	// RemoveNeighbors, AddNeighbors and UpdateNeighbors likewise; a
	// neighbour whose address or overlay address changed, or which gained
	// or lost its overlay, is removed and added.
	RemoveNeighbors, AddNeighbors, UpdateNeighbors []string
	// Overlays are neighbours whose VXLAN overlay changed otherwise (VNI,
	// underlay addresses, port, MTU): the interface is re-created under
	// the kept BGP session, which never sees it go.
	Overlays []string
	// Withdraw and Advertise are local prefixes.
	Withdraw, Advertise []netip.Prefix
	// Segmentation is set when the segmentation policy changed (is
	// replaced whole) or went (is removed).
	Segmentation bool
	// FireNet is set when the FireNet configuration changed, came or
	// went.
	FireNet bool
	// FlowExport is set when the flow export changed, came or went.
	FlowExport bool
}

// Empty reports whether the plan changes nothing.
func (p plan) Empty() bool {
	return !p.Restart && !p.Rekey && !p.MTU && !p.Segmentation && !p.FireNet && !p.FlowExport && len(p.RemovePeers)+len(p.AddPeers)+len(p.TunnelPeers)+len(p.BGPPeers)+
		len(p.RemoveNeighbors)+len(p.AddNeighbors)+len(p.UpdateNeighbors)+len(p.Overlays)+len(p.Withdraw)+len(p.Advertise) == 0
}

// diff computes the plan from cur (in place; nil when nothing is) to want.
// Both must be validated.
func diff(cur *Config, want *Config) plan {
	var p plan
	if cur == nil {
		p.Segmentation = want.Segmentation != nil
		p.FireNet = want.FireNet != nil
		p.FlowExport = want.FlowExport != nil
	} else {
		p.Segmentation = !segEqual(cur.Segmentation, want.Segmentation)
		p.FireNet = !fireNetEqual(cur.FireNet, want.FireNet)
		p.FlowExport = !flowExportEqual(cur.FlowExport, want.FlowExport)
	}
	if cur == nil || cur.ASN != want.ASN || cur.RouterID != want.RouterID {
		p.Restart = true
		cur = &Config{}
		for _, x := range want.Peers {
			p.AddPeers = append(p.AddPeers, x.Name)
		}
		for _, x := range want.Neighbors {
			p.AddNeighbors = append(p.AddNeighbors, x.Name)
		}
		p.Advertise = slices.Clone(want.Prefixes)
		slices.Sort(p.AddPeers)
		slices.Sort(p.AddNeighbors)
		return p
	}
	p.Rekey = cur.PrivateKey != want.PrivateKey
	p.MTU = cur.MTU != want.MTU
	p.diffPeers(cur.Peers, want.Peers)
	p.diffNeighbors(cur.Neighbors, want.Neighbors)
	for _, x := range want.Prefixes {
		if !slices.Contains(cur.Prefixes, x) {
			p.Advertise = append(p.Advertise, x)
		}
	}
	for _, x := range cur.Prefixes {
		if !slices.Contains(want.Prefixes, x) {
			p.Withdraw = append(p.Withdraw, x)
		}
	}
	for _, s := range [][]string{p.RemovePeers, p.AddPeers, p.TunnelPeers, p.BGPPeers, p.RemoveNeighbors, p.AddNeighbors, p.UpdateNeighbors, p.Overlays} {
		slices.Sort(s)
	}
	return p
}

// diffPeers plans the peers: a peer whose inner addresses changed is
// removed and added; otherwise its tunnel and its session are updated
// each on its own.
func (p *plan) diffPeers(cur, want []Peer) {
	old := make(map[string]Peer)
	for _, x := range cur {
		old[x.Name] = x
	}
	seen := make(map[string]bool)
	for _, x := range want {
		seen[x.Name] = true
		o, ok := old[x.Name]
		switch {
		case !ok:
			p.AddPeers = append(p.AddPeers, x.Name)
		case o.Address != x.Address || o.PeerAddress != x.PeerAddress:
			p.RemovePeers = append(p.RemovePeers, x.Name)
			p.AddPeers = append(p.AddPeers, x.Name)
		default:
			if o.PublicKey != x.PublicKey || o.Endpoint != x.Endpoint || o.ListenPort != x.ListenPort {
				p.TunnelPeers = append(p.TunnelPeers, x.Name)
			}
			if o.ASN != x.ASN || o.Prepend != x.Prepend || !slices.Equal(o.Import, x.Import) || !slices.Equal(o.Export, x.Export) || !slices.Equal(o.NotFrom, x.NotFrom) ||
				o.Approval != x.Approval || !slices.Equal(o.Approved, x.Approved) {
				p.BGPPeers = append(p.BGPPeers, x.Name)
			}
		}
	}
	for _, x := range cur {
		if !seen[x.Name] {
			p.RemovePeers = append(p.RemovePeers, x.Name)
		}
	}
}

// diffNeighbors plans the neighbours: one whose session address or
// overlay address changed, or which gained or lost its overlay, is
// removed and added; otherwise its overlay and its session are updated
// each on its own.
func (p *plan) diffNeighbors(cur, want []Neighbor) {
	old := make(map[string]Neighbor)
	for _, x := range cur {
		old[x.Name] = x
	}
	seen := make(map[string]bool)
	for _, x := range want {
		seen[x.Name] = true
		o, ok := old[x.Name]
		switch {
		case !ok:
			p.AddNeighbors = append(p.AddNeighbors, x.Name)
		case o.Address != x.Address || (o.VXLAN == nil) != (x.VXLAN == nil) ||
			(o.VXLAN != nil && o.VXLAN.Address != x.VXLAN.Address):
			p.RemoveNeighbors = append(p.RemoveNeighbors, x.Name)
			p.AddNeighbors = append(p.AddNeighbors, x.Name)
		default:
			// Deleting and re-adding the session would send the
			// neighbour a Cease; two GoBGP ends can then phase-lock in
			// their fixed 5 s idle hold (see peerBGP). Only a new
			// session address needs a new session.
			if !vxlanEqual(o.VXLAN, x.VXLAN) {
				p.Overlays = append(p.Overlays, x.Name)
			}
			if o.VXLAN, x.VXLAN = nil, nil; !neighborEqual(o, x) {
				p.UpdateNeighbors = append(p.UpdateNeighbors, x.Name)
			}
		}
	}
	for _, x := range cur {
		if !seen[x.Name] {
			p.RemoveNeighbors = append(p.RemoveNeighbors, x.Name)
		}
	}
}

func neighborEqual(a, b Neighbor) bool {
	return a.Address == b.Address && a.ASN == b.ASN && a.LocalAddress == b.LocalAddress && a.Passive == b.Passive && a.NoBFD == b.NoBFD &&
		a.Prepend == b.Prepend && slices.Equal(a.Import, b.Import) && slices.Equal(a.Export, b.Export) &&
		a.Approval == b.Approval && slices.Equal(a.Approved, b.Approved) && vxlanEqual(a.VXLAN, b.VXLAN)
}

func vxlanEqual(a, b *VXLAN) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// peerBGP is the BGP session of a peer: over the tunnel's inner addresses.
// Only the end with the lower inner address connects; the other waits
// (passive). With both ends active, GoBGP's fixed 5 s idle hold after a
// failed attempt can phase-lock the two ends, each refusing the other's
// connection while idle, for tens of seconds after one end restarts.
func peerBGP(p Peer) bgp.PeerConfig {
	return bgp.PeerConfig{
		Address:      p.PeerAddress,
		ASN:          p.ASN,
		LocalAddress: p.Address.Addr(),
		Passive:      p.Address.Addr().Compare(p.PeerAddress) > 0,
		Prepend:      p.Prepend,
		Import:       p.Import,
		Export:       p.Export,
		NotFrom:      p.NotFrom,
		Description:  "peer " + p.Name,
		// As for a neighbour: changing the approval swaps the import
		// policy and soft-resets the session (bgp.UpdatePeer).
		ManualApproval: p.Approval == ApprovalManual,
		Approved:       p.Approved,
	}
}

func neighborBGP(n Neighbor) bgp.PeerConfig {
	return bgp.PeerConfig{
		Address:      n.Address,
		ASN:          n.ASN,
		LocalAddress: n.LocalAddress,
		Passive:      n.Passive,
		Prepend:      n.Prepend,
		Import:       n.Import,
		Export:       n.Export,
		Description:  "neighbor " + n.Name,
		// Changing the approval mode or the approved prefixes swaps the
		// import policy and soft-resets the session (bgp.UpdatePeer).
		ManualApproval: n.Approval == ApprovalManual,
		Approved:       n.Approved,
	}
}
