package aws

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/netip"
	"slices"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// The Direct Connect API is AWS JSON 1.1: POST / with the action in
// X-Amz-Target, a JSON body, and SigV4 for the service directconnect.
// AWS: https://docs.aws.amazon.com/directconnect/latest/APIReference/Welcome.html — the Direct Connect API (2012-10-25)
const (
	dxTargetPrefix  = "OvertureService."
	dxService       = "directconnect"
	dxContentType   = "application/x-amz-json-1.1"
	dxDevice        = "mcnlab" // awsDeviceV2 and awsLogicalDeviceId of every line
	dxDefaultMTU    = 1500
	dxAddressFamily = "ipv4"
)

// dxAction runs one Direct Connect action for an account in a region
// (the request's, requestRegion) with its JSON body and returns the value
// to encode as the response.
type dxAction func(h *Handler, account, region string, body []byte) (any, error)

// dxActions maps Direct Connect action names to their implementations.
var dxActions = map[string]dxAction{
	"DescribeConnections":           describeConnections,
	"CreatePrivateVirtualInterface": createPrivateVirtualInterface,
	"DescribeVirtualInterfaces":     describeVirtualInterfaces,
	"DeleteVirtualInterface":        deleteVirtualInterface,
}

// DirectConnectActions lists the Direct Connect actions the handler
// implements, sorted.
func DirectConnectActions() []string { return slices.Sorted(maps.Keys(dxActions)) }

// dxError is an error as an AWS JSON protocol reports it: a type, a
// message and an HTTP status.
type dxError struct {
	Type    string
	Message string
	Status  int
}

func (e *dxError) Error() string { return e.Type + ": " + e.Message }

// dxClientError is the error Direct Connect reports for any parameter it
// refuses.
// AWS: https://docs.aws.amazon.com/directconnect/latest/APIReference/API_CreatePrivateVirtualInterface.html — DirectConnectClientException, HTTP 400: one or more parameters are not valid
func dxClientError(format string, args ...any) *dxError {
	return &dxError{Type: "DirectConnectClientException", Message: sprintfClipped(format, args...), Status: http.StatusBadRequest}
}

// toDXError maps an error to Direct Connect's: model errors are client
// errors, anything else a server error.
func toDXError(err error) *dxError {
	var de *dxError
	if errors.As(err, &de) {
		return de
	}
	var me *model.Error
	if errors.As(err, &me) {
		return dxClientError("%s", me.Msg)
	}
	// AWS: https://docs.aws.amazon.com/directconnect/latest/APIReference/API_DescribeConnections.html — DirectConnectServerException, HTTP 500: a server-side error occurred
	return &dxError{Type: "DirectConnectServerException", Message: "An internal error has occurred", Status: http.StatusInternalServerError}
}

// dxAuthError is Direct Connect's answer to a refused signature.
// AWS: https://docs.aws.amazon.com/directconnect/latest/APIReference/CommonErrors.html — MissingAuthenticationToken 403, InvalidClientTokenId 403, RequestExpired 400, IncompleteSignature 400
func dxAuthError(err error) *dxError {
	var ae *authError
	if !errors.As(err, &ae) {
		return toDXError(err)
	}
	switch ae.reason {
	case authMissing:
		return &dxError{Type: "MissingAuthenticationToken", Message: "Missing Authentication Token", Status: http.StatusForbidden}
	case authUnknownKey, authBadToken:
		return &dxError{Type: "InvalidClientTokenId", Message: "The security token included in the request is invalid.", Status: http.StatusForbidden}
	case authExpired:
		return &dxError{Type: "RequestExpired", Message: "Request has expired.", Status: http.StatusBadRequest}
	}
	return &dxError{Type: "IncompleteSignature", Message: "The request signature we calculated does not match the signature you provided.", Status: http.StatusBadRequest}
}

// writeDXError writes an AWS JSON error: {"__type": ..., "message": ...}.
// AWS: https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html — operation error serialization: __type and message in the body
func writeDXError(w http.ResponseWriter, reqID string, e *dxError) {
	body, _ := json.Marshal(struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}{e.Type, e.Message})
	w.Header().Set("Content-Type", dxContentType)
	w.Header().Set("X-Amzn-Requestid", reqID)
	w.WriteHeader(e.Status)
	_, _ = w.Write(body)
}

