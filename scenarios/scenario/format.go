package scenario

import (
	"net/netip"
	"time"

	"gopkg.in/yaml.v3"
)

// File is one scenario file, decoded and checked.
type File struct {
	// Path is the file as named; Name is its name: field, or the file's
	// base name without extension.
	Path, Name string
	// Description says what the scenario proves (optional).
	Description string
	// Topology is the topology file's path (relative paths are resolved
	// against the scenario's directory) or, when Inline is set, the
	// inline topology's bytes.
	Topology string
	Inline   []byte
	Steps    []Step
}

// Step is one step of a scenario: exactly one of its fields is set. Line
// is where it starts in the file.
type Step struct {
	Line int
	// Kind is the step's key as written (deploy, kill, reach, ...).
	Kind string

	Deploy  bool
	Wait    string   // wait: converged
	Kill    string   // gateway name
	Restart string   // gateway name
	Approve *Approve // approve a site's prefix
	CLI     string   // a cloud CLI command line run against the lab
	Exec    *Exec    // a command inside a node's namespace
	MCNLab  []string // mcnlab's own command line, with --lab added
	Link    *Link    // take a link down or up
	// Announce withdraws or advertises a prefix at an FRR router.
	Announce *Announce
	Sleep    time.Duration // only to measure windows
	// Stop and Start power a cloud instance (a firewall, a gateway
	// instance) off or on through its cloud's API.
	Stop, Start string
	// Serve opens a TCP port on a workload or host for the rest of the
	// scenario (a server its connects reach, as an application would).
	Serve *Serve

	Reach      *Reach
	Connect    *Connect
	Route      *Route
	Session    *Session
	FlightPath *FlightPath
	Outage     *Outage
	Capture    *Capture
	Counter    *Counter
}

// IsAssertion says whether the step checks something (and becomes a test
// case) rather than changes the lab.
func (s *Step) IsAssertion() bool {
	return s.Reach != nil || s.Connect != nil || s.Route != nil || s.Session != nil || s.FlightPath != nil || s.Outage != nil ||
		s.Capture != nil || s.Counter != nil
}

// Approve approves a prefix a site advertises, as `mcnlab routes approve`.
type Approve struct {
	Site   string
	Prefix netip.Prefix
}

// Exec runs a command in a node's namespace; Expect is the exit status it
// must have (default 0), or ExpectFail: any but 0.
type Exec struct {
	Node    string
	Command string
	Expect  int
}

// Link names the link between two nodes and whether it goes up or down.
type Link struct {
	A, B string
	Up   bool
}

// Announce is a withdraw or advertise step: Router (a site's router or an
// frr node) withdraws or advertises Prefix over BGP.
type Announce struct {
	Router    string
	Prefix    netip.Prefix
	Advertise bool
}

// ExpectFail is Exec.Expect for a command that must fail.
const ExpectFail = -1

// Reach asserts whether From reaches To by ping. Simulate instead asserts
// that a cloud lab's whole matrix is as `simulate` says; Within retries
// until the deadline.
type Reach struct {
	// From and To name a pair; when either is a list, Pairs is every
	// pair of a source and a different destination (a sub-matrix), and
	// From and To are the lists as written.
	From, To string
	Pairs    [][2]string
	Expect   bool
	Simulate bool
	Within   time.Duration
}

// Connect asserts the outcome of a TCP connect from a node to a port of
// another: "open" (accepted), "refused" (reset) or "blocked" (no answer).
type Connect struct {
	From, To string
	Port     uint16
	Expect   string
	Within   time.Duration
}

// Route asserts that a gateway's FIB, or the cloud route table of a
// workload's subnet, holds (or lacks) a prefix within a deadline,
// optionally through a given next hop: an address in a gateway's FIB
// (Via); an instance key (prod-1) or a route kind (internet, local,
// private-line, blackhole) in a cloud route table (Target).
type Route struct {
	Gateway  string
	Workload string
	Prefix   netip.Prefix
	Present  bool
	Via      netip.Addr
	Target   string
	Within   time.Duration
}

// Session asserts the state of a gateway's BGP session to a peer (by its
// name or address) within a deadline.
type Session struct {
	Gateway string
	Peer    string
	State   string
	// BFD, when set, is the state its BFD session must have too (up,
	// down, init, admindown): a failover test waits for BFD up first.
	BFD    string
	Within time.Duration
}

// FlightPath asserts FlightPath's verdict for a flow and, when blocked, a
// text the blocking rule must contain.
type FlightPath struct {
	From, To  string
	Proto     string
	Port      uint16
	Reachable bool
	BlockedBy string
}

// Outage probes From to To every Interval while its steps run, and asserts
// that the longest run of lost probes lasts at most Max.
type Outage struct {
	From, To string
	Max      time.Duration
	Interval time.Duration
	During   []Step
}

// Serve is a TCP listener on Port of Node's address, in Node's
// namespace, answering each connection with a line and closing it.
type Serve struct {
	Node string
	Port uint16
}

// Capture captures packets on a node's interface (as `mcnlab capture`)
// while its steps run, and asserts how many matched the filter: at least
// AtLeast and, when AtMost is not -1, at most AtMost.
type Capture struct {
	Node, Interface, Filter string
	AtLeast, AtMost         int
	During                  []Step
}

// Counter reads a counter before and after its steps run, and asserts
// that it grew by at least GrewBy packets: firewalls' (Firewalls, instance
// keys, their counters added up; Rule a rule's name, or default,
// established or invalid; empty: every packet they counted) or a
// gateway's drops from one domain to another (Gateway, Domains).
type Counter struct {
	Firewalls []string
	Rule      string
	Gateway   string
	Domains   [2]string
	GrewBy    uint64
	During    []Step
}

// node is what the decoder keeps of a step's YAML for error positions.
type node = yaml.Node
