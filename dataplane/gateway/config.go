package gateway

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/mcnlab/mcnlab/dataplane/bgp"
	"github.com/mcnlab/mcnlab/dataplane/firenet"
	"github.com/mcnlab/mcnlab/dataplane/flowexport"
	"github.com/mcnlab/mcnlab/dataplane/wg"
)

// Config is a gateway's whole desired configuration.
type Config struct {
	// Name is the gateway's name.
	Name string
	// ASN and RouterID are the BGP speaker's; changing either restarts
	// every session.
	ASN      uint32
	RouterID netip.Addr
	// Prefixes are originated into BGP and sent to every session (subject
	// to export filters).
	Prefixes []netip.Prefix
	// PrivateKey is the WireGuard key of every tunnel.
	PrivateKey wg.Key
	// MTU of every tunnel interface; 0 means wg.DefaultMTU.
	MTU int
	// Peers are the gateways reached through a tunnel each.
	Peers []Peer
	// Neighbors are plain BGP neighbours reached over links.
	Neighbors []Neighbor
	// Segmentation, when set, drops forwarded traffic between domains
	// that are not connected (segmentation.go); nil forwards everything.
	Segmentation *Segmentation
	// FireNet, when set, steers inspected traffic through firewall
	// instances (dataplane/firenet); nil steers nothing.
	FireNet *firenet.Config
	// FlowExport, when set, exports the flows the gateway forwards and
	// its segmentation drops as IPFIX (flows.go); nil exports nothing.
	FlowExport *FlowExport
}

// FlowExport is a flow export: where and how often, and the domains that
// name addresses in its records when the gateway holds no segmentation (a
// spoke: the transit segments).
type FlowExport struct {
	flowexport.Config
	Domains []Domain
}

// Peer is a gateway reached through its own tunnel. The peer must be our
// gateway too: it answers the tunnel's liveness hellos (liveness.go), and
// until it does, nothing is routed through the tunnel.
type Peer struct {
	// Name identifies the peer; the tunnel interface is wg-<Name>.
	Name string
	// PublicKey is the peer's WireGuard key.
	PublicKey wg.Key
	// Endpoint is the peer's underlay address and port for this tunnel;
	// invalid waits for the peer to make contact.
	Endpoint netip.AddrPort
	// ListenPort is the local UDP port of this tunnel.
	ListenPort uint16
	// Address is the local inner address with the tunnel's prefix
	// length: /31 or /30 (IPv6 /127 or /126).
	Address netip.Prefix
	// PeerAddress is the peer's inner address, inside Address's prefix.
	PeerAddress netip.Addr
	// ASN is the peer's AS.
	ASN uint32
	// Prepend, Import, Export and NotFrom are as in bgp.PeerConfig.
	Prepend        int
	Import, Export []bgp.PrefixFilter
	NotFrom        []uint32
	// Approval and Approved are as for a Neighbor: under ApprovalManual
	// the routes learned over the tunnel wait in the session's Filtered
	// list until approved (a transit gateway holding an on-prem edge's
	// routes), and changing them re-filters without resetting the session.
	Approval string
	Approved []netip.Prefix
}

// Neighbor is a plain BGP neighbour.
type Neighbor struct {
	Name         string
	Address      netip.Addr
	ASN          uint32
	LocalAddress netip.Addr
	Passive      bool
	Prepend      int
	Import       []bgp.PrefixFilter
	Export       []bgp.PrefixFilter
	// NoBFD turns off the neighbour's BFD session (bfd.go). BFD is on by
	// default: 100 ms intervals, detect multiplier 3, from LocalAddress or
	// else the address the kernel picks to reach Address; a neighbour
	// that does not answer is harmless.
	NoBFD bool
	// Approval is ApprovalAuto ("" too) or ApprovalManual: with manual
	// approval only the prefixes in Approved that Import also allows are
	// accepted; the others wait in the session's Filtered list.
	Approval string
	// Approved are the prefixes approved by hand (exact, masked, sorted by
	// Validate). Changing them re-filters the routes already received
	// without resetting the session.
	Approved []netip.Prefix
	// VXLAN, when set, is the point-to-point overlay the neighbour is
	// reached over: the gateway creates it as VXLANInterface (vxlan.go).
	VXLAN *VXLAN
}

// Approval modes of the routes learned from a peer or neighbour.
const (
	ApprovalAuto   = "auto"
	ApprovalManual = "manual"
)