// jsonService is one AWS JSON 1.1 service of the endpoint: the target
// prefix its X-Amz-Target carries, the SigV4 service name its requests
// are scoped to, its actions and how it words a model error.
type jsonService struct {
	prefix, service string
	actions         map[string]dxAction
	toError         func(error) *dxError
}

// jsonServices are the JSON services the endpoint serves, by target
// prefix; a target of none of them is Direct Connect's InvalidAction.
var jsonServices = []*jsonService{
	{prefix: dxTargetPrefix, service: dxService, actions: dxActions, toError: toDXError},
	{prefix: logsTargetPrefix, service: logsService, actions: logsActions, toError: toLogsError},
}

func jsonServiceOf(target string) *jsonService {
	for _, s := range jsonServices {
		if strings.HasPrefix(target, s.prefix) {
			return s
		}
	}
	return jsonServices[0]
}

// serveJSON authenticates and runs one request of an AWS JSON 1.1 service
// (Direct Connect, CloudWatch Logs).
func (h *Handler) serveJSON(w http.ResponseWriter, r *http.Request, reqID, target string, body []byte) {
	svc := jsonServiceOf(target)
	cred, service, err := h.authenticate(r, body)
	if err != nil {
		writeDXError(w, reqID, dxAuthError(err))
		return
	}
	// AWS: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html — the credential scope names the service the request is for
	if service != svc.service {
		writeDXError(w, reqID, &dxError{Type: "IncompleteSignature",
			Message: fmt.Sprintf("Credential should be scoped to correct service: '%s'.", svc.service), Status: http.StatusBadRequest})
		return
	}
	name, ok := strings.CutPrefix(target, svc.prefix)
	markRead(w, name)
	act, found := svc.actions[name]
	if !ok || !found || r.Method != http.MethodPost {
		// AWS: https://docs.aws.amazon.com/directconnect/latest/APIReference/CommonErrors.html — InvalidAction 400
		writeDXError(w, reqID, &dxError{Type: "InvalidAction", Message: fmt.Sprintf("The action %q is not valid for this web service.", clip(target)), Status: http.StatusBadRequest})
		return
	}
	if len(body) == 0 {
		body = []byte("{}")
	}
	out, err := act(h, cred.AccountID, h.requestRegion(r), body)
	if err != nil {
		writeDXError(w, reqID, svc.toError(err))
		return
	}
	enc, err := json.Marshal(out)
	if err != nil {
		writeDXError(w, reqID, svc.toError(fmt.Errorf("encode %s response: %w", name, err)))
		return
	}
	w.Header().Set("Content-Type", dxContentType)
	w.Header().Set("X-Amzn-Requestid", reqID)
	_, _ = w.Write(enc)
}

// decodeDX decodes an action's JSON body into v.
// AWS: https://docs.aws.amazon.com/directconnect/latest/APIReference/CommonErrors.html — ValidationError 400: the input fails to satisfy the constraints
func decodeDX(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return &dxError{Type: "ValidationError", Message: fmt.Sprintf("cannot decode the request body: %v", err), Status: http.StatusBadRequest}
	}
	return nil
}

type dxTag struct {
	Key   string  `json:"key"`
	Value *string `json:"value,omitempty"`
}

func dxTags(tags map[string]string) []dxTag {
	out := []dxTag{}
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		v := tags[k]
		out = append(out, dxTag{Key: k, Value: &v})
	}
	return out
}

// dxConnection is the Connection shape.
// AWS: https://docs.aws.amazon.com/directconnect/latest/APIReference/API_Connection.html — Connection
type dxConnection struct {
	OwnerAccount         string  `json:"ownerAccount"`
	ConnectionID         string  `json:"connectionId"`
	ConnectionName       string  `json:"connectionName"`
	ConnectionState      string  `json:"connectionState"`
	Region               string  `json:"region"`
	Location             string  `json:"location"`
	Bandwidth            string  `json:"bandwidth"`
	AwsDeviceV2          string  `json:"awsDeviceV2"`
	AwsLogicalDeviceID   string  `json:"awsLogicalDeviceId"`
	JumboFrameCapable    bool    `json:"jumboFrameCapable"`
	HasLogicalRedundancy string  `json:"hasLogicalRedundancy"`
	MacSecCapable        bool    `json:"macSecCapable"`
	Tags                 []dxTag `json:"tags"`
}

