package azure

import (
	"net/http"
	"slices"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// providerTypes are the resource types this front-end serves, by
// namespace, with their api-versions.
var providerTypes = map[string]map[string][]string{
	"microsoft.network": {
		"virtualNetworks": networkVersions, "virtualNetworks/subnets": networkVersions,
		"networkSecurityGroups": networkVersions, "networkSecurityGroups/securityRules": networkVersions,
		"routeTables": networkVersions, "routeTables/routes": networkVersions,
		"networkInterfaces": networkVersions, "publicIPAddresses": networkVersions, "natGateways": networkVersions,
		"virtualNetworks/virtualNetworkPeerings": networkVersions,
		"virtualNetworkGateways":                 networkVersions, "localNetworkGateways": networkVersions, "connections": networkVersions,
		"expressRouteCircuits": networkVersions, "expressRouteCircuits/peerings": networkVersions,
		"locations": networkVersions, "operations": networkVersions, "locations/operations": networkVersions,
		"locations/operationResults": networkVersions,
	},
	"microsoft.compute": {
		"virtualMachines": computeVersions, "locations": computeVersions, "locations/operations": computeVersions,
		"locations/operationResults": computeVersions,
	},
	"microsoft.resources": {
		"resourceGroups": resourcesVersions, "subscriptions": resourcesVersions, "providers": resourcesVersions,
	},
}

// namespaceNames are the namespaces as ARM spells them.
var namespaceNames = map[string]string{"microsoft.network": "Microsoft.Network", "microsoft.compute": computeNS, "microsoft.resources": "Microsoft.Resources"}

// providerMetadata answers GET /subscriptions/S/providers/NS: the
// namespace's resource types, each with its locations and api-versions
// (newest first, as ARM lists them; az resource takes the first).
// Azure: https://learn.microsoft.com/en-us/rest/api/resources/providers/get — namespace, registrationState, resourceTypes[].apiVersions
func (s *Server) providerMetadata(q *request, namespace string) {
	if q.Method != http.MethodGet {
		writeError(q.w, fail(http.StatusMethodNotAllowed, "MethodNotAllowed", "The method '%s' is not allowed here.", q.Method))
		return
	}
	if err := checkVersion(q.Request, "providers", resourcesVersions); err != nil {
		writeError(q.w, err)
		return
	}
	types, ok := providerTypes[lower(namespace)]
	if !ok {
		writeError(q.w, fail(http.StatusNotFound, "InvalidResourceNamespace", "The resource namespace '%s' is invalid.", clip(namespace)))
		return
	}
	p, _ := model.LookupProfile(model.ProviderAzure)
	var rts []any
	for _, name := range sortedKeys(types) {
		versions := slices.Clone(types[name])
		slices.Reverse(versions)
		rts = append(rts, map[string]any{"resourceType": name, "locations": p.Regions, "apiVersions": versions,
			"defaultApiVersion": versions[0], "capabilities": "None"})
	}
	ns := namespaceNames[lower(namespace)]
	writeJSON(q.w, http.StatusOK, map[string]any{
		"id": "/subscriptions/" + q.sub + "/providers/" + ns, "namespace": ns,
		"registrationState": "Registered", "registrationPolicy": "RegistrationRequired", "resourceTypes": rts,
	})
}

// sortedKeys returns a map's keys in order, case-insensitively.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b string) int { return strings.Compare(lower(a), lower(b)) })
	return out
}
