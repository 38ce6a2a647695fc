package azure

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// Resource groups are model scopes (model.Scope) with a location and tags.
// Azure: https://learn.microsoft.com/en-us/rest/api/resources/resource-groups — create or update, get, update (PATCH), delete, list, check existence (HEAD)

// groupBody is a resource group on the wire.
type groupBody struct {
	ID         string            `json:"id,omitempty"`
	Name       string            `json:"name,omitempty"`
	Type       string            `json:"type,omitempty"`
	Location   string            `json:"location"`
	ManagedBy  string            `json:"managedBy,omitempty"`
	Tags       map[string]string `json:"tags"`
	Properties struct {
		ProvisioningState string `json:"provisioningState,omitempty"`
	} `json:"properties"`
}

func groupOut(g model.Scope) groupBody {
	b := groupBody{ID: g.ID, Name: g.Name, Type: "Microsoft.Resources/resourceGroups", Location: g.Region, Tags: g.Tags}
	b.Properties.ProvisioningState = "Succeeded"
	return b
}

// groupName is the pattern of a resource group's name.
// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/resource-name-rules#microsoftresources — 1-90 characters: letters, digits, underscores, parentheses, hyphens, periods; not ending in a period
var groupName = regexp.MustCompile(`^[-\w._()]{0,89}[-\w_()]$`)

// serveGroups routes /subscriptions/S/resourceGroups/...
func (s *Server) serveGroups(q *request, w []string) {
	if _, err := s.account(q); err != nil {
		writeError(q.w, err)
		return
	}
	if len(w) >= 4 && lower(w[1]) == "providers" && lower(w[2]) == "microsoft.network" {
		if _, err := s.group(q.sub, w[0]); err != nil {
			writeError(q.w, err)
			return
		}
		s.serveNetwork(q, w[0], w[3:])
		return
	}
	if len(w) >= 4 && lower(w[1]) == "providers" && lower(w[2]) == "microsoft.compute" {
		if _, err := s.group(q.sub, w[0]); err != nil {
			writeError(q.w, err)
			return
		}
		q.ns = computeNS
		s.serveCompute(q, w[0], w[3:])
		return
	}
	if len(w) >= 4 && lower(w[1]) == "providers" && lower(w[2]) == "microsoft.resources" && lower(w[3]) == "deployments" {
		g, err := s.group(q.sub, w[0])
		if err != nil {
			writeError(q.w, err)
			return
		}
		s.serveDeployments(q, g, w[4:])
		return
	}
	if err := checkVersion(q.Request, "resourceGroups", resourcesVersions); err != nil {
		writeError(q.w, err)
		return
	}
	switch {
	case len(w) == 0 && q.Method == http.MethodGet:
		var items []any
		for _, g := range s.cloud.Scopes(q.sub) {
			items = append(items, groupOut(g))
		}
		s.page(q, items)
	case len(w) == 1:
		s.serveGroup(q, w[0])
	default:
		writeError(q.w, fail(http.StatusNotFound, "InvalidResourceType", "The resource type '%s' could not be found.", clip(q.URL.Path)))
	}
}

// group returns the subscription's resource group with the name.
func (s *Server) group(sub, name string) (model.Scope, error) {
	id, err := s.cloud.ByName(sub, "", model.KindScope, name)
	if err == nil {
		var g model.Scope
		if g, err = s.cloud.ScopeOf(sub, id); err == nil {
			return g, nil
		}
	}
	// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/troubleshooting/error-not-found — ResourceGroupNotFound
	return model.Scope{}, fail(http.StatusNotFound, "ResourceGroupNotFound", "Resource group '%s' could not be found.", clip(name))
}

// serveGroup answers one resource group's methods.
func (s *Server) serveGroup(q *request, name string) {
	g, err := s.group(q.sub, name)
	exists := err == nil
	switch q.Method {
	case http.MethodHead:
		q.w.WriteHeader(map[bool]int{true: http.StatusNoContent, false: http.StatusNotFound}[exists])
	case http.MethodGet:
		if !exists {
			writeError(q.w, err)
			return
		}
		writeJSON(q.w, http.StatusOK, groupOut(g))
	case http.MethodPut:
		s.putGroup(q, name, g, exists)
	case http.MethodPatch:
		if !exists {
			writeError(q.w, err)
			return
		}
		var in groupBody
		if err := decodeBody(q.Request, &in); err != nil {
			writeError(q.w, err)
			return
		}
		if in.Tags != nil {
			if err := s.cloud.ReplaceTags(q.sub, g.ID, in.Tags); err != nil {
				writeError(q.w, err)
				return
			}
		}
		g, _ = s.cloud.ScopeOf(q.sub, g.ID)
		writeJSON(q.w, http.StatusOK, groupOut(g))
	case http.MethodDelete:
		if !exists {
			writeError(q.w, err)
			return
		}
		if err := s.deleteGroup(q.sub, g); err != nil {
			writeError(q.w, err)
			return
		}
		q.w.Header().Set("Location", q.base+"/subscriptions/"+q.sub+"/operationresults/"+guidOf(g.ID)+"?api-version="+q.URL.Query().Get("api-version"))
		q.w.Header().Set("Retry-After", "0")
		q.w.WriteHeader(http.StatusAccepted)
	default:
		writeError(q.w, fail(http.StatusMethodNotAllowed, "MethodNotAllowed", "The method '%s' is not allowed here.", q.Method))
	}
}

