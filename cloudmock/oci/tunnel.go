package oci

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"net/http"
	"net/netip"
	"regexp"
	"strconv"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// tunnel is an IPSecConnectionTunnel on the wire.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/IPSecConnectionTunnel/ — IPSecConnectionTunnel: vpnIp, cpeIp, status, ikeVersion, routing, bgpSessionInfo
type tunnel struct {
	shared
	VpnIP          string      `json:"vpnIp"`
	CpeIP          string      `json:"cpeIp"`
	Status         string      `json:"status"`
	IkeVersion     string      `json:"ikeVersion"`
	Routing        string      `json:"routing"`
	BgpSessionInfo *bgpSession `json:"bgpSessionInfo,omitempty"`
	DpdMode        string      `json:"dpdMode"`
	DpdTimeout     int         `json:"dpdTimeoutInSec"`
}

// bgpSession is BgpSessionInfo (and, without the Oracle ASN and state,
// CreateIPSecTunnelBgpSessionDetails).
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/BgpSessionInfo — oracleInterfaceIp, customerInterfaceIp (/30 or /31), oracleBgpAsn, customerBgpAsn, bgpState
type bgpSession struct {
	OracleInterfaceIP   string `json:"oracleInterfaceIp,omitempty"`
	CustomerInterfaceIP string `json:"customerInterfaceIp,omitempty"`
	OracleBgpAsn        string `json:"oracleBgpAsn,omitempty"`
	CustomerBgpAsn      string `json:"customerBgpAsn,omitempty"`
	BgpState            string `json:"bgpState,omitempty"`
}

// tunnelDetails is CreateIPSecConnectionTunnelDetails and
// UpdateIPSecConnectionTunnelDetails.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/CreateIPSecConnectionTunnelDetails — displayName, routing, ikeVersion, sharedSecret, bgpSessionConfig
type tunnelDetails struct {
	DisplayName      *string     `json:"displayName"`
	Routing          string      `json:"routing"`
	IkeVersion       string      `json:"ikeVersion"`
	SharedSecret     *string     `json:"sharedSecret"`
	BgpSessionConfig *bgpSession `json:"bgpSessionConfig"`
}

// Routing types and IKE versions of a tunnel.
const (
	routingBGP    = "BGP"
	routingStatic = "STATIC"
	routingPolicy = "POLICY"
)

// oracleASN is Oracle's BGP ASN in the commercial realm.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingIPsec.htm — Oracle's BGP ASN for the commercial cloud is 31898
const oracleASN = 31898

// secretRE is a valid shared secret.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/CreateIPSecConnectionTunnelDetails — sharedSecret: letters, numbers and whitespace, at most 255 characters; Oracle makes one when none is given
var secretRE = regexp.MustCompile(`^[A-Za-z0-9 ]{1,255}$`)

// planTunnels checks the tunnels' configuration: at most two, the
// missing ones STATIC with a secret Oracle makes.
func planTunnels(in []tunnelDetails, haveRoutes bool) ([2]tunnelDetails, *apiError) {
	var out [2]tunnelDetails
	if len(in) > 2 {
		return out, invalid("tunnelConfiguration has %d tunnels; an IPSec connection has two", len(in))
	}
	copy(out[:], in)
	for n := range out {
		if err := checkTunnel(&out[n], haveRoutes, true); err != nil {
			return out, err
		}
	}
	return out, nil
}

// checkTunnel checks one tunnel's details and fills in the defaults
// (routing STATIC, IKEv1, a new secret) where fill says so.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingIPsec.htm — static routing needs at least one static route on the connection; BGP needs the customer's ASN and the tunnel's inside addresses
func checkTunnel(t *tunnelDetails, haveRoutes, fill bool) *apiError {
	if fill && t.Routing == "" {
		t.Routing = routingStatic
	}
	if fill && t.IkeVersion == "" {
		t.IkeVersion = "V1"
	}
	switch t.Routing {
	case "", routingBGP, routingPolicy:
	case routingStatic:
		if !haveRoutes {
			return invalid("A tunnel with STATIC routing needs at least one static route on the IPSec connection")
		}
	default:
		return invalid("routing '%s' must be BGP, STATIC or POLICY", clip(t.Routing))
	}
	if t.IkeVersion != "" && t.IkeVersion != "V1" && t.IkeVersion != "V2" {
		return invalid("ikeVersion '%s' must be V1 or V2", clip(t.IkeVersion))
	}
	if t.SharedSecret != nil && !secretRE.MatchString(*t.SharedSecret) {
		return invalid("sharedSecret may have only letters, numbers and whitespace, at most 255 characters")
	}
	if fill && t.SharedSecret == nil {
		t.SharedSecret = ptr(newSecret())
	}
	if t.Routing == routingBGP {
		return checkBGP(t.BgpSessionConfig)
	}
	return nil
}

// checkBGP checks a tunnel's BGP session: the customer's ASN (not
// Oracle's) and two inside addresses of one /30 or /31.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/CreateIPSecTunnelBgpSessionDetails — oracleInterfaceIp and customerInterfaceIp: /30 or /31 addresses of one subnet; customerBgpAsn: 2-byte or 4-byte ASN
func checkBGP(b *bgpSession) *apiError {
	if b == nil || b.CustomerBgpAsn == "" || b.CustomerInterfaceIP == "" || b.OracleInterfaceIP == "" {
		return fail(http.StatusBadRequest, codeMissingParameter, "bgpSessionConfig with customerBgpAsn, customerInterfaceIp and oracleInterfaceIp is required for BGP routing")
	}
	asn, err := strconv.ParseUint(b.CustomerBgpAsn, 10, 32)
	if err != nil || asn == 0 || asn == oracleASN {
		return invalid("customerBgpAsn '%s' must be an ASN from 1 to 4294967295 other than Oracle's %d", clip(b.CustomerBgpAsn), oracleASN)
	}
	c, err1 := netip.ParsePrefix(b.CustomerInterfaceIP)
	o, err2 := netip.ParsePrefix(b.OracleInterfaceIP)
	if err1 != nil || err2 != nil || !c.Addr().Is4() || (c.Bits() != 30 && c.Bits() != 31) || c.Bits() != o.Bits() ||
		c.Masked() != o.Masked() || c.Addr() == o.Addr() {
		return invalid("customerInterfaceIp '%s' and oracleInterfaceIp '%s' must be two addresses of one /30 or /31", clip(b.CustomerInterfaceIP), clip(b.OracleInterfaceIP))
	}
	return nil
}

