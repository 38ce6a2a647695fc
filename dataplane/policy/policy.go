package policy

import (
	"net"
	"net/netip"
)

// Family is the address family of a table, or the element type of a set.
type Family uint8

// Families. A FamilyINet table sees IPv4 and IPv6 packets; its rules that
// match addresses are restricted to the addresses' family.
const (
	FamilyINet Family = iota
	FamilyIPv4
	FamilyIPv6
)

// String is the family as nft names it: inet, ip or ip6.
func (f Family) String() string {
	switch f {
	case FamilyINet:
		return "inet"
	case FamilyIPv4:
		return "ip"
	case FamilyIPv6:
		return "ip6"
	}
	return "family?"
}

// Table is one nftables table, replaced whole by Apply.
type Table struct {
	Family Family
	Name   string
	// Sets are named prefix sets that rules match with Match.SrcSet and
	// Match.DstSet.
	Sets []Set
	// Counters are named counter objects that rules count into with
	// Rule.CounterName; Apply keeps the values of those that the table
	// had before.
	Counters []string
	Chains   []Chain
}

// Set is a named set of prefixes (an interval set), of one family; or,
// with Track, a flow set (track.go).
type Set struct {
	Name string
	// Family is FamilyIPv4 or FamilyIPv6: the type of the set's elements
	// and of the addresses matched against it.
	Family   Family
	Prefixes []netip.Prefix
	// Track makes the set a flow set instead (of an ip or inet table; in
	// an inet table its rules must match IPv4): IPv4 flows (source,
	// destination, protocol and ports) that rules add packets to with
	// Rule.Track, each with its packet and byte counter, forgotten
	// TrackTimeout after their last packet. Prefixes must be empty.
	Track bool
}

// Hook is where a base chain sees packets; HookNone makes a regular chain,
// reached only by jump or goto.
type Hook uint8

// Hooks.
const (
	HookNone Hook = iota
	HookPrerouting
	HookInput
	HookForward
	HookOutput
	HookPostrouting
)

// ChainType is a base chain's type.
type ChainType uint8

// Chain types.
const (
	TypeFilter ChainType = iota
	TypeNAT
	TypeRoute
)

// Standard priorities of base chains (nft's names).
const (
	PriorityRaw    int32 = -300
	PriorityMangle int32 = -150
	PriorityDstNAT int32 = -100
	PriorityFilter int32 = 0
	PrioritySrcNAT int32 = 100
)

// ChainPolicy is what a base chain does with a packet that no rule
// decided.
type ChainPolicy uint8

// Chain policies.
const (
	PolicyAccept ChainPolicy = iota
	PolicyDrop
)

// Chain is a base chain (Hook set) or a regular one.
type Chain struct {
	Name     string
	Hook     Hook
	Type     ChainType
	Priority int32
	Policy   ChainPolicy
	Rules    []Rule
}

// Rule is a match, then its actions in order: an anonymous counter, a
// named counter, a mark set, a conntrack mark set, an MSS clamp, a NAT,
// and a verdict.
type Rule struct {
	Match
	// ClampMSS restricts the rule to TCP SYNs (SYN set, RST clear) and
	// sets their MSS option to what the route's MTU allows:
	//	tcp flags & (syn|rst) == syn tcp option maxseg size set rt mtu
	ClampMSS bool
	// Counter adds an anonymous counter.
	Counter bool
	// CounterName counts into the table's counter object of that name.
	CounterName string
	// SetMark sets the packet mark (0 leaves it), for policy routing.
	SetMark uint32
	// SetCtMark sets the connection's conntrack mark (0 leaves it), so
	// that later packets of the connection match Match.CtMark.
	SetCtMark uint32
	NAT       *NAT
	// Rewrite maps addresses statelessly, in order (see Rewrite).
	Rewrite []Rewrite
	// TProxy hands the packet to the local socket that listens on this
	// port with IP_TRANSPARENT, keeping its addresses (nft's "tproxy ip
	// to :port"; 0: none). It needs a prerouting chain, a rule that
	// matches TCP or UDP, and a mark that policy routing delivers
	// locally.
	TProxy *TProxy
	// Track counts the packet in the table's flow set of that name (a Set
	// with Track), adding its flow if new (nft's "update @set { ip saddr
	// . ip daddr . meta l4proto . th sport . th dport counter }").
	Track   string
	Verdict Verdict
}