// putGroup creates a resource group, or replaces the tags of one that
// exists in the same location.
// Azure: https://learn.microsoft.com/en-us/rest/api/resources/resource-groups/create-or-update — 201 when created, 200 when updated
func (s *Server) putGroup(q *request, name string, g model.Scope, exists bool) {
	var in groupBody
	if err := decodeBody(q.Request, &in); err != nil {
		writeError(q.w, err)
		return
	}
	if !groupName.MatchString(name) {
		writeError(q.w, fail(http.StatusBadRequest, "InvalidResourceGroupName",
			"Resource group names only allow alphanumeric characters, periods, underscores, hyphens and parenthesis and cannot end in a period."))
		return
	}
	loc, err := location(in.Location, "LocationNotAvailableForResourceGroup")
	if err != nil {
		writeError(q.w, err)
		return
	}
	if exists {
		if loc != g.Region {
			writeError(q.w, fail(http.StatusConflict, "InvalidResourceGroupLocation",
				"Invalid resource group location '%s'. The Resource group already exists in location '%s'.", loc, g.Region))
			return
		}
		if err := s.cloud.ReplaceTags(q.sub, g.ID, in.Tags); err != nil {
			writeError(q.w, err)
			return
		}
		g, _ = s.cloud.ScopeOf(q.sub, g.ID)
		writeJSON(q.w, http.StatusOK, groupOut(g))
		return
	}
	g, err = s.cloud.CreateScope(q.sub, model.Place{Region: loc, Name: name}, in.Tags)
	if err != nil {
		writeError(q.w, err)
		return
	}
	writeJSON(q.w, http.StatusCreated, groupOut(g))
}

// location normalizes a location ("East US" is "eastus") and checks it
// is an Azure region.
// Azure: https://learn.microsoft.com/en-us/azure/reliability/regions-list — locations by programmatic name
func location(in, code string) (string, error) {
	loc := lower(strings.ReplaceAll(in, " ", ""))
	if p, _ := model.LookupProfile(model.ProviderAzure); loc == "" || !containsFold(p.Regions, loc) {
		return "", fail(http.StatusBadRequest, code, "The provided location '%s' is not available for this resource. List of available regions is '%s'.",
			clip(in), strings.Join(p.Regions, ","))
	}
	return loc, nil
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// deleteGroup deletes a resource group and every resource in it, as ARM
// does: NSGs and route tables (detached first), and virtual networks with
// their subnets.
// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/delete-resource-group — deleting a resource group deletes all its resources
func (s *Server) deleteGroup(sub string, g model.Scope) error {
	if err := s.deleteGroupEdges(sub, g); err != nil {
		return err
	}
	for _, rs := range s.cloud.RuleSets(sub, model.FlavorNSG) {
		if strings.EqualFold(rs.Scope, g.Name) {
			if err := s.deleteNSG(sub, rs); err != nil {
				return err
			}
		}
	}
	for _, rt := range s.cloud.RouteTables(sub) {
		if rt.NetworkID == "" && strings.EqualFold(rt.Scope, g.Name) {
			if err := s.deleteRouteTable(sub, rt, true); err != nil {
				return err
			}
		}
	}
	for _, n := range s.cloud.Networks(sub) {
		if strings.EqualFold(n.Scope, g.Name) {
			if err := s.deleteNetwork(sub, n); err != nil {
				return err
			}
		}
	}
	return s.cloud.DeleteScope(sub, g.ID)
}

// deleteGroupEdges deletes a group's NICs, NAT gateways (their subnets
// dissociated) and public IPs: what holds on to subnets, NSGs and
// addresses, so that deleteGroup can delete those next.
func (s *Server) deleteGroupEdges(sub string, g model.Scope) error {
	for _, v := range s.cloud.DXVirtualInterfaces(sub) {
		if v.Meta.Name != "" && strings.EqualFold(v.Meta.Scope, g.Name) {
			if _, err := s.cloud.DeleteDXVirtualInterface(sub, v.ID); err != nil {
				return err
			}
		}
	}
	for _, x := range s.cloud.DXConnections(sub) {
		if x.Meta.Name != "" && strings.EqualFold(x.Meta.Scope, g.Name) {
			if err := s.deleteCircuit(sub, x); err != nil {
				return err
			}
		}
	}
	for _, v := range s.cloud.VPNConnections(sub) {
		if v.Name != "" && strings.EqualFold(v.Scope, g.Name) {
			if err := s.cloud.DeleteVPNConnection(sub, v.ID); err != nil {
				return err
			}
		}
	}
	for _, v := range s.cloud.VPNGateways(sub) {
		if v.Name != "" && strings.EqualFold(v.Scope, g.Name) {
			if err := s.deleteVNG(sub, v); err != nil {
				return err
			}
		}
	}
	for _, c := range s.cloud.CustomerGateways(sub) {
		if c.Name != "" && strings.EqualFold(c.Scope, g.Name) {
			if err := s.cloud.DeleteCustomerGateway(sub, c.ID); err != nil {
				return err
			}
		}
	}
	for _, e := range s.cloud.NetworkInterfaces(sub) {
		if e.Name != "" && strings.EqualFold(e.Scope, g.Name) {
			if err := s.deleteNIC(sub, e); err != nil {
				return err
			}
		}
	}
	for _, n := range s.cloud.NATGateways(sub) {
		if n.SubnetID != "" || !strings.EqualFold(n.Scope, g.Name) {
			continue
		}
		for _, sn := range n.Serves {
			if err := s.cloud.SetSubnetNAT(sub, sn, ""); err != nil {
				return err
			}
		}
		if err := s.cloud.DeleteNATGateway(sub, n.ID); err != nil {
			return err
		}
	}
	for _, e := range s.cloud.ElasticIPs(sub) {
		if e.Name != "" && e.Associate == "" && strings.EqualFold(e.Scope, g.Name) {
			if err := s.cloud.ReleaseAddress(sub, e.ID); err != nil {
				return err
			}
		}
	}
	return nil
}