// newSecret is a shared secret as Oracle makes one.
func newSecret() string {
	var b [20]byte
	_, _ = rand.Read(b[:])
	return strings.ToUpper(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}

// tunnelID is the OCID of a connection's tunnel n (0 or 1).
func tunnelID(region, connID string, n int) string {
	h := sha256.Sum256([]byte(fmt.Sprintf("%s\x00tunnel%d", connID, n)))
	return "ocid1.ipsectunnel." + model.OCIRealm + "." + region + "." + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(h[:]))
}

// tunAttr is the connection attribute holding a field of tunnel n.
func tunAttr(n int, field string) string { return fmt.Sprintf("tunnel%d/%s", n+1, field) }

// newTunnel gives tunnel n an Oracle VPN IP and records its settings.
func (s *Server) newTunnel(q *request, v model.VPNConnection, n int, t tunnelDetails, compartment string, attrs map[string]string) *apiError {
	e, err := s.cloud.AllocateAddressAt(q.tenancy, model.Place{Region: s.cfg.Region, Scope: compartment}, nil)
	if err != nil {
		return fromModel(err)
	}
	attrs[tunAttr(n, "eip")], attrs[tunAttr(n, "vpnIp")] = e.ID, e.PublicIP.String()
	attrs[tunAttr(n, "name")] = s.nameOr(t.DisplayName, fmt.Sprintf("tunnel%d", n+1))
	setTunnel(attrs, n, t)
	return nil
}

// setTunnel records the given fields of a tunnel's details.
func setTunnel(attrs map[string]string, n int, t tunnelDetails) {
	if t.Routing != "" {
		attrs[tunAttr(n, "routing")] = t.Routing
	}
	if t.IkeVersion != "" {
		attrs[tunAttr(n, "ike")] = t.IkeVersion
	}
	if t.SharedSecret != nil {
		attrs[tunAttr(n, "secret")] = *t.SharedSecret
	}
	if t.DisplayName != nil {
		attrs[tunAttr(n, "name")] = *t.DisplayName
	}
	if b := t.BgpSessionConfig; b != nil && t.Routing == routingBGP {
		attrs[tunAttr(n, "asn")], attrs[tunAttr(n, "cip")], attrs[tunAttr(n, "oip")] = b.CustomerBgpAsn, b.CustomerInterfaceIP, b.OracleInterfaceIP
	}
}

// releaseTunnels gives back a connection's Oracle VPN IPs.
func (s *Server) releaseTunnels(tenancy, connID string) {
	v, ok := s.ipsecOf(tenancy, connID)
	if !ok {
		return
	}
	for n := range 2 {
		if id := v.Attrs[tunAttr(n, "eip")]; id != "" {
			_ = s.cloud.ReleaseAddress(tenancy, id)
		}
	}
}

// tunnelOut is tunnel n of a connection. Its status and BGP state are
// what the realizer saw of it (model.VPNTunnel); DOWN where nothing
// answers IKE for the CPE.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/IPSecConnectionTunnel/ — status UP, DOWN, DOWN_FOR_MAINTENANCE, PARTIAL_UP; bgpSessionInfo.bgpState UP or DOWN
func (s *Server) tunnelOut(v model.VPNConnection, n int) *tunnel {
	a := v.Attrs
	out := &tunnel{shared: shared{ID: tunnelID(v.Region, v.ID, n), CompartmentID: v.Scope, DisplayName: a[tunAttr(n, "name")],
		LifecycleState: stateAvailable, TimeCreated: a[attrCreated], FreeformTags: map[string]string{}, DefinedTags: map[string]map[string]any{}},
		VpnIP: a[tunAttr(n, "vpnIp")], Status: "DOWN", IkeVersion: a[tunAttr(n, "ike")], Routing: a[tunAttr(n, "routing")],
		DpdMode: "INITIATE_AND_RESPOND", DpdTimeout: 20}
	if g, err := s.cloud.CustomerGateway(v.Account, v.CustomerGatewayID); err == nil {
		out.CpeIP = g.IP.String()
	}
	var seen model.VPNTunnel
	if n < len(v.Tunnels) {
		seen = v.Tunnels[n]
	}
	if seen.Tunnel == model.VPNUp {
		out.Status = "UP"
	}
	if out.Routing == routingBGP {
		out.BgpSessionInfo = &bgpSession{OracleInterfaceIP: a[tunAttr(n, "oip")], CustomerInterfaceIP: a[tunAttr(n, "cip")],
			OracleBgpAsn: strconv.Itoa(oracleASN), CustomerBgpAsn: a[tunAttr(n, "asn")], BgpState: "DOWN"}
		if seen.BGP == model.VPNUp {
			out.BgpSessionInfo.BgpState = "UP"
		}
	}
	return out
}

// splitList and joinList keep a list of CIDRs in one attribute.
func splitList(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

func joinList(l []string) string { return strings.Join(l, ",") }
