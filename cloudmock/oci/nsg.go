package oci

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// nsg is a network security group on the wire.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/NetworkSecurityGroup/ — NetworkSecurityGroup: compartmentId, id, lifecycleState, timeCreated, vcnId, displayName
type nsg struct {
	shared
	VcnID string `json:"vcnId"`
}

// nsgRule is a SecurityRule of an NSG, and the AddSecurityRuleDetails and
// UpdateSecurityRuleDetails that make and change one.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/SecurityRule — direction INGRESS or EGRESS, id, isValid, protocol, source/destination and their types, isStateless, options
type nsgRule struct {
	secRule
	Direction   string `json:"direction"`
	ID          string `json:"id,omitempty"`
	IsValid     bool   `json:"isValid"`
	TimeCreated string `json:"timeCreated,omitempty"`
}

// nsgDetails is CreateNetworkSecurityGroupDetails and its update.
type nsgDetails struct {
	updateDetails
	placement
}

// maxNSGRules is how many security rules an NSG may have.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/networksecuritygroups.htm — an NSG can have up to 120 security rules (ingress and egress together)
const maxNSGRules = 120

func (s *Server) nsgs() *kind {
	return &kind{noun: "NetworkSecurityGroup", get: s.getNSG, create: s.createNSG, update: s.updateNamed,
		remove: func(q *request, id string) *apiError {
			return modelErr(s.cloud.DeleteRuleSet(q.tenancy, model.FlavorNSG, id))
		},
		list: func(tenancy string) []resource {
			var out []resource
			for _, g := range s.cloud.RuleSets(tenancy, model.FlavorNSG) {
				out = append(out, s.nsgOut(g))
			}
			return out
		},
		match: func(q *request, r resource) bool {
			return !q.URL.Query().Has("vcnId") || r.(*nsg).VcnID == q.URL.Query().Get("vcnId")
		},
		more: map[string]func(q *request, id string) *apiError{
			"POST actions/addSecurityRules":    s.addNSGRules,
			"POST actions/updateSecurityRules": s.updateNSGRules,
			"POST actions/removeSecurityRules": s.removeNSGRules,
			"GET securityRules":                s.listNSGRules,
			"GET vnics":                        s.listNSGVnics,
		}}
}

func (s *Server) getNSG(tenancy, id string) (resource, bool) {
	g, err := s.cloud.RuleSet(tenancy, model.FlavorNSG, id)
	if err != nil {
		return nil, false
	}
	return s.nsgOut(g), true
}

func (s *Server) nsgOut(g model.RuleSet) *nsg {
	return &nsg{shared: s.commonOf(g.ID, g.Meta, g.Tags), VcnID: g.NetworkID}
}

// createNSG makes an empty NSG in a VCN: it allows nothing until rules
// are added and VNICs are put in it.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/networksecuritygroups.htm — an NSG is a set of VNICs of one VCN and the rules that apply to them
func (s *Server) createNSG(q *request) (string, *apiError) {
	var d nsgDetails
	if err := decode(q.body, &d); err != nil {
		return "", err
	}
	n, aerr := s.inVcn(q, d.placement)
	if aerr != nil {
		return "", aerr
	}
	name := s.nameOr(d.DisplayName, "nsg")
	g, err := s.cloud.CreateRuleSet(q.tenancy, model.RuleSetSpec{Flavor: model.FlavorNSG, NetworkID: n.ID, Scope: d.CompartmentID, Name: name, Tags: d.FreeformTags})
	if err != nil {
		return "", fromModel(err)
	}
	s.setAttrs(q, g.ID, map[string]string{attrName: name})
	return g.ID, nil
}

// nsgRuleOut is a stored rule on the wire: its OCI ID is the model rule's
// name, which stays the same across updates.
func nsgRuleOut(r model.Rule, created string) nsgRule {
	return nsgRule{secRule: ruleOut(r), Direction: strings.ToUpper(string(r.Direction)), ID: r.Name, IsValid: true, TimeCreated: created}
}

// nsgRuleIn reads one rule of an add or update.
func nsgRuleIn(w nsgRule) (model.Rule, *apiError) {
	var dir model.Direction
	switch w.Direction {
	case "INGRESS":
		dir = model.Ingress
	case "EGRESS":
		dir = model.Egress
	default:
		return model.Rule{}, invalid("direction '%s' must be INGRESS or EGRESS", clip(w.Direction))
	}
	return ruleIn(dir, w.secRule, true)
}