func (h *Handler) toDXConnection(x model.DXConnection) dxConnection {
	return dxConnection{OwnerAccount: x.Account, ConnectionID: x.ID, ConnectionName: x.Name, ConnectionState: string(x.State),
		Region: h.regionOf(x.Region), Location: x.Location, Bandwidth: x.Bandwidth, AwsDeviceV2: dxDevice, AwsLogicalDeviceID: dxDevice,
		HasLogicalRedundancy: "no", Tags: dxTags(x.Tags)}
}

// AWS: https://docs.aws.amazon.com/directconnect/latest/APIReference/API_DescribeConnections.html — connectionId (optional); answers {"connections": [...]}
func describeConnections(h *Handler, account, region string, body []byte) (any, error) {
	var in struct {
		ConnectionID string `json:"connectionId"`
		MaxResults   *int   `json:"maxResults"`
		NextToken    string `json:"nextToken"`
	}
	if err := decodeDX(body, &in); err != nil {
		return nil, err
	}
	out := struct {
		Connections []dxConnection `json:"connections"`
	}{Connections: []dxConnection{}}
	for _, x := range h.dxConnections(account, region) {
		if in.ConnectionID == "" || in.ConnectionID == x.ID {
			out.Connections = append(out.Connections, h.toDXConnection(x))
		}
	}
	if in.ConnectionID != "" && len(out.Connections) == 0 {
		return nil, dxClientError("Connection %s does not exist", in.ConnectionID)
	}
	return out, nil
}

// dxConnections returns the account's lines in region: Direct Connect is
// a regional API, each region's endpoint answering for the connections at
// its locations and the virtual interfaces on them.
// AWS: https://docs.aws.amazon.com/directconnect/latest/APIReference/API_DescribeConnections.html — displays the specified connection or all connections in this Region
func (h *Handler) dxConnections(account, region string) []model.DXConnection {
	all := h.cloud.DXConnections(account)
	out := all[:0:0]
	for _, x := range all {
		if h.regionOf(x.Region) == region {
			out = append(out, x)
		}
	}
	return out
}

// dxSeen reports whether region's endpoint sees the Direct Connect object
// id; one the account does not have is seen (the action answers it).
// AWS: https://docs.aws.amazon.com/directconnect/latest/APIReference/API_VirtualInterface.html — region: the Region where the virtual interface is located
func (h *Handler) dxSeen(account, region, id string) bool {
	regions, ok := h.cloud.ObjectRegions(account, id)
	return !ok || h.regionOf(regions[0]) == region
}

// dxBGPPeer is the BGPPeer shape.
// AWS: https://docs.aws.amazon.com/directconnect/latest/APIReference/API_BGPPeer.html — BGPPeer
type dxBGPPeer struct {
	BgpPeerID       string `json:"bgpPeerId"`
	Asn             int64  `json:"asn"`
	AsnLong         int64  `json:"asnLong"`
	AuthKey         string `json:"authKey"`
	AddressFamily   string `json:"addressFamily"`
	AmazonAddress   string `json:"amazonAddress"`
	CustomerAddress string `json:"customerAddress"`
	BgpPeerState    string `json:"bgpPeerState"`
	BgpStatus       string `json:"bgpStatus"`
	AwsDeviceV2     string `json:"awsDeviceV2"`
}

