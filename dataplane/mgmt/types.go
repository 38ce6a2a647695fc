package mgmt

import (
	"errors"
	"net/netip"
	"time"

	"github.com/mcnlab/mcnlab/dataplane/sockapi"
)

// Version is the API version, the first element of every path.
const Version = "v1"

// ErrInvalid marks a configuration the Backend refused without changing
// anything; the server answers it with 400.
var ErrInvalid = errors.New("invalid configuration")

// Config is a gateway's whole desired configuration.
type Config struct {
	Name       string         `json:"name,omitempty"`
	ASN        uint32         `json:"asn,omitempty"`
	RouterID   netip.Addr     `json:"router_id,omitzero"`
	Prefixes   []netip.Prefix `json:"prefixes,omitempty"`
	PrivateKey string         `json:"private_key,omitempty"`
	MTU        int            `json:"mtu,omitempty"`
	Peers      []Peer         `json:"peers,omitempty"`
	Neighbors  []Neighbor     `json:"neighbors,omitempty"`
	// Segmentation, when set, drops forwarded traffic between domains
	// that are not connected; nil (absent) forwards everything.
	Segmentation *Segmentation `json:"segmentation,omitempty"`
	// FireNet, when set, steers inspected traffic through firewall
	// instances; nil (absent) steers nothing.
	FireNet *FireNet `json:"firenet,omitempty"`
	// FlowExport, when set, exports the flows the gateway forwards and
	// drops as IPFIX to a collector; nil (absent) exports nothing.
	FlowExport *FlowExport `json:"flow_export,omitempty"`
}

// FlowExport sends IPFIX (RFC 7011) flow records over UDP.
type FlowExport struct {
	// Collector is the collector's UDP address and port.
	Collector netip.AddrPort `json:"collector"`
	// IntervalMS is the active timeout: a flow with packets is exported
	// again after it (0: 1000).
	IntervalMS int `json:"interval_ms,omitempty"`
	// DomainID is the observation domain ID of the messages.
	DomainID uint32 `json:"domain_id,omitempty"`
	// Domains name the addresses' domains in the records when the
	// gateway has no segmentation (a spoke's: the transit segments).
	Domains []Domain `json:"domains,omitempty"`
}

// FireNet steers the traffic of inspected domain pairs (and optionally
// internet egress) through firewalls reached from the gateway, without
// source NAT, balancing flows by a hash and keeping both directions of a
// flow on one firewall; dead firewalls (by ICMP probes) get no flows.
type FireNet struct {
	Firewalls []Firewall `json:"firewalls"`
	Domains   []Domain   `json:"domains,omitempty"`
	// Pairs are inspected domain pairs, both ways.
	Pairs [][2]string `json:"pairs,omitempty"`
	// Egress inspects traffic between the domains and the rest.
	Egress bool `json:"egress,omitempty"`
	// EgressDomains are the domains whose egress is inspected (none:
	// every domain); Internal are destinations besides the domains that
	// egress never covers.
	EgressDomains []string       `json:"egress_domains,omitempty"`
	Internal      []netip.Prefix `json:"internal,omitempty"`
	// Exclude are destinations never steered (the gateway's own).
	Exclude []netip.Prefix `json:"exclude,omitempty"`
	// Hash is "5-tuple" (the default) or "2-tuple".
	Hash     string `json:"hash,omitempty"`
	FailOpen bool   `json:"fail_open,omitempty"`
	// ProbeIntervalMS, ProbeFall and ProbeRise tune the health checks
	// (0: 200 ms, 3 misses, 2 answers).
	ProbeIntervalMS int `json:"probe_interval_ms,omitempty"`
	ProbeFall       int `json:"probe_fall,omitempty"`
	ProbeRise       int `json:"probe_rise,omitempty"`
}

// Firewall is a firewall instance: its address on the link that the
// gateway's interface Link reaches it on.
type Firewall struct {
	Name    string     `json:"name"`
	Address netip.Addr `json:"address"`
	// Address6 is its IPv6 address beside an IPv4 Address (dual stack).
	Address6 netip.Addr `json:"address6,omitzero"`
	Link     string     `json:"link"`
}

// Segmentation splits addresses into domains: a forwarded packet from one
// domain's prefixes to another's is dropped unless a connection names the
// two (in either order). Traffic to or from addresses in no domain, and
// within one domain, passes.
type Segmentation struct {
	Domains     []Domain    `json:"domains"`
	Connections [][2]string `json:"connections,omitempty"`
}