// nsgRuleID mints a security rule's ID: six hex digits, unique in its NSG.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/SecurityRule — id: an Oracle-assigned identifier for the rule, unique within the NSG
func nsgRuleID(taken []model.Rule) string {
	for {
		var b [3]byte
		_, _ = rand.Read(b[:])
		id := strings.ToUpper(hex.EncodeToString(b[:]))
		if !slices.ContainsFunc(taken, func(r model.Rule) bool { return r.Name == id }) {
			return id
		}
	}
}

// setNSGRules stores an NSG's rules; their priorities only keep them apart
// (an NSG's rules all allow, in no order).
func (s *Server) setNSGRules(q *request, id string, rules []model.Rule) ([]model.Rule, *apiError) {
	if len(rules) > maxNSGRules {
		return nil, fail(http.StatusBadRequest, codeLimitExceeded, "A network security group can have at most %d security rules", maxNSGRules)
	}
	for i := range rules {
		rules[i].Priority, rules[i].Action = i, model.Allow
	}
	out, err := s.cloud.ReplaceRules(q.tenancy, model.FlavorNSG, id, rules)
	if err != nil {
		return nil, fromModel(err)
	}
	return out, nil
}

// ruleBody is the body of AddNetworkSecurityGroupSecurityRules and
// UpdateNetworkSecurityGroupSecurityRules and of their answers.
type ruleBody struct {
	SecurityRules []nsgRule `json:"securityRules"`
}

// readRules reads the rules of an add or update and the NSG's own.
func (s *Server) readRules(q *request, id string) (ruleBody, []model.Rule, *apiError) {
	var d ruleBody
	if err := decode(q.body, &d); err != nil {
		return d, nil, err
	}
	g, err := s.cloud.RuleSet(q.tenancy, model.FlavorNSG, id)
	if err != nil {
		return d, nil, notFound("NetworkSecurityGroup", id)
	}
	return d, slices.Clone(g.Rules), nil
}

// addNSGRules adds rules and answers them with their IDs.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/NetworkSecurityGroup/AddNetworkSecurityGroupSecurityRules — answers AddedNetworkSecurityGroupSecurityRules
func (s *Server) addNSGRules(q *request, id string) *apiError {
	d, rules, aerr := s.readRules(q, id)
	if aerr != nil {
		return aerr
	}
	var added []string
	for _, w := range d.SecurityRules {
		r, aerr := nsgRuleIn(w)
		if aerr != nil {
			return aerr
		}
		r.Name = nsgRuleID(rules)
		added = append(added, r.Name)
		rules = append(rules, r)
	}
	return s.answerRules(q, id, rules, added)
}

// updateNSGRules changes rules by ID; an ID the NSG does not have is
// InvalidParameter and nothing changes.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/NetworkSecurityGroup/UpdateNetworkSecurityGroupSecurityRules — each rule names its id; answers UpdatedNetworkSecurityGroupSecurityRules
func (s *Server) updateNSGRules(q *request, id string) *apiError {
	d, rules, aerr := s.readRules(q, id)
	if aerr != nil {
		return aerr
	}
	var changed []string
	for _, w := range d.SecurityRules {
		i := slices.IndexFunc(rules, func(r model.Rule) bool { return r.Name == w.ID })
		if i < 0 {
			return invalid("The security rule '%s' is not a rule of %s", clip(w.ID), id)
		}
		r, aerr := nsgRuleIn(w)
		if aerr != nil {
			return aerr
		}
		r.Name = w.ID
		rules[i] = r
		changed = append(changed, w.ID)
	}
	return s.answerRules(q, id, rules, changed)
}

// answerRules stores an NSG's rules and answers those named.
func (s *Server) answerRules(q *request, id string, rules []model.Rule, names []string) *apiError {
	stored, aerr := s.setNSGRules(q, id, rules)
	if aerr != nil {
		return aerr
	}
	out := ruleBody{SecurityRules: []nsgRule{}}
	for _, r := range stored {
		if slices.Contains(names, r.Name) {
			out.SecurityRules = append(out.SecurityRules, nsgRuleOut(r, s.created(q, id)))
		}
	}
	writeJSON(q.w, http.StatusOK, out)
	return nil
}