// dxVirtualInterface is the VirtualInterface shape.
// AWS: https://docs.aws.amazon.com/directconnect/latest/APIReference/API_VirtualInterface.html — VirtualInterface
type dxVirtualInterface struct {
	OwnerAccount          string      `json:"ownerAccount"`
	VirtualInterfaceID    string      `json:"virtualInterfaceId"`
	Location              string      `json:"location"`
	ConnectionID          string      `json:"connectionId"`
	VirtualInterfaceType  string      `json:"virtualInterfaceType"`
	VirtualInterfaceName  string      `json:"virtualInterfaceName"`
	Vlan                  int         `json:"vlan"`
	Asn                   int64       `json:"asn"`
	AsnLong               int64       `json:"asnLong"`
	AmazonSideAsn         int64       `json:"amazonSideAsn"`
	AuthKey               string      `json:"authKey"`
	AmazonAddress         string      `json:"amazonAddress"`
	CustomerAddress       string      `json:"customerAddress"`
	AddressFamily         string      `json:"addressFamily"`
	VirtualInterfaceState string      `json:"virtualInterfaceState"`
	Mtu                   int         `json:"mtu"`
	JumboFrameCapable     bool        `json:"jumboFrameCapable"`
	VirtualGatewayID      string      `json:"virtualGatewayId"`
	BgpPeers              []dxBGPPeer `json:"bgpPeers"`
	Region                string      `json:"region"`
	AwsDeviceV2           string      `json:"awsDeviceV2"`
	AwsLogicalDeviceID    string      `json:"awsLogicalDeviceId"`
	SiteLinkEnabled       bool        `json:"siteLinkEnabled"`
	Tags                  []dxTag     `json:"tags"`
}

// maxShortASN is the largest ASN the asn field holds; for larger ones asn
// is 0 and only asnLong has the ASN.
// AWS: https://docs.aws.amazon.com/directconnect/latest/APIReference/API_NewPrivateVirtualInterface.html — a 4-byte asnLong is answered with 0 in asn; a 2-byte one in both
const maxShortASN = 2147483647

func (h *Handler) toDXVirtualInterface(v model.DXVirtualInterface) dxVirtualInterface {
	var asn int64
	if v.CustomerASN <= maxShortASN {
		asn = v.CustomerASN
	}
	// The lab installs the route that stands in for the VIF's BGP session
	// exactly while the interface is available, so its session is up then.
	status := "down"
	if v.State == model.StateAvailable {
		status = "up"
	}
	peerState := "available"
	if v.State == model.StateDeleted {
		peerState = "deleted"
	}
	return dxVirtualInterface{OwnerAccount: v.Account, VirtualInterfaceID: v.ID, Location: model.DXLocation, ConnectionID: v.ConnectionID,
		VirtualInterfaceType: "private", VirtualInterfaceName: v.Name, Vlan: v.VLAN, Asn: asn, AsnLong: v.CustomerASN,
		AmazonSideAsn: v.CloudASN, AuthKey: v.AuthKey, AmazonAddress: v.CloudAddress.String(), CustomerAddress: v.CustomerAddress.String(),
		AddressFamily: dxAddressFamily, VirtualInterfaceState: string(v.State), Mtu: dxDefaultMTU, VirtualGatewayID: v.VPNGatewayID,
		BgpPeers: []dxBGPPeer{{BgpPeerID: "dxpeer-" + strings.TrimPrefix(v.ID, "dxvif-"), Asn: asn, AsnLong: v.CustomerASN, AuthKey: v.AuthKey,
			AddressFamily: dxAddressFamily, AmazonAddress: v.CloudAddress.String(), CustomerAddress: v.CustomerAddress.String(),
			BgpPeerState: peerState, BgpStatus: status, AwsDeviceV2: dxDevice}},
		Region: h.regionOf(v.Region), AwsDeviceV2: dxDevice, AwsLogicalDeviceID: dxDevice, Tags: dxTags(v.Tags)}
}

// newPrivateVIF is the NewPrivateVirtualInterface shape; members the lab
// does not emulate are decoded so that a request using them is refused.
// AWS: https://docs.aws.amazon.com/directconnect/latest/APIReference/API_NewPrivateVirtualInterface.html — NewPrivateVirtualInterface
type newPrivateVIF struct {
	VirtualInterfaceName   string  `json:"virtualInterfaceName"`
	Vlan                   int     `json:"vlan"`
	Asn                    int64   `json:"asn"`
	AsnLong                *int64  `json:"asnLong"`
	AuthKey                string  `json:"authKey"`
	AmazonAddress          string  `json:"amazonAddress"`
	CustomerAddress        string  `json:"customerAddress"`
	AddressFamily          string  `json:"addressFamily"`
	VirtualGatewayID       string  `json:"virtualGatewayId"`
	DirectConnectGatewayID string  `json:"directConnectGatewayId"`
	Mtu                    *int    `json:"mtu"`
	EnableSiteLink         *bool   `json:"enableSiteLink"`
	RateLimit              *string `json:"rateLimit"`
	PrefixPoolIPv4         *int    `json:"prefixPoolAllocatedCountIpv4"`
	PrefixPoolIPv6         *int    `json:"prefixPoolAllocatedCountIpv6"`
	Tags                   []dxTag `json:"tags"`
}

