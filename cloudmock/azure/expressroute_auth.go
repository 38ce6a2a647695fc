package azure

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// ExpressRoute circuit authorizations: the circuit owner makes one, and
// its key lets the owner of a virtual network gateway in another
// subscription link the gateway to the circuit (a connection of type
// ExpressRoute with peer the circuit and authorizationKey the key). A key
// serves one connection: it is InUse from then on, Available again when
// that connection is deleted. Each authorization is kept in its circuit's
// line's attributes (attrAuthPrefix + name), so it is saved with the
// model.
// Azure: https://learn.microsoft.com/en-us/azure/expressroute/expressroute-howto-linkvnet-arm#connect-a-virtual-network-in-a-different-subscription-to-a-circuit — the circuit owner creates an authorization; the circuit user redeems its key in a connection; one authorization per connection
// Azure: https://learn.microsoft.com/en-us/rest/api/expressroute/express-route-circuit-authorizations — create or update, get, list, delete; authorizationKey, authorizationUseStatus Available or InUse

// attrAuthPrefix prefixes an authorization's attribute on its line.
const attrAuthPrefix = "azure.authorization/"

// circuitAuth is a kept authorization.
type circuitAuth struct {
	Name   string `json:"name"`
	Key    string `json:"key"`
	UsedBy string `json:"usedBy,omitempty"` // the connection (virtual interface) that redeemed it
}

const authType = circuitType + "/authorizations"

// authsOf are a circuit's authorizations, by lower-case name.
func authsOf(x model.DXConnection) map[string]circuitAuth {
	out := map[string]circuitAuth{}
	for k, v := range x.Meta.Attrs {
		var a circuitAuth
		if strings.HasPrefix(k, attrAuthPrefix) && json.Unmarshal([]byte(v), &a) == nil {
			out[strings.TrimPrefix(k, attrAuthPrefix)] = a
		}
	}
	return out
}

// authOut renders an authorization.
func authOut(circuit string, a circuitAuth) map[string]any {
	use := map[bool]string{true: "InUse", false: "Available"}[a.UsedBy != ""]
	b := map[string]any{"id": circuit + "/authorizations/" + a.Name, "name": a.Name, "type": authType,
		"properties": map[string]any{"authorizationKey": a.Key, "authorizationUseStatus": use, "provisioningState": "Succeeded"}}
	b["etag"] = etagOf(b)
	return b
}

// authList renders all of a circuit's authorizations, by name.
func authList(x model.DXConnection) []any {
	auths := authsOf(x)
	out := []any{}
	for _, k := range sortedKeys(auths) {
		out = append(out, authOut(circuitID(x), auths[k]))
	}
	return out
}

// setAuth keeps (or, with a nil a, drops) an authorization.
func (s *Server) setAuth(x model.DXConnection, name string, a *circuitAuth) error {
	v := ""
	if a != nil {
		b, _ := json.Marshal(a)
		v = string(b)
	}
	return s.cloud.SetAttrs(x.Account, x.ID, map[string]string{attrAuthPrefix + lower(name): v})
}

