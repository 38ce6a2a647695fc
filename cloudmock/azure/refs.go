package azure

import (
	"net/http"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// armRef is a parsed ARM resource ID of Microsoft.Network:
// /subscriptions/S/resourceGroups/G/providers/Microsoft.Network/TYPE/NAME[/CHILDTYPE/CHILD].
type armRef struct {
	sub, group, typ, name string
	childType, child      string
}

// parseRef parses an ARM resource ID; ok is false for anything else.
func parseRef(id string) (armRef, bool) {
	w := splitPath(id)
	if (len(w) != 8 && len(w) != 10) || lower(w[0]) != "subscriptions" || lower(w[2]) != "resourcegroups" ||
		lower(w[4]) != "providers" || lower(w[5]) != "microsoft.network" {
		return armRef{}, false
	}
	r := armRef{sub: w[1], group: w[3], typ: lower(w[6]), name: w[7]}
	if len(w) == 10 {
		r.childType, r.child = lower(w[8]), w[9]
	}
	return r, true
}

// badRef is ARM's answer to a reference to a resource that does not exist.
// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/troubleshooting/error-not-found — InvalidResourceReference: a referenced resource was not found
func badRef(id string) error {
	return fail(http.StatusBadRequest, "InvalidResourceReference", "Resource %s referenced by resource was not found. Please make sure that the referenced resource exists, and that both resources are in the same region.", clip(id))
}

// refTo resolves a reference to a top-level resource of a type (lower
// case) in the subscription sub (or in another Azure subscription of the
// cloud where other is true) to its model ID and subscription.
func (s *Server) refTo(sub, id, typ string, kind model.Kind, other bool) (string, string, error) {
	r, ok := parseRef(id)
	if !ok || r.typ != typ || r.childType != "" || (!other && !strings.EqualFold(r.sub, sub)) {
		return "", "", badRef(id)
	}
	acct := s.azureAccount(r.sub)
	if acct == "" {
		return "", "", badRef(id)
	}
	got, err := s.cloud.ByName(acct, r.group, kind, r.name)
	if err != nil {
		return "", "", badRef(id)
	}
	return got, acct, nil
}

// subnetRef resolves a reference to a subnet of the subscription.
func (s *Server) subnetRef(sub, id string) (model.Subnet, error) {
	r, ok := parseRef(id)
	if !ok || r.typ != "virtualnetworks" || r.childType != "subnets" || !strings.EqualFold(r.sub, sub) {
		return model.Subnet{}, badRef(id)
	}
	n, err := s.networkByName(sub, r.group, r.name)
	if err != nil {
		return model.Subnet{}, badRef(id)
	}
	sid, err := s.cloud.ByName(sub, n.Scope+"/"+n.Name, model.KindSubnet, r.child)
	if err != nil {
		return model.Subnet{}, badRef(id)
	}
	return s.cloud.Subnet(sub, sid)
}

// azureAccount returns the model account of an Azure subscription ID
// (case-insensitive), or "".
func (s *Server) azureAccount(sub string) string {
	for _, a := range s.cloud.Accounts() {
		if strings.EqualFold(a.ID, sub) && a.Provider == model.ProviderAzure {
			return a.ID
		}
	}
	return ""
}

// methodNotAllowed is ARM's answer to a method a path does not take.
func methodNotAllowed(q *request) {
	writeError(q.w, fail(http.StatusMethodNotAllowed, "MethodNotAllowed", "The method '%s' is not allowed here.", q.Method))
}

// named returns the object of list that the name index holds as the
// subscription's object of kind named name in group; ok is false when
// there is none.
func named[T any](s *Server, sub, group string, kind model.Kind, name string, list []T, idOf func(T) string) (T, bool) {
	if id, err := s.cloud.ByName(sub, group, kind, name); err == nil {
		for _, x := range list {
			if idOf(x) == id {
				return x, true
			}
		}
	}
	var zero T
	return zero, false
}
