package azure

import (
	"net/http"
	"slices"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// Network security groups: model rule sets of the nsg flavour that belong
// to no network (model.Cloud.CreateRuleSetAt), in a resource group.
// Azure: https://learn.microsoft.com/en-us/rest/api/virtualnetwork/network-security-groups — create or update, get, list, list all, delete

// nsgBody is a network security group on the wire.
type nsgBody struct {
	resourceHead
	Properties nsgProps `json:"properties"`
}

type nsgProps struct {
	SecurityRules        []ruleBody `json:"securityRules"`
	DefaultSecurityRules []ruleBody `json:"defaultSecurityRules,omitempty"`
	Subnets              []ref      `json:"subnets,omitempty"`
	NetworkInterfaces    []ref      `json:"networkInterfaces,omitempty"`
	ResourceGUID         string     `json:"resourceGuid,omitempty"`
	ProvisioningState    string     `json:"provisioningState,omitempty"`
}

const nsgType = "Microsoft.Network/networkSecurityGroups"

// nsgOut renders an NSG with its rules, Azure's default rules and the
// subnets it is associated with.
func nsgOut(rs model.RuleSet, nics ...string) nsgBody {
	b := nsgBody{resourceHead: resourceHead{ID: rs.ID, Name: rs.Meta.Name, Type: nsgType, Location: rs.Region, Tags: rs.Tags}}
	p := &b.Properties
	p.SecurityRules = []ruleBody{}
	for _, parts := range ruleGroups(rs.Rules) {
		p.SecurityRules = append(p.SecurityRules, ruleOut(rs.ID, parts))
	}
	p.DefaultSecurityRules = defaultRules(rs.ID)
	for _, a := range rs.Attachments {
		if a.Kind == model.OnSubnet {
			p.Subnets = append(p.Subnets, ref{ID: a.TargetID})
		}
	}
	for _, id := range nics {
		p.NetworkInterfaces = append(p.NetworkInterfaces, ref{ID: id})
	}
	p.ResourceGUID, p.ProvisioningState = guidOf(rs.ID+rs.Handle), "Succeeded"
	b.Etag = etagOf(b)
	return b
}

// nsgByName returns the group's NSG with the name.
func (s *Server) nsgByName(sub, group, name string) (model.RuleSet, error) {
	id, err := s.cloud.ByName(sub, group, model.KindNetworkSecurityGroup, name)
	if err == nil {
		if rs, err := s.cloud.RuleSet(sub, model.FlavorNSG, id); err == nil {
			return rs, nil
		}
	}
	return model.RuleSet{}, notFound("networkSecurityGroups", name, group)
}

func (s *Server) listNSGs(q *request, group string) ([]any, error) {
	var items []any
	for _, rs := range s.cloud.RuleSets(q.sub, model.FlavorNSG) {
		if rs.NetworkID == "" && inGroup(rs.Scope, group) {
			items = append(items, nsgOut(rs, s.nicsOf(rs)...))
		}
	}
	return items, nil
}

// serveNSG answers one NSG's methods.
func (s *Server) serveNSG(q *request, group, name string) {
	serveResource(q, group, name, resource[model.RuleSet]{
		find: s.nsgByName, out: func(rs model.RuleSet) any { return nsgOut(rs, s.nicsOf(rs)...) }, put: s.putNSG,
		del: func(sub string, rs model.RuleSet) error {
			// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/manage-network-security-group#delete-a-network-security-group — an NSG associated with a subnet or NIC cannot be deleted
			users := s.nsgUsers(sub, rs)
			if len(users) > 0 {
				return fail(http.StatusBadRequest, "InUseNetworkSecurityGroupCannotBeDeleted",
					"Network security group %s cannot be deleted because it is in use by the following resources: %s. In order to delete the Network security group, remove the association with the resource(s).",
					rs.ID, users[0])
			}
			return s.deleteNSG(sub, rs)
		},
		region: func(rs model.RuleSet) string { return rs.Region }})
}

// deleteNSG removes an NSG's associations and deletes it.
func (s *Server) deleteNSG(sub string, rs model.RuleSet) error {
	for _, a := range rs.Attachments {
		if err := s.cloud.DetachRuleSet(sub, a.ID); err != nil {
			return err
		}
	}
	return s.cloud.DeleteRuleSet(sub, model.FlavorNSG, rs.ID)
}

// putNSG creates or updates an NSG with its inline rules (the body's
// rules replace the NSG's).
// Azure: https://learn.microsoft.com/en-us/rest/api/virtualnetwork/network-security-groups/create-or-update — securityRules inline
func (s *Server) putNSG(q *request, group, name string) {
	var in nsgBody
	if err := decodeBody(q.Request, &in); err != nil {
		writeError(q.w, err)
		return
	}
	loc, err := location(in.Location, "LocationNotAvailableForResourceType")
	if err != nil {
		writeError(q.w, err)
		return
	}
	rules, err := rulesIn(in.Properties.SecurityRules)
	if err != nil {
		writeError(q.w, err)
		return
	}
	rs, err := s.nsgByName(q.sub, group, name)
	created := err != nil
	if created {
		g, err := s.group(q.sub, group)
		if err != nil {
			writeError(q.w, err)
			return
		}
		if rs, err = s.cloud.CreateRuleSetAt(q.sub, model.Place{Region: loc, Scope: g.Name, Name: name},
			model.RuleSetSpec{Flavor: model.FlavorNSG, Tags: in.Tags}); err != nil {
			writeError(q.w, err)
			return
		}
	} else if loc != rs.Region {
		writeError(q.w, fail(http.StatusBadRequest, "InvalidResourceLocation",
			"The resource '%s' already exists in location '%s' in resource group '%s'. A resource with the same name cannot be created in location '%s'.",
			name, rs.Region, rs.Scope, loc))
		return
	}
	if _, err = s.cloud.ReplaceRules(q.sub, model.FlavorNSG, rs.ID, rules); err == nil && !created {
		err = s.cloud.ReplaceTags(q.sub, rs.ID, in.Tags)
	}
	if err != nil {
		if created {
			_ = s.cloud.DeleteRuleSet(q.sub, model.FlavorNSG, rs.ID)
		}
		writeError(q.w, err)
		return
	}
	rs, _ = s.cloud.RuleSet(q.sub, model.FlavorNSG, rs.ID)
	putDone(q, created, loc, nsgOut(rs, s.nicsOf(rs)...))
}

// ruleByName finds a rule of a set by its name, case-insensitively.
func ruleByName(rules []model.Rule, name string) int {
	for i, r := range rules {
		if strings.EqualFold(r.Name, name) {
			return i
		}
	}
	return -1
}

// nicsOf lists the NICs an NSG filters.
func (s *Server) nicsOf(rs model.RuleSet) []string {
	var out []string
	for _, e := range s.cloud.NetworkInterfaces(rs.Account) {
		if slices.Contains(e.SecurityGroupIDs, rs.ID) {
			out = append(out, e.ID)
		}
	}
	return out
}

// nsgUsers lists what an NSG is associated with: subnets and NICs.
func (s *Server) nsgUsers(sub string, rs model.RuleSet) []string {
	var out []string
	for _, a := range rs.Attachments {
		out = append(out, a.TargetID)
	}
	return append(out, s.nicsOf(rs)...)
}
