package oci

import (
	"net/http"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// serveTunnels answers the tunnel calls of an IPSec connection: list,
// get and update a tunnel, and get and update its shared secret.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/IPSecConnectionTunnel/ — ListIPSecConnectionTunnels, GetIPSecConnectionTunnel, UpdateIPSecConnectionTunnel
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/IPSecConnectionTunnelSharedSecret/ — GetIPSecConnectionTunnelSharedSecret, UpdateIPSecConnectionTunnelSharedSecret
func (s *Server) serveTunnels(q *request) *apiError {
	v, ok := s.ipsecOf(q.tenancy, q.rest[0])
	if !ok {
		return notFound("IPSecConnection", q.rest[0])
	}
	if len(q.rest) == 2 && q.Method == http.MethodGet {
		return writePage(s, q, []*tunnel{s.tunnelOut(v, 0), s.tunnelOut(v, 1)})
	}
	n := -1
	for i := range 2 {
		if len(q.rest) > 2 && q.rest[2] == tunnelID(v.Region, v.ID, i) {
			n = i
		}
	}
	if n < 0 {
		if len(q.rest) > 2 {
			return notFound("IPSecConnectionTunnel", q.rest[2])
		}
		return fail(http.StatusMethodNotAllowed, "MethodNotAllowed", "Method %s is not allowed on %s", q.Method, clip(q.URL.Path))
	}
	t := s.tunnelOut(v, n)
	switch {
	case len(q.rest) == 3 && q.Method == http.MethodGet:
		writeResource(q.w, http.StatusOK, t)
	case len(q.rest) == 3 && q.Method == http.MethodPut:
		return s.updateTunnel(q, v, n, t)
	case len(q.rest) == 4 && q.rest[3] == "sharedSecret" && q.Method == http.MethodGet:
		writeJSON(q.w, http.StatusOK, map[string]string{"sharedSecret": v.Attrs[tunAttr(n, "secret")]})
	case len(q.rest) == 4 && q.rest[3] == "sharedSecret" && q.Method == http.MethodPut:
		var d struct {
			SharedSecret *string `json:"sharedSecret"`
		}
		if err := decode(q.body, &d); err != nil {
			return err
		}
		if d.SharedSecret == nil || !secretRE.MatchString(*d.SharedSecret) {
			return invalid("sharedSecret may have only letters, numbers and whitespace, 1 to 255 characters")
		}
		if err := s.cloud.SetAttrs(q.tenancy, v.ID, map[string]string{tunAttr(n, "secret"): *d.SharedSecret}); err != nil {
			return fromModel(err)
		}
		writeJSON(q.w, http.StatusOK, map[string]string{"sharedSecret": *d.SharedSecret})
	default:
		return fail(http.StatusNotFound, "NotFound", "Not found: %s", clip(q.URL.Path))
	}
	return nil
}

// updateTunnel changes a tunnel's name, routing, IKE version or BGP
// session, with If-Match on the tunnel's ETag.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/UpdateIPSecConnectionTunnelDetails — displayName, routing, ikeVersion, bgpSessionConfig
func (s *Server) updateTunnel(q *request, v model.VPNConnection, n int, t *tunnel) *apiError {
	if m := q.Header.Get("if-match"); m != "" && m != "*" && m != etagOf(t) {
		return fail(http.StatusPreconditionFailed, codeNoEtagMatch, "The resource's etag does not match the value of the if-match header")
	}
	var d tunnelDetails
	if err := decode(q.body, &d); err != nil {
		return err
	}
	if d.SharedSecret != nil {
		return invalid("sharedSecret is changed by UpdateIPSecConnectionTunnelSharedSecret")
	}
	if d.Routing == "" && d.BgpSessionConfig != nil {
		d.Routing = t.Routing
	}
	if d.Routing == routingBGP && d.BgpSessionConfig == nil && t.BgpSessionInfo != nil {
		d.BgpSessionConfig = t.BgpSessionInfo
	}
	if err := checkTunnel(&d, len(s.ipsecOut(v).StaticRoutes) > 0, false); err != nil {
		return err
	}
	attrs := map[string]string{}
	setTunnel(attrs, n, d)
	if err := s.cloud.SetAttrs(q.tenancy, v.ID, attrs); err != nil {
		return fromModel(err)
	}
	v, _ = s.ipsecOf(q.tenancy, v.ID)
	writeResource(q.w, http.StatusOK, s.tunnelOut(v, n))
	return nil
}