// Match is a packet condition: every field set must hold. The zero Match
// matches every packet.
type Match struct {
	// IIF and OIF are input and output interface names; NotIIF and NotOIF
	// invert them.
	IIF, OIF       string
	NotIIF, NotOIF bool
	// Family restricts the rule to IPv4 or IPv6 packets in an inet table;
	// an address condition restricts it to its own family anyway.
	Family Family
	// Src and Dst match the source and destination address against a
	// prefix (a /0 matches every packet of its family); SrcSet and DstSet
	// against a set of the table. NotSrc and NotDst invert them.
	Src, Dst       netip.Prefix
	SrcSet, DstSet string
	NotSrc, NotDst bool
	// Proto is the L4 protocol (0: any).
	Proto Proto
	// SrcPort and DstPort match TCP, UDP or SCTP ports.
	SrcPort, DstPort PortRange
	// ICMP matches the type and code of ICMP or ICMPv6 (Proto).
	ICMP *ICMP
	// CtState matches packets whose conntrack state is one of these.
	CtState CtState
	// Mark matches the packet mark (0: any).
	Mark uint32
	// CtMark matches the connection's conntrack mark (0: any).
	CtMark uint32
	// SocketTransparent matches packets that belong to a local socket
	// with IP_TRANSPARENT set (nft's "socket transparent 1"): the
	// packets of connections a transparent proxy has taken over.
	SocketTransparent bool
	// EtherSrc matches the Ethernet source address of a packet that
	// arrived on an Ethernet interface (nft's "ether saddr"; nil: any):
	// which neighbour on the link sent it.
	EtherSrc net.HardwareAddr
	// Hash matches a flow hash (nil: any), after every other condition.
	Hash *Hash
}

// Proto is an IP protocol number.
type Proto uint8

// Protocols.
const (
	ProtoAny    Proto = 0
	ProtoICMP   Proto = 1
	ProtoTCP    Proto = 6
	ProtoUDP    Proto = 17
	ProtoICMPv6 Proto = 58
	ProtoSCTP   Proto = 132
)

// PortRange is From..To inclusive; the zero value matches any port, and
// To 0 means From alone.
type PortRange struct{ From, To uint16 }

// Port is the range of one port.
func Port(p uint16) PortRange { return PortRange{p, p} }

// ICMP matches an ICMP type and code; -1 matches any.
type ICMP struct{ Type, Code int }

// CtState is a set of conntrack states.
type CtState uint32

// Conntrack states (the kernel's bits).
const (
	CtInvalid     CtState = 1
	CtEstablished CtState = 2
	CtRelated     CtState = 4
	CtNew         CtState = 8
)

// TProxy is a transparent proxy's diversion of one address family.
type TProxy struct {
	Family Family // FamilyIPv4 or FamilyIPv6
	Port   uint16
}

// Rewrite maps a packet's source or destination address into Prefix one
// to one, keeping its host bits (nft's "ip daddr set ip daddr & 0.0.255.255
// | 10.0.0.0"), and updates the IPv4 header checksum and the TCP and UDP
// checksums. Unlike NAT it keeps no state: each packet is translated by
// itself, whichever gateway it passes, and replies need rules of their
// own. IPv4 only.
type Rewrite struct {
	Src    bool // the source address; else the destination
	Prefix netip.Prefix
}

// NATKind is what a NAT rewrites.
type NATKind uint8

// NAT kinds.
const (
	// Masquerade rewrites the source to the output interface's address.
	Masquerade NATKind = iota + 1
	// SNAT rewrites the source to NAT.Addr (and NAT.Port).
	SNAT
	// DNAT rewrites the destination to NAT.Addr (and NAT.Port).
	DNAT
)

// NAT rewrites addresses; it belongs in a chain of TypeNAT.
type NAT struct {
	Kind NATKind
	Addr netip.Addr // SNAT and DNAT
	Port uint16     // 0 keeps the port
}

// VerdictKind is what a verdict does.
type VerdictKind uint8

// Verdict kinds; VerdictNone goes on to the next rule.
const (
	VerdictNone VerdictKind = iota
	VerdictAccept
	VerdictDrop
	VerdictReturn
	VerdictJump
	VerdictGoto
	// VerdictQueue hands the packet to the userspace listener of NFQUEUE
	// Verdict.Queue, which accepts, drops or repeats it.
	VerdictQueue
	// VerdictReset drops the packet and answers it with a TCP reset
	// (nft's "reject with tcp reset"); the rule must match Proto TCP.
	VerdictReset
)

// Verdict ends a rule; Chain is the target of a jump or goto.
type Verdict struct {
	Kind  VerdictKind
	Chain string
	// Queue is the NFQUEUE number of a VerdictQueue. Bypass accepts the
	// packet when no program listens on the queue (fail open); without
	// it such packets are dropped (fail closed).
	Queue  uint16
	Bypass bool
}

// Verdicts.
var (
	Accept = Verdict{Kind: VerdictAccept}
	Drop   = Verdict{Kind: VerdictDrop}
	Return = Verdict{Kind: VerdictReturn}
)

// Jump continues in chain, then comes back.
func Jump(chain string) Verdict { return Verdict{Kind: VerdictJump, Chain: chain} }

// Goto continues in chain without coming back.
func Goto(chain string) Verdict { return Verdict{Kind: VerdictGoto, Chain: chain} }

// Queue sends the packet to NFQUEUE num, dropped when nothing listens.
func Queue(num uint16) Verdict { return Verdict{Kind: VerdictQueue, Queue: num} }

// Reset drops a TCP packet and answers it with a reset.
var Reset = Verdict{Kind: VerdictReset}