// Domain is a named set of prefixes; prefixes of different domains may not
// overlap.
type Domain struct {
	Name     string         `json:"name"`
	Prefixes []netip.Prefix `json:"prefixes"`
}

// Peer is a gateway reached through its own WireGuard tunnel, with a BGP
// session over the tunnel's inner addresses.
type Peer struct {
	Name        string         `json:"name"`
	PublicKey   string         `json:"public_key"`
	Endpoint    netip.AddrPort `json:"endpoint,omitzero"`
	ListenPort  uint16         `json:"listen_port"`
	Address     netip.Prefix   `json:"address"`
	PeerAddress netip.Addr     `json:"peer_address"`
	ASN         uint32         `json:"asn"`
	Prepend     int            `json:"prepend,omitempty"`
	Import      []Filter       `json:"import,omitempty"`
	Export      []Filter       `json:"export,omitempty"`
	// NotFrom are ASes whose routes are not sent to the peer (a transit
	// does not pass one peer transit's routes on to another).
	NotFrom []uint32 `json:"not_from,omitempty"`
	// Approval and Approved are as for a Neighbor: under "manual" the
	// routes learned over the tunnel are held (the session's Filtered)
	// until approved; changing Approved does not reset the session.
	Approval string         `json:"approval,omitempty"`
	Approved []netip.Prefix `json:"approved,omitempty"`
}

// Neighbor is a plain BGP neighbour reached over a link.
type Neighbor struct {
	Name         string     `json:"name"`
	Address      netip.Addr `json:"address"`
	ASN          uint32     `json:"asn"`
	LocalAddress netip.Addr `json:"local_address,omitzero"`
	Passive      bool       `json:"passive,omitempty"`
	// NoBFD turns off the BFD session (RFC 5880, 100 ms x 3) that every
	// plain neighbour otherwise gets.
	NoBFD   bool     `json:"no_bfd,omitempty"`
	Prepend int      `json:"prepend,omitempty"`
	Import  []Filter `json:"import,omitempty"`
	Export  []Filter `json:"export,omitempty"`
	// Approval is "" or "auto" (accept what Import allows) or "manual"
	// (accept only the prefixes in Approved, and of those only what
	// Import allows). Changing Approved does not reset the session.
	Approval string         `json:"approval,omitempty"`
	Approved []netip.Prefix `json:"approved,omitempty"`
	// VXLAN, when set, is the point-to-point overlay the neighbour is
	// reached over (interface vx-<name>); Address lies inside its
	// Address.
	VXLAN *VXLAN `json:"vxlan,omitempty"`
}

// VXLAN is a point-to-point VXLAN overlay to a neighbour.
type VXLAN struct {
	VNI    uint32     `json:"vni"`
	Local  netip.Addr `json:"local"`
	Remote netip.Addr `json:"remote"`
	// Port is the UDP port; 0 means 4789.
	Port uint16 `json:"port,omitempty"`
	// Address is the gateway's overlay address, /31 or /30.
	Address netip.Prefix `json:"address"`
	// MTU of the interface; 0 means 1450.
	MTU int `json:"mtu,omitempty"`
}

// Filter matches Prefix and the prefixes inside it whose length lies in
// [GE, LE]; both zero match Prefix exactly.
type Filter struct {
	Prefix netip.Prefix `json:"prefix"`
	GE     int          `json:"ge,omitempty"`
	LE     int          `json:"le,omitempty"`
}

// Status is what a gateway reports about its tunnels, sessions and routes.
type Status struct {
	Name string `json:"name"`
	// Boot is drawn at random when the daemon starts: a new value says the
	// gateway restarted (and holds only the configuration it started with).
	Boot     string    `json:"boot,omitempty"`
	Tunnels  []Tunnel  `json:"tunnels"`
	Sessions []Session `json:"sessions"`
	Routes   []Route   `json:"routes"`
	// RoutesVersion names the routes' state: the same version, the same
	// routes. A client that asks for the status with
	// ?routes_since=VERSION gets Routes empty and RoutesUnchanged set
	// when the routes are still those of VERSION.
	RoutesVersion   string `json:"routes_version,omitempty"`
	RoutesUnchanged bool   `json:"routes_unchanged,omitempty"`
	// Segmentation has one entry per denied ordered pair of domains;
	// absent without a segmentation policy.
	Segmentation []DomainDrops `json:"segmentation,omitempty"`
	// FireNet is the firewalls' health and traffic; absent without one.
	FireNet *FireNetStatus `json:"firenet,omitempty"`
}