// VXLAN is a point-to-point VXLAN overlay to a neighbour: the private-line
// case, where an on-prem router peers over an overlay across the line (as
// GRE does elsewhere; this kernel has no GRE).
type VXLAN struct {
	// VNI is the VXLAN network identifier, 1..16777215.
	VNI uint32
	// Local is the gateway's underlay address, Remote the neighbour's:
	// every frame goes to Remote, none are learned.
	Local, Remote netip.Addr
	// Port is the UDP port; Validate turns 0 into DefaultVXLANPort.
	Port uint16
	// Address is the gateway's overlay address with the overlay's prefix
	// length, /31 or /30 (IPv6 /127 or /126); the neighbour's Address is
	// the other end.
	Address netip.Prefix
	// MTU of the interface; Validate turns 0 into DefaultVXLANMTU.
	MTU int
}

// VXLAN defaults: the IANA port, and 1500 less the 50 bytes VXLAN adds
// over IPv4.
const (
	DefaultVXLANPort = 4789
	DefaultVXLANMTU  = 1450
)

// VXLANInterface returns the name of the neighbour's overlay interface,
// vx-<name> (at most 15 bytes, since names are at most 12).
func (n Neighbor) VXLANInterface() string { return "vx-" + n.Name }

// Interface returns the name of the peer's tunnel interface.
func (p Peer) Interface() string { return "wg-" + p.Name }

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,11}$`)

// Validate checks c fully and fills defaults and normal forms (MTU,
// overlay ports and MTUs, masked and sorted prefixes, approved prefixes and
// the segmentation policy). It touches nothing.
func (c *Config) Validate() error {
	v := &validator{names: map[string]string{}, sessions: map[netip.Addr]string{}, ports: map[uint16]string{}, vnis: map[string]string{}}
	if c.ASN == 0 {
		v.bad("asn must be set")
	}
	if !c.RouterID.Is4() {
		v.bad("router_id %q must be an IPv4 address", c.RouterID)
	}
	if c.MTU == 0 {
		c.MTU = wg.DefaultMTU
	}
	if c.MTU < 1280 || c.MTU > 9000 {
		v.bad("mtu %d out of range 1280..9000", c.MTU)
	}
	if (len(c.Peers) > 0) && c.PrivateKey.IsZero() {
		v.bad("private_key must be set when there are peers")
	}
	for i, p := range c.Prefixes {
		if !p.IsValid() {
			v.bad("prefixes[%d] invalid", i)
		}
		c.Prefixes[i] = p.Masked()
	}
	slices.SortFunc(c.Prefixes, comparePrefix)
	c.Prefixes = slices.Compact(c.Prefixes)
	for i := range c.Peers {
		v.peer(i, &c.Peers[i])
	}
	for i := range c.Neighbors {
		v.neighbor(i, &c.Neighbors[i])
	}
	if c.Segmentation != nil {
		if err := c.Segmentation.validate(); err != nil {
			v.bad("segmentation: %w", err)
		}
	}
	if c.FireNet != nil {
		if err := c.FireNet.Validate(); err != nil {
			v.bad("%w", err)
		}
	}
	if f := c.FlowExport; f != nil {
		if !f.Collector.IsValid() || f.Collector.Port() == 0 {
			v.bad("flow_export: collector %q is no address and port", f.Collector)
		}
		if f.Interval < 0 {
			v.bad("flow_export: interval %s is negative", f.Interval)
		}
		names := Segmentation{Domains: f.Domains}
		if err := names.validate(); err != nil {
			v.bad("flow_export: %w", err)
		}
		f.Domains = names.Domains
	}
	return errors.Join(v.errs...)
}

// validator checks the peers and neighbours of one Config against each
// other: what they share must be unique.
type validator struct {
	errs     []error
	names    map[string]string     // peers and neighbours share one name space
	sessions map[netip.Addr]string // BGP session addresses
	ports    map[uint16]string     // WireGuard listen ports
	vnis     map[string]string     // VXLAN VNI and port
	inner    []netip.Prefix        // tunnel and overlay addresses
}

func (v *validator) bad(format string, args ...any) {
	v.errs = append(v.errs, fmt.Errorf(format, args...))
}

// checkName checks a peer's or neighbour's name and records it.
func (v *validator) checkName(where, name string) {
	if !nameRE.MatchString(name) {
		v.bad("%s: name must match %s", where, nameRE)
	} else if other, dup := v.names[name]; dup {
		v.bad("%s: name already used by %s", where, other)
	}
	v.names[name] = where
}

// peer checks peers[i] and normalises its approved prefixes.
func (v *validator) peer(i int, p *Peer) {
	where := fmt.Sprintf("peers[%d] %q", i, p.Name)
	v.checkName(where, p.Name)
	// One public key may serve several peers: the tunnels of an HPE
	// group run between the same two gateways, each on a WireGuard
	// device and port of its own.
	if p.PublicKey.IsZero() {
		v.bad("%s: public_key must be set", where)
	}
	if p.ListenPort == 0 {
		v.bad("%s: listen_port must be set", where)
	} else if other, dup := v.ports[p.ListenPort]; dup {
		v.bad("%s: listen_port %d already used by %s", where, p.ListenPort, other)
	}
	v.ports[p.ListenPort] = where
	if p.ASN == 0 {
		v.bad("%s: asn must be set", where)
	}
	if err := checkInner(p.Address, p.PeerAddress); err != nil {
		v.bad("%s: %w", where, err)
	} else {
		for _, o := range v.inner {
			if o.Overlaps(p.Address.Masked()) {
				v.bad("%s: address %s overlaps another peer's %s", where, p.Address, o)
			}
		}
		v.inner = append(v.inner, p.Address.Masked())
		if other, dup := v.sessions[p.PeerAddress]; dup {
			v.bad("%s: peer_address %s already used by %s", where, p.PeerAddress, other)
		}
		v.sessions[p.PeerAddress] = where
	}
	v.errs = append(v.errs, checkBGP(where, p.Prepend, p.Import, p.Export)...)
	v.errs = append(v.errs, checkApproval(where, p.Approval, p.Approved)...)
	p.Approved = normalApproved(p.Approved)
}

// neighbor checks neighbors[i] and fills its defaults and normal forms.
func (v *validator) neighbor(i int, n *Neighbor) {
	where := fmt.Sprintf("neighbors[%d] %q", i, n.Name)
	v.checkName(where, n.Name)
	if !n.Address.IsValid() {
		v.bad("%s: address must be set", where)
	} else if other, dup := v.sessions[n.Address.Unmap()]; dup {
		v.bad("%s: address %s already used by %s", where, n.Address, other)
	}
	n.Address = n.Address.Unmap()
	v.sessions[n.Address] = where
	if n.ASN == 0 {
		v.bad("%s: asn must be set", where)
	}
	if n.LocalAddress.IsValid() && n.LocalAddress.Is4() != n.Address.Is4() {
		v.bad("%s: local_address %s and address %s differ in family", where, n.LocalAddress, n.Address)
	}
	v.errs = append(v.errs, checkBGP(where, n.Prepend, n.Import, n.Export)...)
	v.errs = append(v.errs, checkApproval(where, n.Approval, n.Approved)...)
	n.Approved = normalApproved(n.Approved)
	if n.VXLAN == nil {
		return
	}
	if err := checkVXLAN(n); err != nil {
		v.bad("%s: %w", where, err)
		return
	}
	o := n.VXLAN.Address.Masked()
	for _, other := range v.inner {
		if other.Overlaps(o) {
			v.bad("%s: vxlan.address %s overlaps %s of another peer or neighbour", where, n.VXLAN.Address, other)
		}
	}
	v.inner = append(v.inner, o)
	key := fmt.Sprintf("vni %d port %d", n.VXLAN.VNI, n.VXLAN.Port)
	if other, dup := v.vnis[key]; dup {
		v.bad("%s: vxlan %s already used by %s", where, key, other)
	}
	v.vnis[key] = where
}

// checkApproval checks a peer's or neighbour's approval mode and approved
// prefixes.
func checkApproval(where, approval string, approved []netip.Prefix) []error {
	var errs []error
	switch approval {
	case "", ApprovalAuto, ApprovalManual:
	default:
		errs = append(errs, fmt.Errorf("%s: approval %q must be %q or %q", where, approval, ApprovalAuto, ApprovalManual))
	}
	for i, p := range approved {
		if !p.IsValid() {
			errs = append(errs, fmt.Errorf("%s: approved[%d] invalid", where, i))
		}
	}
	return errs
}

// normalApproved masks, sorts and deduplicates approved prefixes (in
// place); invalid ones, which checkApproval reports, stay as they are.
func normalApproved(approved []netip.Prefix) []netip.Prefix {
	for i, p := range approved {
		if p.IsValid() {
			approved[i] = p.Masked()
		}
	}
	slices.SortFunc(approved, comparePrefix)
	return slices.Compact(approved)
}

// checkVXLAN checks a neighbour's overlay and fills its defaults.
func checkVXLAN(n *Neighbor) error {
	v := n.VXLAN
	if v.VNI == 0 || v.VNI > 1<<24-1 {
		return fmt.Errorf("vxlan.vni %d out of range 1..16777215", v.VNI)
	}
	if !v.Local.IsValid() || !v.Remote.IsValid() {
		return errors.New("vxlan.local and vxlan.remote must be set")
	}
	v.Local, v.Remote = v.Local.Unmap(), v.Remote.Unmap()
	if v.Local.Is4() != v.Remote.Is4() {
		return fmt.Errorf("vxlan.local %s and vxlan.remote %s differ in family", v.Local, v.Remote)
	}
	if v.Local == v.Remote {
		return fmt.Errorf("vxlan.local and vxlan.remote are both %s", v.Local)
	}
	if v.Port == 0 {
		v.Port = DefaultVXLANPort
	}
	if v.MTU == 0 {
		v.MTU = DefaultVXLANMTU
	}
	if v.MTU < 1280 || v.MTU > 9000 {
		return fmt.Errorf("vxlan.mtu %d out of range 1280..9000", v.MTU)
	}
	if !v.Address.IsValid() {
		return errors.New("vxlan.address must be set")
	}
	if n.Address.Is4() != v.Address.Addr().Is4() || !v.Address.Contains(n.Address) || n.Address == v.Address.Addr() {
		return fmt.Errorf("address %s must lie inside vxlan.address %s, as its other end", n.Address, v.Address.Masked())
	}
	if err := checkInner(v.Address, n.Address); err != nil {
		return fmt.Errorf("vxlan.address %s and address %s: %w", v.Address, n.Address, err)
	}
	if n.LocalAddress.IsValid() && n.LocalAddress != v.Address.Addr() {
		return fmt.Errorf("local_address %s must be the overlay address %s (or unset)", n.LocalAddress, v.Address.Addr())
	}
	return nil
}

// checkInner checks a tunnel's inner addresses: a point-to-point prefix
// holding both ends, neither of them the network or broadcast address of a
// /30.
func checkInner(local netip.Prefix, peer netip.Addr) error {
	if !local.IsValid() || !peer.IsValid() {
		return errors.New("address and peer_address must be set")
	}
	if local.Addr().Is4() != peer.Is4() || local.Addr().Is4In6() || peer.Is4In6() {
		return fmt.Errorf("address %s and peer_address %s differ in family", local, peer)
	}
	host := local.Addr().BitLen() - local.Bits()
	if host != 1 && host != 2 {
		return fmt.Errorf("address %s: want a /31 or /30 (IPv6 /127 or /126)", local)
	}
	if local.Addr() == peer || !local.Contains(peer) {
		return fmt.Errorf("peer_address %s must be the other end inside %s", peer, local.Masked())
	}
	if host == 2 {
		net := local.Masked().Addr()
		bcast := net.Next().Next().Next()
		for _, a := range []netip.Addr{local.Addr(), peer} {
			if a == net || (a.Is4() && a == bcast) {
				return fmt.Errorf("%s is the network or broadcast address of %s", a, local.Masked())
			}
		}
	}
	return nil
}

func checkBGP(where string, prepend int, imp, exp []bgp.PrefixFilter) []error {
	var errs []error
	if prepend < 0 || prepend > 16 {
		errs = append(errs, fmt.Errorf("%s: prepend %d out of range 0..16", where, prepend))
	}
	for dir, fs := range map[string][]bgp.PrefixFilter{"import": imp, "export": exp} {
		for i, f := range fs {
			if err := checkFilter(f); err != nil {
				errs = append(errs, fmt.Errorf("%s: %s[%d]: %w", where, dir, i, err))
			}
		}
	}
	return errs
}

func checkFilter(f bgp.PrefixFilter) error {
	if !f.Prefix.IsValid() {
		return errors.New("prefix must be set")
	}
	bits, maxBits := f.Prefix.Bits(), f.Prefix.Addr().BitLen()
	ge, le := f.GE, f.LE
	if ge == 0 && le == 0 {
		return nil
	}
	if ge == 0 {
		ge = bits
	}
	if le == 0 {
		le = maxBits
	}
	if ge < bits || le < ge || le > maxBits {
		return fmt.Errorf("%s ge %d le %d: need %d <= ge <= le <= %d", f.Prefix, f.GE, f.LE, bits, maxBits)
	}
	return nil
}

func comparePrefix(a, b netip.Prefix) int {
	if c := a.Addr().Compare(b.Addr()); c != 0 {
		return c
	}
	return a.Bits() - b.Bits()
}

// String renders c without its private key, for logs.
func (c Config) String() string {
	var names []string
	for _, p := range c.Peers {
		names = append(names, p.Name)
	}
	for _, n := range c.Neighbors {
		names = append(names, n.Name)
	}
	return fmt.Sprintf("gateway %s AS%d router-id %s prefixes %v sessions [%s]", c.Name, c.ASN, c.RouterID, c.Prefixes, strings.Join(names, " "))
}
