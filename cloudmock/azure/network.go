package azure

import (
	"net/http"
	"strings"
)

// networkType is one Microsoft.Network resource type this front-end
// serves: its name as ARM spells it, its child types, and its handlers.
type networkType struct {
	name     string
	children map[string]string // child type (lower case) -> as ARM spells it
	list     func(s *Server, q *request, group string) ([]any, error)
	serve    func(s *Server, q *request, group, name string)
	child    func(s *Server, q *request, group, name, childType, child string)
	actions  map[string]string // POST actions (lower case) -> as ARM spells them
}

// networkTypes are the types by their lower-case names.
var networkTypes map[string]networkType

func init() {
	networkTypes = map[string]networkType{
		"virtualnetworks": {name: "virtualNetworks", children: map[string]string{"subnets": "subnets", "virtualnetworkpeerings": "virtualNetworkPeerings"},
			list: (*Server).listVNets, serve: (*Server).serveVNet, child: (*Server).serveVNetChild},
		"publicipaddresses": {name: "publicIPAddresses", list: (*Server).listPublicIPs, serve: (*Server).servePublicIP},
		"networkinterfaces": {name: "networkInterfaces", children: map[string]string{"ipconfigurations": "ipConfigurations"},
			list: (*Server).listNICs, serve: (*Server).serveNIC, child: (*Server).serveIPConfig,
			actions: map[string]string{"effectiveroutetable": "effectiveRouteTable", "effectivenetworksecuritygroups": "effectiveNetworkSecurityGroups"}},
		"natgateways": {name: "natGateways", list: (*Server).listNATs, serve: (*Server).serveNAT},
		"virtualnetworkgateways": {name: "virtualNetworkGateways", list: (*Server).listVNGs, serve: (*Server).serveVNG,
			actions: map[string]string{"getlearnedroutes": "getLearnedRoutes", "getbgppeerstatus": "getBgpPeerStatus"}},
		"localnetworkgateways": {name: "localNetworkGateways", list: (*Server).listLocalGWs, serve: (*Server).serveLocalGW},
		"connections":          {name: "connections", list: (*Server).listConns, serve: (*Server).serveConn},
		"expressroutecircuits": {name: "expressRouteCircuits", children: map[string]string{"peerings": "peerings", "authorizations": "authorizations"},
			list: (*Server).listCircuits, serve: (*Server).serveCircuit, child: (*Server).serveCircuitChild},
		"networksecuritygroups": {name: "networkSecurityGroups",
			children: map[string]string{"securityrules": "securityRules", "defaultsecurityrules": "defaultSecurityRules"},
			list:     (*Server).listNSGs, serve: (*Server).serveNSG, child: (*Server).serveRule},
		"routetables": {name: "routeTables", children: map[string]string{"routes": "routes"},
			list: (*Server).listRouteTables, serve: (*Server).serveRouteTable, child: (*Server).serveRoute},
	}
}

// serveNetwork routes .../resourceGroups/G/providers/Microsoft.Network/TYPE[/NAME[/CHILDTYPE[/CHILD]]].
func (s *Server) serveNetwork(q *request, group string, w []string) {
	t, ok := networkTypes[lower(w[0])]
	if !ok {
		writeError(q.w, fail(http.StatusBadRequest, "InvalidResourceType",
			"The resource type '%s' could not be found in the namespace 'Microsoft.Network' for api version '%s'.", clip(w[0]), clip(q.URL.Query().Get("api-version"))))
		return
	}
	typ := t.name
	if len(w) >= 3 {
		typ += "/" + t.children[lower(w[2])]
	}
	if len(w) == 3 && t.actions[lower(w[2])] != "" {
		typ = t.name
	}
	if err := checkVersion(q.Request, typ, networkVersions); err != nil {
		writeError(q.w, err)
		return
	}
	switch {
	case len(w) == 1:
		s.listNetwork(q, group, w[0])
	case len(w) == 2:
		t.serve(s, q, group, w[1])
	case len(w) == 3 && t.actions[lower(w[2])] != "" && t.name == "virtualNetworkGateways":
		s.serveVNGAction(q, group, w[1], w[2])
	case len(w) == 3 && t.actions[lower(w[2])] != "":
		s.serveNICAction(q, group, w[1], w[2])
	case len(w) <= 4 && t.children[lower(w[2])] != "":
		child := ""
		if len(w) == 4 {
			child = w[3]
		}
		t.child(s, q, group, w[1], t.children[lower(w[2])], child)
	default:
		writeError(q.w, fail(http.StatusBadRequest, "InvalidResourceType", "The resource type '%s' could not be found.", clip(strings.Join(w, "/"))))
	}
}

// listNetwork lists a type's resources in a group, or in the whole
// subscription when group is empty.
func (s *Server) listNetwork(q *request, group, typ string) {
	t, ok := networkTypes[lower(typ)]
	if !ok {
		writeError(q.w, fail(http.StatusBadRequest, "InvalidResourceType", "The resource type '%s' could not be found in the namespace 'Microsoft.Network'.", clip(typ)))
		return
	}
	if err := checkVersion(q.Request, t.name, networkVersions); err != nil {
		writeError(q.w, err)
		return
	}
	if _, err := s.account(q); err != nil {
		writeError(q.w, err)
		return
	}
	if q.Method != http.MethodGet {
		writeError(q.w, fail(http.StatusMethodNotAllowed, "MethodNotAllowed", "The method '%s' is not allowed here.", q.Method))
		return
	}
	items, err := t.list(s, q, group)
	if err != nil {
		writeError(q.w, err)
		return
	}
	s.page(q, items)
}

// inGroup reports whether an object's scope is the group (any group when
// group is empty).
func inGroup(scope, group string) bool { return group == "" || strings.EqualFold(scope, group) }

// resourceHead is what every top-level ARM resource carries.
type resourceHead struct {
	ID       string            `json:"id,omitempty"`
	Name     string            `json:"name,omitempty"`
	Type     string            `json:"type,omitempty"`
	Etag     string            `json:"etag,omitempty"`
	Location string            `json:"location,omitempty"`
	Tags     map[string]string `json:"tags,omitempty"`
}