// FireNetStatus is a gateway's FireNet as `inspect` prints it.
type FireNetStatus struct {
	Hash      string           `json:"hash"`
	Egress    bool             `json:"egress,omitempty"`
	FailOpen  bool             `json:"fail_open,omitempty"`
	Firewalls []FirewallStatus `json:"firewalls"`
	// NoFirewallPackets were inspected packets dropped while no firewall
	// was healthy.
	NoFirewallPackets uint64 `json:"no_firewall_packets,omitempty"`
	Error             string `json:"error,omitempty"`
}

// FirewallStatus is one firewall's health and the traffic steered to it.
type FirewallStatus struct {
	Name    string     `json:"name"`
	Address netip.Addr `json:"address"`
	Link    string     `json:"link"`
	Healthy bool       `json:"healthy"`
	// Since is when the health last changed (or steering started).
	Since       time.Time `json:"since"`
	Transitions int       `json:"transitions,omitempty"`
	RTTMicros   int64     `json:"rtt_us,omitempty"`
	LastError   string    `json:"last_error,omitempty"`
	Packets     uint64    `json:"packets"`
	Bytes       uint64    `json:"bytes"`
}

// DomainDrops counts the forwarded packets the gateway dropped from one
// domain to another (kernel counters).
type DomainDrops struct {
	From    string `json:"from"`
	To      string `json:"to"`
	Packets uint64 `json:"packets"`
	Bytes   uint64 `json:"bytes"`
}

// Tunnel states.
const (
	TunnelUp   = "up"
	TunnelDown = "down"
)

// Tunnel is one peer's WireGuard tunnel. State is "up" while the peer
// answers the tunnel's liveness hellos; while it is "down", the gateway
// routes nothing through the tunnel.
type Tunnel struct {
	Peer      string         `json:"peer"`
	Interface string         `json:"interface"`
	State     string         `json:"state"`
	Endpoint  netip.AddrPort `json:"endpoint,omitzero"`
	// RxBytes and TxBytes count the encrypted bytes received and sent;
	// RxPackets and TxPackets the inner packets from and to the peer.
	RxBytes       uint64    `json:"rx_bytes"`
	TxBytes       uint64    `json:"tx_bytes"`
	RxPackets     uint64    `json:"rx_packets"`
	TxPackets     uint64    `json:"tx_packets"`
	LastHandshake time.Time `json:"last_handshake,omitzero"`
	// StateSince is when State last changed. ProbesSent and
	// ProbesReceived count liveness hellos (every 100 ms each way; the
	// tunnel is down after 500 ms without one); StateChanges counts
	// changes of State; PeerRestarts counts restarts of the peer gateway
	// seen in its hellos (each resets the BGP session to it).
	StateSince     time.Time `json:"state_since,omitzero"`
	ProbesSent     uint64    `json:"probes_sent"`
	ProbesReceived uint64    `json:"probes_received"`
	StateChanges   uint64    `json:"state_changes"`
	PeerRestarts   uint64    `json:"peer_restarts"`
}

// Session is one BGP session, to a peer or a neighbour.
type Session struct {
	Name          string     `json:"name"`
	Address       netip.Addr `json:"address"`
	ASN           uint32     `json:"asn"`
	State         string     `json:"state"`
	UptimeSeconds int64      `json:"uptime_seconds"`
	Received      uint64     `json:"received"`
	Accepted      uint64     `json:"accepted"`
	Advertised    uint64     `json:"advertised"`
	// BFD is the state of a neighbour's BFD session (AdminDown, Down, Init,
	// Up); empty for tunnel peers and neighbours without BFD.
	BFD string `json:"bfd,omitempty"`
	// Filtered are the prefixes received from the peer but refused by
	// the import policy (under manual approval: those pending approval),
	// sorted.
	Filtered []netip.Prefix `json:"filtered,omitempty"`
}

// Route is a kernel route the gateway installed.
type Route struct {
	Prefix   netip.Prefix `json:"prefix"`
	NextHops []netip.Addr `json:"next_hops"`
}

// Health is the answer of /v1/healthz.
type Health struct {
	Status string `json:"status"`
	Name   string `json:"name"`
}

// Error is the body of every non-2xx answer.
type Error = sockapi.ErrorBody