// serveCircuitAuth answers .../expressRouteCircuits/C/authorizations[/NAME].
func (s *Server) serveCircuitAuth(q *request, x model.DXConnection, name string) {
	auths := authsOf(x)
	a, has := auths[lower(name)]
	switch {
	case name == "" && q.Method == http.MethodGet:
		s.page(q, authList(x))
	case name == "":
		methodNotAllowed(q)
	case q.Method == http.MethodGet && has:
		writeJSON(q.w, http.StatusOK, authOut(circuitID(x), a))
	case q.Method == http.MethodGet:
		writeError(q.w, childNotFound(circuitID(x)+"/authorizations/"+name))
	case q.Method == http.MethodPut:
		var in struct{}
		if err := decodeBody(q.Request, &in); err != nil {
			writeError(q.w, err)
			return
		}
		if !has {
			var k [16]byte
			_, _ = rand.Read(k[:])
			h := hex.EncodeToString(k[:])
			a = circuitAuth{Name: name, Key: h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]}
			if err := s.setAuth(x, name, &a); err != nil {
				writeError(q.w, err)
				return
			}
		}
		putDone(q, !has, x.Meta.Attrs[attrLocation], authOut(circuitID(x), a))
	case q.Method == http.MethodDelete && !has:
		deleteDone(q, "", false)
	case q.Method == http.MethodDelete:
		if a.UsedBy != "" {
			writeError(q.w, fail(http.StatusBadRequest, "InUseResourceCannotBeDeleted",
				"Authorization %s/authorizations/%s is in use by connection %s. Delete the connection before the authorization.", circuitID(x), a.Name, a.UsedBy))
			return
		}
		if err := s.setAuth(x, name, nil); err != nil {
			writeError(q.w, err)
			return
		}
		deleteDone(q, x.Meta.Attrs[attrLocation], true)
	default:
		methodNotAllowed(q)
	}
}

// erPeerLine resolves an ExpressRoute connection's circuit to its line:
// one of the subscription's own, or another subscription's whose
// authorization key the connection gives. It returns the line and the
// name of the authorization redeemed ("" for none).
// Azure: https://learn.microsoft.com/en-us/azure/expressroute/expressroute-howto-linkvnet-arm#circuit-user-operations — the circuit user needs the peer ID and an authorization key from the circuit owner
func (s *Server) erPeerLine(sub, name string, p connProps) (model.DXConnection, string, error) {
	lineID, acct, err := s.refTo(sub, p.Peer.ID, "expressroutecircuits", model.KindDXConnection, true)
	if err != nil {
		return model.DXConnection{}, "", err
	}
	var x model.DXConnection
	for _, c := range s.cloud.DXConnections(acct) {
		if c.ID == lineID {
			x = c
		}
	}
	if p.AuthorizationKey == "" {
		if !strings.EqualFold(acct, sub) {
			// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/troubleshooting/common-deployment-errors — LinkedAuthorizationFailed: the client may not use a resource of another subscription that the request links
			return model.DXConnection{}, "", fail(http.StatusForbidden, "LinkedAuthorizationFailed",
				"The client has permission to perform action 'Microsoft.Network/connections/write' on scope '/subscriptions/%s', however it does not have permission to perform action 'Microsoft.Network/expressRouteCircuits/join/action' on the linked scope '%s'. A circuit of another subscription is linked with an authorization key of its owner.",
				sub, circuitID(x))
		}
		return x, "", nil
	}
	for k, a := range authsOf(x) {
		if !strings.EqualFold(a.Key, p.AuthorizationKey) {
			continue
		}
		if a.UsedBy != "" {
			return model.DXConnection{}, "", fail(http.StatusBadRequest, "AuthorizationKeyInUse",
				"Connection %s: the authorization key of %s/authorizations/%s is already in use by connection %s; an authorization serves one connection.", clip(name), circuitID(x), a.Name, a.UsedBy)
		}
		return x, k, nil
	}
	return model.DXConnection{}, "", fail(http.StatusBadRequest, "InvalidAuthorizationKey",
		"Connection %s: the authorization key is not one of circuit %s's authorizations.", clip(name), circuitID(x))
}

// redeem marks a circuit's authorization used by a connection, or (with
// an empty v) frees the one a connection used.
func (s *Server) redeem(lineAcct, lineID, auth, vif string) error {
	for _, x := range s.cloud.DXConnections(lineAcct) {
		if x.ID != lineID {
			continue
		}
		for k, a := range authsOf(x) {
			if k == auth || auth == "" && a.UsedBy == vif {
				a.UsedBy = map[bool]string{true: vif, false: ""}[auth != ""]
				return s.setAuth(x, k, &a)
			}
		}
	}
	return nil
}
