package intent

import (
	"fmt"
	"net/netip"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/dataplane/egressmgmt"
	"github.com/mcnlab/mcnlab/topologies"
)

// Flow is what a path is traced for: ICMP echo (Protocol ICMP), or a TCP
// or UDP connection to Port.
type Flow struct {
	Protocol cloud.Protocol
	Port     int32
}

// Echo is the flow of a ping.
var Echo = Flow{Protocol: cloud.ProtocolICMP}

// String names the flow: "icmp echo", "tcp/5432".
func (f Flow) String() string {
	if f.Protocol == cloud.ProtocolICMP {
		return "icmp echo"
	}
	return fmt.Sprintf("%s/%d", f.Protocol, f.Port)
}

// The kinds of a Step.
const (
	StepFilter = "filter" // a security group, NSG or network ACL
	StepRoute  = "route"  // a route table's or a gateway's lookup
	StepNAT    = "nat"    // an address translation
	StepPolicy = "policy" // the platform's domain policy or route approval
)

// The actions of a Step.
const (
	ActionAllow   = "allow"   // a filter or policy let the packet pass
	ActionDeny    = "deny"    // a filter or policy dropped it
	ActionForward = "forward" // a route sent it on
	ActionMissing = "missing" // no route matched
	ActionPending = "pending" // a route waits for approval
)

// Step is one thing a hop applied to the packet: which object (a
// security group's, network ACL's or route table's ID, the domain
// policy, an approval), which of its rules, and what it did.
type Step struct {
	Kind   string `json:"kind"`
	Object string `json:"object"`
	Rule   string `json:"rule,omitempty"`
	Action string `json:"action"`
	Detail string `json:"detail,omitempty"`
}

// Hop is one node the packet passes (an instance, a subnet's router, a
// gateway, a site router) with the steps it applied, in order.
type Hop struct {
	Node  string `json:"node"`
	Kind  string `json:"kind"`
	Steps []Step `json:"steps"`
}

// The kinds of a Hop.
const (
	HopInstance = "instance"
	HopSubnet   = "subnet"
	HopSpoke    = "spoke-gateway"
	HopTransit  = "transit-gateway"
	HopFirewall = "firewall"
	HopSite     = "site-router"
)

// Block is the first step that drops the packet, with the hop it is at.
type Block struct {
	Hop    string `json:"hop"`
	Return bool   `json:"return,omitempty"` // on the reply's way back
	Step
}

// Path is FlightPath's answer for one flow from one endpoint to another:
// the hops the request passes (Hops) and those the reply passes back
// (Return), each with its steps, the verdict, and when not reachable the
// first step that blocks.
type Path struct {
	From      string `json:"from"`
	To        string `json:"to"`
	Flow      string `json:"flow"`
	Reachable bool   `json:"reachable"`
	// Depends: the verdict turns on an address the cloud chooses
	// (Expectation.Depends); Reachable is then false.
	Depends bool   `json:"depends,omitempty"`
	Block   *Block `json:"block,omitempty"`
	// Reason says in a line why it is not reachable: "no route: …",
	// "domain policy: …", "security group: …", "network security
	// group: …", "network ACL: …", "firewall: …".
	Reason string `json:"reason,omitempty"`
	Hops   []Hop  `json:"hops"`
	Return []Hop  `json:"return,omitempty"`
}

// View is what a trace reads: each instance's end as the cloud says it
// (read through the providers, or made from the intent by IntentView),
// the routes approved at run time, and which IDs are the gateways'.
type View struct {
	// Ends are the instances' ends by instance key: the workloads' and
	// the spoke gateways'.
	Ends map[string]cloud.EndState
	// Approved are the routes approved at run time, by transit.
	Approved map[string][]topologies.ApprovedRoute
	// Gateways maps the IDs a route may point at (an instance's, its
	// interface's) to the gateway's key.
	Gateways map[string]string
	// Egress are the policies the egress gateways hold, by gateway key
	// (a base policy set at run time); a gateway not here holds its
	// topology's (EgressGateway.EgressConfig).
	Egress map[string]egressmgmt.Config
	// Intended says Ends come from the intent: route tables hold the
	// routes the platform would program, and security groups are named
	// by their workload.
	Intended bool
}

// IntentView is the view the intent alone implies: each workload's
// security group as the topology gives it, egress open, no network ACL,
// and route tables as the controller would program them. addr gives the
// addresses of workloads without a fixed one (from the inventory); a
// workload without either is traced for every address of its subnet.
func (p *Plan) IntentView(approved map[string][]topologies.ApprovedRoute, addr map[string]netip.Addr) *View {
	v := &View{Ends: map[string]cloud.EndState{}, Approved: approved, Intended: true}
	for i := range p.Endpoints {
		addIntentEnd(v, &p.Endpoints[i], addr)
	}
	return v
}

// addIntentEnd adds a workload's end, as IntentView makes it, to v.
func addIntentEnd(v *View, e *Endpoint, addr map[string]netip.Addr) {
	if e.VPC == "" {
		return
	}
	all := netip.MustParsePrefix("0.0.0.0/0")
	a := addr[e.Name]
	if !a.IsValid() {
		a = e.Address
	}
	g := cloud.GroupState{ID: WorkloadGroupKey(e.VPC, e.Name), Name: e.Name,
		Egress: []cloud.RuleState{{Rule: cloud.Rule{Protocol: cloud.ProtocolAll, Source: all}}}}
	allow := e.Allow
	if allow == nil {
		allow = []netip.Prefix{all}
	}
	for _, pr := range allow {
		g.Ingress = append(g.Ingress, cloud.RuleState{Rule: cloud.Rule{Protocol: cloud.ProtocolAll, Source: pr}})
	}
	v.Ends[e.Instance] = cloud.EndState{Instance: e.Instance, Address: a, SubnetCIDR: e.Subnet, Groups: []cloud.GroupState{g}}
}

// Expect derives from the intent alone whether endpoint from reaches
// endpoint to (a ping and its answer), given the routes approved at run
// time and the endpoints' addresses (addr; a workload without a fixed
// address needs its inventory address there): Trace over IntentView.
func (p *Plan) Expect(from, to string, approved map[string][]topologies.ApprovedRoute, addr map[string]netip.Addr) Expectation {
	// The trace of one pair reads the ends of its two workloads only:
	// IntentView's view of every workload, made for each of simulate's
	// n² pairs, cost n³.
	v := &View{Ends: map[string]cloud.EndState{}, Approved: approved, Intended: true}
	for _, n := range []string{from, to} {
		if e := p.Endpoint(n); e != nil {
			addIntentEnd(v, e, addr)
		}
	}
	t := p.Trace(from, to, Echo, v)
	return Expectation{Reach: t.Reachable, Reason: t.Reason, Depends: t.Depends}
}
