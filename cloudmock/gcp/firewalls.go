package gcp

import (
	"encoding/json"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// firewall is a VPC firewall rule on the wire. The lab keeps it as a rule
// set of the firewall flavour in its network: one model rule per protocol
// entry, port range and source (or destination) range, tag or service
// account, all with the rule's priority and action; the wire form itself
// is kept in the set's attributes for answers.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/firewalls — Firewall resource
type firewall struct {
	Kind                  string       `json:"kind"`
	ID                    string       `json:"id"`
	CreationTimestamp     string       `json:"creationTimestamp"`
	Name                  string       `json:"name"`
	Description           string       `json:"description,omitempty"`
	Network               string       `json:"network"`
	Priority              *int         `json:"priority,omitempty"`
	Direction             string       `json:"direction"`
	SourceRanges          []string     `json:"sourceRanges,omitempty"`
	DestinationRanges     []string     `json:"destinationRanges,omitempty"`
	SourceTags            []string     `json:"sourceTags,omitempty"`
	TargetTags            []string     `json:"targetTags,omitempty"`
	SourceServiceAccounts []string     `json:"sourceServiceAccounts,omitempty"`
	TargetServiceAccounts []string     `json:"targetServiceAccounts,omitempty"`
	Allowed               []protoPorts `json:"allowed,omitempty"`
	Denied                []protoPorts `json:"denied,omitempty"`
	LogConfig             *logConfig   `json:"logConfig,omitempty"`
	Disabled              bool         `json:"disabled"`
	SelfLink              string       `json:"selfLink"`
}

type protoPorts struct {
	IPProtocol string   `json:"IPProtocol"`
	Ports      []string `json:"ports,omitempty"`
}

type logConfig struct {
	Enable bool `json:"enable"`
}

const attrFirewall = "firewall" // the wire form, JSON

func firewallPath(project, name string) string {
	return "projects/" + project + "/global/firewalls/" + name
}

func (s *Server) serveFirewalls(q *request, rest []string) *apiError {
	coll := "projects/" + q.project + "/global/firewalls"
	switch {
	case len(rest) == 0 && q.Method == http.MethodGet:
		var items []firewall
		for _, fw := range s.cloud.RuleSets(q.project, model.FlavorFirewall) {
			items = append(items, s.firewallOut(q, fw))
		}
		slices.SortFunc(items, func(a, b firewall) int { return compare(a.Name, b.Name) })
		return writeList(q, s, "compute#firewallList", coll, items)
	case len(rest) == 0 && q.Method == http.MethodPost:
		return s.putFirewall(q, nil)
	case len(rest) == 1:
		id, err := s.cloud.ByName(q.project, model.GCPGlobal, model.KindRuleSet, rest[0])
		if err != nil {
			return notFound(firewallPath(q.project, rest[0]))
		}
		fw, err := s.cloud.RuleSet(q.project, model.FlavorFirewall, id)
		if err != nil {
			return notFound(firewallPath(q.project, rest[0]))
		}
		switch q.Method {
		case http.MethodGet:
			writeJSON(q.w, http.StatusOK, s.firewallOut(q, fw))
			return nil
		case http.MethodDelete:
			return s.mutate(q, model.GCPGlobal, "delete", fw.ID, func() *apiError {
				if err := s.cloud.DeleteRuleSet(q.project, model.FlavorFirewall, fw.ID); err != nil {
					return fromModel(err, fw.ID)
				}
				return nil
			})
		case http.MethodPatch, http.MethodPut:
			return s.putFirewall(q, &fw)
		}
	}
	return notFound(coll + "/" + joinWords(rest))
}

func (s *Server) firewallOut(q *request, fw model.RuleSet) firewall {
	var out firewall
	_ = json.Unmarshal([]byte(fw.Attrs[attrFirewall]), &out)
	out.Kind, out.ID, out.Name, out.SelfLink = "compute#firewall", numericID(fw.ID), fw.Name, q.selfLink(fw.ID)
	out.CreationTimestamp, out.Network, out.Disabled = fw.Attrs[attrCreated], q.selfLink(fw.NetworkID), fw.Disabled
	return out
}

// putFirewall inserts a firewall rule (old nil), or patches or updates
// one: a patch merges the request into the rule, an update replaces it.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/firewalls/insert
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/firewalls/patch — the network cannot change
func (s *Server) putFirewall(q *request, old *model.RuleSet) *apiError {
	var in firewall
	if old != nil && q.Method == http.MethodPatch {
		in = s.firewallOut(q, *old)
		in.Priority = nil
		if p := s.firewallOut(q, *old).Priority; p != nil {
			v := *p
			in.Priority = &v
		}
	}
	if err := decode(q.Request, &in); err != nil {
		return err
	}
	if old != nil {
		in.Name = old.Name
	}
	if err := checkName("resource.name", in.Name); err != nil {
		return err
	}
	path := firewallPath(q.project, in.Name)
	if in.Network == "" {
		in.Network = "global/networks/default"
	}
	netPath, aerr := q.resolveRef(in.Network, model.GCPGlobal, "networks")
	if aerr != nil {
		return aerr
	}
	n, aerr := s.networkByName(q, model.GCPName(netPath))
	if aerr != nil {
		return aerr
	}
	if old != nil && old.NetworkID != n.ID {
		return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.network': '%s'. The network of a firewall rule cannot be changed.", clip(in.Network))
	}
	rules, aerr := firewallRules(&in)
	if aerr != nil {
		return aerr
	}
	in.Network = q.selfLink(n.ID)
	opType := "insert"
	if old != nil {
		opType = strings.ToLower(q.Method)
	}
	return s.mutate(q, model.GCPGlobal, opType, path, func() *apiError { return s.storeFirewall(q, old, n, in, rules) })
}

// storeFirewall makes or changes the rule set behind a firewall rule.
func (s *Server) storeFirewall(q *request, old *model.RuleSet, n model.Network, in firewall, rules []model.Rule) *apiError {
	path := firewallPath(q.project, in.Name)
	targets := model.RuleTargets{Tags: in.TargetTags, ServiceAccounts: in.TargetServiceAccounts}
	id := ""
	created := s.created()
	if old == nil {
		fw, err := s.cloud.CreateRuleSet(q.project, model.RuleSetSpec{Flavor: model.FlavorFirewall, NetworkID: n.ID, Scope: model.GCPGlobal,
			Name: in.Name, Description: in.Description, Targets: targets, Disabled: in.Disabled})
		if err != nil {
			return fromModel(err, path)
		}
		id = fw.ID
	} else {
		id, created = old.ID, old.Attrs[attrCreated]
		if err := s.cloud.SetRuleSetTargets(q.project, model.FlavorFirewall, id, targets, in.Disabled); err != nil {
			return fromModel(err, path)
		}
	}
	if _, err := s.cloud.ReplaceRules(q.project, model.FlavorFirewall, id, rules); err != nil {
		if old == nil {
			_ = s.cloud.DeleteRuleSet(q.project, model.FlavorFirewall, id)
		}
		return fromModel(err, path)
	}
	wire := in
	wire.SelfLink, wire.Kind, wire.ID, wire.CreationTimestamp = "", "", "", ""
	b, _ := json.Marshal(wire)
	_ = s.cloud.SetAttrs(q.project, id, map[string]string{attrCreated: created, attrFirewall: string(b)})
	return nil
}

// protoNumbers are the protocol names a firewall rule accepts besides
// tcp, udp, icmp and decimal numbers.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/firewalls — IPProtocol: tcp, udp, icmp, esp, ah, ipip, sctp, all, or an IP protocol number
var protoNumbers = map[string]string{"esp": "50", "ah": "51", "ipip": "4", "sctp": "132", "all": "-1"}

// firewallRules checks a firewall rule, fills its defaults and expands it
// into model rules.
// GCP: https://cloud.google.com/firewall/docs/firewalls#firewall_rule_components — direction (default INGRESS), priority 0-65535 (default 1000), allow or deny, sources or destinations, targets
func firewallRules(in *firewall) ([]model.Rule, *apiError) {
	bad := func(field, v, why string) *apiError {
		return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.%s': '%s'. %s", field, clip(v), why)
	}
	if in.Direction == "" {
		in.Direction = "INGRESS"
	}
	if in.Direction != "INGRESS" && in.Direction != "EGRESS" {
		return nil, bad("direction", in.Direction, "Must be one of [EGRESS, INGRESS]")
	}
	if in.Priority == nil {
		p := 1000
		in.Priority = &p
	}
	if *in.Priority < 0 || *in.Priority > 65535 {
		return nil, bad("priority", strconv.Itoa(*in.Priority), "Must be between 0 and 65535.")
	}
	if (len(in.Allowed) == 0) == (len(in.Denied) == 0) {
		return nil, fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource': ''. Exactly one of allowed or denied must be specified.")
	}
	if len(in.TargetTags) > 0 && len(in.TargetServiceAccounts) > 0 {
		return nil, fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.targetServiceAccounts': ''. targetTags and targetServiceAccounts cannot both be set.")
	}
	if len(in.SourceTags) > 0 && len(in.SourceServiceAccounts) > 0 {
		return nil, fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.sourceServiceAccounts': ''. sourceTags and sourceServiceAccounts cannot both be set.")
	}
	peers, aerr := firewallPeers(in)
	if aerr != nil {
		return nil, aerr
	}
	dir, action, entries := model.Ingress, model.Allow, in.Allowed
	if in.Direction == "EGRESS" {
		dir = model.Egress
	}
	if len(in.Denied) > 0 {
		action, entries = model.Deny, in.Denied
	}
	var rules []model.Rule
	for _, e := range entries {
		proto, ranges, aerr := protoRanges(e)
		if aerr != nil {
			return nil, aerr
		}
		for _, pr := range ranges {
			for _, peer := range peers {
				rules = append(rules, model.Rule{Name: in.Name, Direction: dir, Priority: *in.Priority, Action: action, Protocol: proto,
					FromPort: pr[0], ToPort: pr[1], ICMPType: -1, ICMPCode: -1, Peer: peer})
			}
		}
	}
	return rules, nil
}

// firewallPeers are the sources of an ingress rule or the destinations of
// an egress rule. An ingress rule without sources, or an egress rule
// without destinations, applies to 0.0.0.0/0.
// GCP: https://cloud.google.com/firewall/docs/firewalls#sources-for-rules — ingress sources: ranges, tags, service accounts; egress destinations: ranges only
func firewallPeers(in *firewall) ([]model.Peer, *apiError) {
	ranges := in.SourceRanges
	if in.Direction == "EGRESS" {
		if len(in.SourceTags) > 0 || len(in.SourceServiceAccounts) > 0 {
			return nil, fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.sourceTags': ''. Source tags and service accounts may only be set on ingress rules.")
		}
		ranges = in.DestinationRanges
	} else if len(in.DestinationRanges) > 0 && len(in.SourceRanges) == 0 && len(in.SourceTags) == 0 && len(in.SourceServiceAccounts) == 0 {
		ranges = nil
	}
	var peers []model.Peer
	for _, r := range ranges {
		p, err := netip.ParsePrefix(r)
		if err != nil {
			a, aerr := netip.ParseAddr(r)
			if aerr != nil || !a.Is4() {
				return nil, fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.sourceRanges': '%s'. Invalid IPCidrRange: %s", clip(r), clip(r))
			}
			p = netip.PrefixFrom(a, 32)
		}
		if !p.Addr().Is4() {
			return nil, fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.sourceRanges': '%s'. IPv6 ranges are not supported by this lab.", clip(r))
		}
		peers = append(peers, model.Peer{Prefix: p.Masked()})
	}
	for _, t := range in.SourceTags {
		peers = append(peers, model.Peer{Tag: t})
	}
	for _, sa := range in.SourceServiceAccounts {
		peers = append(peers, model.Peer{ServiceAccount: sa})
	}
	if len(peers) == 0 {
		peers = []model.Peer{{Prefix: netip.MustParsePrefix("0.0.0.0/0")}}
		if in.Direction == "EGRESS" {
			in.DestinationRanges = []string{"0.0.0.0/0"}
		} else {
			in.SourceRanges = []string{"0.0.0.0/0"}
		}
	}
	return peers, nil
}

// protoRanges checks one allowed or denied entry: its protocol in the
// model's form and its port ranges (all ports when none are listed).
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/firewalls — ports only for tcp, udp and sctp: a port or a range "20-30"
func protoRanges(e protoPorts) (string, [][2]int, *apiError) {
	p := strings.ToLower(e.IPProtocol)
	if n, ok := protoNumbers[p]; ok {
		p = n
	}
	proto, err := model.NormalizeProtocol(p)
	if err != nil || p == "" {
		return "", nil, fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.allowed[0].IPProtocol': '%s'. Invalid IP protocol specification.", clip(e.IPProtocol))
	}
	ported := proto == "tcp" || proto == "udp" || proto == "132"
	if len(e.Ports) == 0 {
		if proto == "tcp" || proto == "udp" {
			return proto, [][2]int{{0, 65535}}, nil
		}
		return proto, [][2]int{{-1, -1}}, nil
	}
	if !ported {
		return "", nil, fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.allowed[0].ports': '%s'. Ports may only be specified for tcp, udp and sctp.", clip(strings.Join(e.Ports, ",")))
	}
	var out [][2]int
	for _, ps := range e.Ports {
		lo, hi, found := strings.Cut(ps, "-")
		a, err1 := strconv.Atoi(lo)
		b := a
		var err2 error
		if found {
			b, err2 = strconv.Atoi(hi)
		}
		if err1 != nil || err2 != nil || a < 0 || b > 65535 || a > b {
			return "", nil, fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.allowed[0].ports[0]': '%s'. Invalid port specification.", clip(ps))
		}
		if proto != "tcp" && proto != "udp" {
			a, b = -1, -1 // the model keeps ports for TCP and UDP only
		}
		out = append(out, [2]int{a, b})
	}
	return proto, out, nil
}