// spec checks what the model does not and returns the model's spec.
func (n newPrivateVIF) spec(connectionID string) (model.DXVirtualInterfaceSpec, error) {
	s := model.DXVirtualInterfaceSpec{ConnectionID: connectionID, Name: n.VirtualInterfaceName, VLAN: n.Vlan, AuthKey: n.AuthKey,
		VPNGatewayID: n.VirtualGatewayID, CustomerASN: n.Asn}
	if connectionID == "" {
		return s, dxClientError("connectionId is required")
	}
	// AWS: https://docs.aws.amazon.com/directconnect/latest/APIReference/API_NewPrivateVirtualInterface.html — virtualInterfaceName: up to 100 of a-z, 0-9 and hyphen
	if len(n.VirtualInterfaceName) > 100 || strings.Trim(n.VirtualInterfaceName, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
		return s, dxClientError("virtualInterfaceName %q: use up to 100 characters a-z, 0-9 and hyphen", n.VirtualInterfaceName)
	}
	// AWS: https://docs.aws.amazon.com/directconnect/latest/APIReference/API_NewPrivateVirtualInterface.html — asn 1-2147483646; given both asn and asnLong, the API accepts asnLong
	if n.AsnLong != nil {
		s.CustomerASN = *n.AsnLong
	} else if n.Asn > maxShortASN-1 {
		return s, dxClientError("asn %d is out of range (1-2147483646); use asnLong", n.Asn)
	}
	if n.AddressFamily != "" && n.AddressFamily != dxAddressFamily {
		return s, dxClientError("addressFamily %q is not emulated by mcnlab; use ipv4", n.AddressFamily)
	}
	switch {
	case n.DirectConnectGatewayID != "":
		return s, dxClientError("Direct Connect gateways are not emulated by mcnlab; give a virtualGatewayId")
	case n.VirtualGatewayID == "":
		return s, dxClientError("virtualGatewayId is required")
	case n.Mtu != nil && *n.Mtu != dxDefaultMTU:
		return s, dxClientError("MTU %d is not emulated by mcnlab; use %d", *n.Mtu, dxDefaultMTU)
	case n.EnableSiteLink != nil && *n.EnableSiteLink:
		return s, dxClientError("SiteLink is not emulated by mcnlab")
	case n.RateLimit != nil || n.PrefixPoolIPv4 != nil || n.PrefixPoolIPv6 != nil:
		return s, dxClientError("rate limits and prefix pools are not emulated by mcnlab")
	}
	for _, a := range []struct {
		name, value string
		dst         *netip.Prefix
	}{{"amazonAddress", n.AmazonAddress, &s.CloudAddress}, {"customerAddress", n.CustomerAddress, &s.CustomerAddress}} {
		if a.value == "" {
			continue
		}
		p, err := netip.ParsePrefix(a.value)
		if err != nil {
			return s, dxClientError("%s %q is not an IPv4 address with a prefix length (like 192.168.1.1/30)", a.name, a.value)
		}
		*a.dst = p
	}
	return s, nil
}

// modelTags turns a Direct Connect tag list into the model's tags.
// AWS: https://docs.aws.amazon.com/directconnect/latest/APIReference/API_CreatePrivateVirtualInterface.html — DuplicateTagKeysException: a tag key was specified more than once
func modelTags(tags []dxTag) (map[string]string, error) {
	out := map[string]string{}
	for _, t := range tags {
		if _, dup := out[t.Key]; dup {
			return nil, &dxError{Type: "DuplicateTagKeysException", Message: fmt.Sprintf("Tag key %q was specified more than once", clip(t.Key)), Status: http.StatusBadRequest}
		}
		out[t.Key] = ""
		if t.Value != nil {
			out[t.Key] = *t.Value
		}
	}
	return out, nil
}

