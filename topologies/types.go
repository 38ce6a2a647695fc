package topologies

import "net/netip"

// FormatVersion is the topology format version this package reads.
const FormatVersion = 1

// Pos is a position in a topology file (1-based line and column).
type Pos struct {
	Line, Col int
}

// Topology is a decoded and validated lab description.
type Topology struct {
	// File is the path the topology was read from ("" when parsed from memory).
	File     string
	Name     string
	Version  int
	Defaults Defaults
	// Nodes in file order.
	Nodes []*Node
	// Links in file order.
	Links []*Link
	// Tunnels between gateways, in file order.
	Tunnels []*Tunnel
	// Cloud is the cloud intent (cloud.go); nil when the file has none.
	Cloud *Cloud
	// Internet is the emulated internet's resolver and hosts
	// (internet.go); nil when the file has no internet block.
	Internet *Internet
	// UserVPN is the user VPN (uservpn.go); nil when the file has none.
	UserVPN *UserVPN
	// Site2Cloud are the site-to-cloud IPsec connections
	// (site2cloud.go), in file order.
	Site2Cloud []*Site2Cloud
}

// Defaults are values applied where a node or link leaves them unset.
type Defaults struct {
	// MTU of every link that sets none (default 1500).
	MTU int
}

// NodeKind says what a node is.
type NodeKind string

// The node kinds of format v1. Later kinds (gateway, frr, bird, ...) slot in here.
const (
	KindHost   NodeKind = "host"   // a workload: forwarding off
	KindRouter NodeKind = "router" // kernel forwarding on
)

// Node is one namespace of the lab.
type Node struct {
	Name string
	Kind NodeKind
	// Exec commands run, in order, with /bin/sh -c inside the node once its
	// links, addresses and routes are in place.
	Exec []string
	// Routes are static routes installed in the node's main table.
	Routes []Route
	// BGP is the routing intent of frr and bird nodes (nil elsewhere).
	BGP *BGP
	// Config, when set, is the routing daemon's whole configuration (frr:
	// bgpd's configuration; bird: bird.conf) used instead of one generated
	// from BGP.
	Config string
	// VXLAN are point-to-point VXLAN overlays the emulator creates in the
	// node once its links are up. They are not read from YAML: the
	// controller sets them on the site routers it adds (BGP over a private
	// line).
	VXLAN []VXLAN
	// Loopback are addresses the emulator puts on the node's lo (not
	// read from YAML: the controller sets a site router's overlay
	// endpoint there when its line's cloud end routes to it by BGP).
	Loopback []netip.Prefix
	Pos      Pos
}

// VXLAN is a point-to-point VXLAN interface: frames go to Remote's UDP
// Port from Local, with VNI; Address is the node's address on the overlay.
type VXLAN struct {
	Name    string // interface name, at most 15 bytes
	VNI     uint32
	Local   netip.Addr
	Remote  netip.Addr
	Port    uint16 // 0 means 4789 (IANA)
	Address netip.Prefix
	MTU     int // 0 means 1450 (1500 less the 50 bytes of VXLAN over IPv4)
}

// Route is a static route.
type Route struct {
	To  netip.Prefix // 0.0.0.0/0 for "default"
	Via netip.Addr   // next hop; must lie in a prefix connected to the node
	Pos Pos
}

// Link is a point-to-point veth link between two node interfaces.
type Link struct {
	A, B Endpoint
	// MTU of both ends (Defaults.MTU when unset in the file).
	MTU int
	// Rate caps each direction in bits per second; 0 means no cap.
	Rate uint64
	Pos  Pos
}

// Endpoint is one end of a link.
type Endpoint struct {
	Node      string
	Interface string       // friendly name, 1..32 bytes; the emulator derives a kernel name when it is over 15
	Address   netip.Prefix // address with its prefix length; invalid (zero) when unaddressed
}

// Node returns the node with the given name, or nil.
func (t *Topology) Node(name string) *Node {
	for _, n := range t.Nodes {
		if n.Name == name {
			return n
		}
	}
	return nil
}

// kinds lists the node kinds in the order they are documented. Adding a kind
// is adding it here, to schema.json's enum (a test keeps them equal) and to
// the code that builds it.
var kinds = []NodeKind{KindHost, KindRouter, KindFRR, KindBIRD, KindGateway, KindStrongSwan}

// Kinds returns the node kinds of format v1.
func Kinds() []NodeKind { return append([]NodeKind(nil), kinds...) }

// Valid reports whether k is a known node kind.
func (k NodeKind) Valid() bool {
	for _, x := range kinds {
		if x == k {
			return true
		}
	}
	return false
}

// kindNames returns the node kinds as strings.
func kindNames() []string {
	s := make([]string, len(kinds))
	for i, k := range kinds {
		s[i] = string(k)
	}
	return s
}

// ApplyDefaults fills what a topology built in Go leaves unset: the default
// MTU, the MTU of every link that has none, in the cloud intent each
// account's credentials (lab) and each transit's approval mode (auto), and
// in the internet block the resolver's address, each host's role (server)
// and a server's services (http and https), as Parse does.
func (t *Topology) ApplyDefaults() {
	if t.Internet != nil {
		t.Internet.applyDefaults()
	}
	if t.Defaults.MTU == 0 {
		t.Defaults.MTU = DefaultMTU
	}
	for _, l := range t.Links {
		if l != nil && l.MTU == 0 {
			l.MTU = t.Defaults.MTU
		}
	}
	if t.Cloud == nil {
		return
	}
	for _, a := range t.Cloud.Accounts {
		if a != nil && a.Credentials == "" {
			a.Credentials = credentialsLab
		}
	}
	for _, tr := range t.Cloud.Transits {
		if tr != nil && tr.Approval.Mode == "" {
			tr.Approval.Mode = ApprovalAuto
		}
	}
}