// removeNSGRules removes rules by ID.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/NetworkSecurityGroup/RemoveNetworkSecurityGroupSecurityRules — securityRuleIds; 200 with no body
func (s *Server) removeNSGRules(q *request, id string) *apiError {
	ids, aerr := readIDs(q, "securityRuleIds")
	if aerr != nil {
		return aerr
	}
	g, err := s.cloud.RuleSet(q.tenancy, model.FlavorNSG, id)
	if err != nil {
		return notFound("NetworkSecurityGroup", id)
	}
	for _, rid := range ids {
		if !slices.ContainsFunc(g.Rules, func(r model.Rule) bool { return r.Name == rid }) {
			return invalid("The security rule '%s' is not a rule of %s", clip(rid), id)
		}
	}
	rules := slices.DeleteFunc(slices.Clone(g.Rules), func(r model.Rule) bool { return slices.Contains(ids, r.Name) })
	if _, aerr := s.setNSGRules(q, id, rules); aerr != nil {
		return aerr
	}
	q.w.WriteHeader(http.StatusOK)
	return nil
}

// readIDs reads the list of IDs of a remove call (securityRuleIds,
// routeRuleIds, statementIds).
func readIDs(q *request, field string) ([]string, *apiError) {
	var d map[string][]string
	if err := decode(q.body, &d); err != nil {
		return nil, err
	}
	return d[field], nil
}

// created is a resource's creation time, which its rules show too.
func (s *Server) created(q *request, id string) string {
	if g, err := s.cloud.RuleSet(q.tenancy, model.FlavorNSG, id); err == nil {
		return g.Attrs[attrCreated]
	}
	return ""
}

// listNSGRules answers an NSG's rules, of one direction when asked.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/NetworkSecurityGroup/ListNetworkSecurityGroupSecurityRules — direction INGRESS or EGRESS; a bare array with opc-next-page
func (s *Server) listNSGRules(q *request, id string) *apiError {
	g, err := s.cloud.RuleSet(q.tenancy, model.FlavorNSG, id)
	if err != nil {
		return notFound("NetworkSecurityGroup", id)
	}
	dir := q.URL.Query().Get("direction")
	if dir != "" && dir != "INGRESS" && dir != "EGRESS" {
		return invalid("direction '%s' must be INGRESS or EGRESS", clip(dir))
	}
	var out []nsgRule
	for _, r := range g.Rules {
		if w := nsgRuleOut(r, g.Attrs[attrCreated]); dir == "" || w.Direction == dir {
			out = append(out, w)
		}
	}
	return writePage(s, q, out)
}

// nsgVnic is a NetworkSecurityGroupVnic.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/NetworkSecurityGroupVnic — vnicId, resourceId (the instance), timeAssociated
type nsgVnic struct {
	VnicID         string `json:"vnicId"`
	ResourceID     string `json:"resourceId,omitempty"`
	TimeAssociated string `json:"timeAssociated,omitempty"`
}

// listNSGVnics answers the VNICs in an NSG.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/NetworkSecurityGroup/ListNetworkSecurityGroupVnics — the VNICs in the NSG
func (s *Server) listNSGVnics(q *request, id string) *apiError {
	var out []nsgVnic
	for _, e := range s.cloud.NetworkInterfaces(q.tenancy) {
		if slices.Contains(e.SecurityGroupIDs, id) {
			out = append(out, nsgVnic{VnicID: e.ID, ResourceID: e.InstanceID, TimeAssociated: e.Attrs[attrCreated]})
		}
	}
	return writePage(s, q, out)
}

// writePage answers a page of a bare array with opc-next-page.
func writePage[T any](s *Server, q *request, all []T) *apiError {
	limit, start, err := s.paging(q)
	if err != nil {
		return err
	}
	start = min(start, len(all))
	end := min(start+limit, len(all))
	if end < len(all) {
		q.w.Header().Set("opc-next-page", strconv.Itoa(end))
	}
	page := all[start:end]
	if page == nil {
		page = []T{}
	}
	writeJSON(q.w, http.StatusOK, page)
	return nil
}