// AWS: https://docs.aws.amazon.com/directconnect/latest/APIReference/API_CreatePrivateVirtualInterface.html — connectionId and newPrivateVirtualInterface; answers the VirtualInterface
func createPrivateVirtualInterface(h *Handler, account, region string, body []byte) (any, error) {
	var in struct {
		ConnectionID string        `json:"connectionId"`
		New          newPrivateVIF `json:"newPrivateVirtualInterface"`
	}
	if err := decodeDX(body, &in); err != nil {
		return nil, err
	}
	spec, err := in.New.spec(in.ConnectionID)
	if err != nil {
		return nil, err
	}
	tags, err := modelTags(in.New.Tags)
	if err != nil {
		return nil, err
	}
	if !h.dxSeen(account, region, in.ConnectionID) {
		return nil, dxClientError("Connection %s does not exist", in.ConnectionID)
	}
	// AWS: https://docs.aws.amazon.com/directconnect/latest/APIReference/API_CreatePrivateVirtualInterface.html — connected to a VGW, a private virtual interface only gives access to a single VPC within the same Region
	if !h.dxSeen(account, region, spec.VPNGatewayID) {
		return nil, dxClientError("Virtual private gateway %s is not in %s, the region of connection %s: a private virtual interface reaches a virtual private gateway of its own region", spec.VPNGatewayID, region, in.ConnectionID)
	}
	v, err := h.cloud.CreateDXVirtualInterface(account, spec, tags)
	if err != nil {
		return nil, err
	}
	return h.toDXVirtualInterface(v), nil
}

// AWS: https://docs.aws.amazon.com/directconnect/latest/APIReference/API_DescribeVirtualInterfaces.html — connectionId and/or virtualInterfaceId narrow the list; answers {"virtualInterfaces": [...]}
func describeVirtualInterfaces(h *Handler, account, region string, body []byte) (any, error) {
	var in struct {
		ConnectionID       string `json:"connectionId"`
		VirtualInterfaceID string `json:"virtualInterfaceId"`
		MaxResults         *int   `json:"maxResults"`
		NextToken          string `json:"nextToken"`
	}
	if err := decodeDX(body, &in); err != nil {
		return nil, err
	}
	if in.ConnectionID != "" && !slices.ContainsFunc(h.dxConnections(account, region), func(x model.DXConnection) bool { return x.ID == in.ConnectionID }) {
		return nil, dxClientError("Connection %s does not exist", in.ConnectionID)
	}
	out := struct {
		VirtualInterfaces []dxVirtualInterface `json:"virtualInterfaces"`
	}{VirtualInterfaces: []dxVirtualInterface{}}
	for _, v := range h.cloud.DXVirtualInterfaces(account) {
		if h.regionOf(v.Region) != region {
			continue
		}
		if (in.ConnectionID == "" || v.ConnectionID == in.ConnectionID) && (in.VirtualInterfaceID == "" || v.ID == in.VirtualInterfaceID) {
			out.VirtualInterfaces = append(out.VirtualInterfaces, h.toDXVirtualInterface(v))
		}
	}
	if in.VirtualInterfaceID != "" && len(out.VirtualInterfaces) == 0 {
		return nil, dxClientError("Virtual interface %s does not exist", in.VirtualInterfaceID)
	}
	return out, nil
}

// AWS: https://docs.aws.amazon.com/directconnect/latest/APIReference/API_DeleteVirtualInterface.html — virtualInterfaceId; answers {"virtualInterfaceState": ...}
func deleteVirtualInterface(h *Handler, account, region string, body []byte) (any, error) {
	var in struct {
		VirtualInterfaceID string `json:"virtualInterfaceId"`
	}
	if err := decodeDX(body, &in); err != nil {
		return nil, err
	}
	if in.VirtualInterfaceID == "" {
		return nil, dxClientError("virtualInterfaceId is required")
	}
	if !h.dxSeen(account, region, in.VirtualInterfaceID) {
		return nil, dxClientError("Virtual interface %s does not exist", in.VirtualInterfaceID)
	}
	v, err := h.cloud.DeleteDXVirtualInterface(account, in.VirtualInterfaceID)
	if err != nil {
		return nil, err
	}
	// The model deletes at once: the interface is past "deleting".
	return struct {
		State string `json:"virtualInterfaceState"`
	}{string(v.State)}, nil
}
