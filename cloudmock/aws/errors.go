package aws

import (
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// apiError is an error as EC2 reports it: a code, a message and an HTTP status.
type apiError struct {
	Code    string
	Message string
	Status  int
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

// errInvalid is EC2's InvalidParameterValue; string arguments are the
// request's values and are quoted clipped.
func errInvalid(format string, args ...any) *apiError {
	return &apiError{Code: "InvalidParameterValue", Message: sprintfClipped(format, args...), Status: http.StatusBadRequest}
}

// clip quotes a request's value in an error as the model does
// (model.Clip: the first 100 bytes and the length).
func clip(v string) string { return model.Clip(v) }

// sprintfClipped is fmt.Sprintf with every string argument clipped.
func sprintfClipped(format string, args ...any) string {
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = clip(s)
		}
	}
	return fmt.Sprintf(format, args...)
}

func errMissing(name string) *apiError {
	return &apiError{Code: "MissingParameter", Message: fmt.Sprintf("The request must contain the parameter %s", name), Status: http.StatusBadRequest}
}

// notFoundByPrefix maps an ID to EC2's not-found code by its prefix.
var notFoundByPrefix = []struct{ prefix, code string }{
	{"vpc-cidr-assoc-", "InvalidVpcCidrBlockAssociationID.NotFound"},
	{"vpc-", "InvalidVpcID.NotFound"},
	{"subnet-", "InvalidSubnetID.NotFound"},
	{"rtbassoc-", "InvalidAssociationID.NotFound"},
	{"aclassoc-", "InvalidAssociationID.NotFound"},
	{"rtb-", "InvalidRouteTableID.NotFound"},
	{"igw-", "InvalidInternetGatewayID.NotFound"},
	{"sg-", "InvalidGroup.NotFound"},
	{"acl-", "InvalidNetworkAclID.NotFound"},
	{"i-", "InvalidInstanceID.NotFound"},
	{"eni-", "InvalidNetworkInterfaceID.NotFound"},
	{"nat-", "NatGatewayNotFound"},
	{"eipalloc-", "InvalidAllocationID.NotFound"},
	{"pcx-", "InvalidVpcPeeringConnectionID.NotFound"},
	{"tgw-rtb-", "InvalidRouteTableID.NotFound"},
	{"tgw-attach-", "InvalidTransitGatewayAttachmentID.NotFound"},
	{"tgw-", "InvalidTransitGatewayID.NotFound"},
	{"vgw-", "InvalidVpnGatewayID.NotFound"},
	{"cgw-", "InvalidCustomerGatewayID.NotFound"},
	{"vpn-", "InvalidVpnConnectionID.NotFound"},
}

func notFoundCode(id string) string {
	for _, p := range notFoundByPrefix {
		if strings.HasPrefix(id, p.prefix) {
			return p.code
		}
	}
	return "InvalidID"
}

// toAPIError maps a model error to EC2's code for it.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html — EC2 error codes
func toAPIError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	var me *model.Error
	if !errors.As(err, &me) {
		return &apiError{Code: "InternalError", Message: "An internal error has occurred", Status: http.StatusInternalServerError}
	}
	code := "InvalidParameterValue"
	switch me.Code {
	case model.CodeNotFound:
		switch me.Kind {
		case model.KindGateway:
			code = "InvalidGatewayID.NotFound"
		case model.KindRoute, model.KindTransitGatewayRoute, model.KindVPNRoute:
			code = "InvalidRoute.NotFound"
		case model.KindNetworkACLEntry:
			code = "InvalidNetworkAclEntry.NotFound"
		case model.KindRouteTableAssociation, model.KindNetworkACLAssociation:
			code = "InvalidAssociationID.NotFound"
		case model.KindNATGateway:
			code = "InvalidNatGatewayID.NotFound"
		case model.KindAccount:
			code = "AuthFailure"
		default:
			code = notFoundCode(me.ID)
		}
	case model.CodeInvalidRange:
		code = "InvalidVpc.Range"
		if me.Kind == model.KindSubnet {
			code = "InvalidSubnet.Range"
		}
	case model.CodeConflict:
		switch me.Kind {
		case model.KindSubnet:
			code = "InvalidSubnet.Conflict"
		case model.KindNetworkCIDR:
			code = "InvalidVpc.Range"
		case model.KindNetworkInterface:
			code = "InvalidIPAddress.InUse"
		}
	case model.CodeAlreadyExists:
		switch me.Kind {
		case model.KindRoute, model.KindTransitGatewayRoute:
			code = "RouteAlreadyExists"
		case model.KindNetworkACLEntry:
			code = "NetworkAclEntryAlreadyExists"
		case model.KindTransitGatewayAttachment:
			code = "DuplicateTransitGatewayAttachment"
		default:
			code = "Resource.AlreadyAssociated"
		}
	case model.CodeDuplicate:
		switch me.Kind {
		case model.KindSecurityGroup:
			code = "InvalidGroup.Duplicate"
		case model.KindTransitGatewayAttachment:
			code = "DuplicateSubnetsInSameZone"
		default:
			code = "InvalidPermission.Duplicate"
		}
	case model.CodeDependency:
		code = "DependencyViolation"
		switch me.Kind {
		case model.KindElasticIP:
			code = "InvalidIPAddress.InUse"
		case model.KindVPNGateway, model.KindCustomerGateway, model.KindTransitGateway, model.KindTransitGatewayRouteTable:
			code = "IncorrectState"
		}
	case model.CodeLimitExceeded:
		switch me.Kind {
		case model.KindRoute:
			code = "RouteLimitExceeded"
		case model.KindSecurityRule:
			// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html — RulesPerSecurityGroupLimitExceeded
			return &apiError{Code: "RulesPerSecurityGroupLimitExceeded", Message: "The maximum number of rules per security group has been reached.", Status: http.StatusBadRequest}
		case model.KindNetworkACLEntry:
			code = "NetworkAclEntryLimitExceeded"
		case model.KindNetworkCIDR:
			code = "CidrLimitExceeded"
		case model.KindSubnet:
			code = "InsufficientFreeAddressesInSubnet"
		case model.KindElasticIP:
			code = "AddressLimitExceeded"
		case model.KindObject:
			code = "TagLimitExceeded"
		default:
			code = "ResourceLimitExceeded"
		}
	case model.CodeQuotaExceeded:
		if q, ok := quotaErrors[me.Kind]; ok {
			return &apiError{Code: q.code, Message: q.message, Status: http.StatusBadRequest}
		}
		code = "ResourceLimitExceeded"
	case model.CodeAlreadyAssociated:
		code = "Resource.AlreadyAssociated"
	case model.CodeNotAssociated:
		code = "Gateway.NotAttached"
		if me.Kind == model.KindTransitGatewayAttachment {
			code = "InvalidAssociation.NotFound"
		}
	case model.CodeIncorrectState:
		code = "IncorrectState"
		switch me.Kind {
		case model.KindInstance:
			code = "IncorrectInstanceState"
		case model.KindPeering:
			code = "OperationNotPermitted"
		}
	case model.CodeCannotDelete:
		code = "InvalidParameterValue"
		if me.Kind == model.KindSecurityGroup {
			code = "CannotDelete"
		}
	}
	return &apiError{Code: code, Message: me.Msg, Status: http.StatusBadRequest}
}

// quotaErrors are EC2's codes and messages for a create past an account
// quota, by the kind of object refused.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html — VpcLimitExceeded, SubnetLimitExceeded, InternetGatewayLimitExceeded, NatGatewayLimitExceeded, AddressLimitExceeded, RouteTableLimitExceeded, SecurityGroupLimitExceeded
var quotaErrors = map[model.Kind]struct{ code, message string }{
	model.KindNetwork:         {"VpcLimitExceeded", "The maximum number of VPCs has been reached."},
	model.KindSubnet:          {"SubnetLimitExceeded", "The maximum number of subnets has been reached."},
	model.KindInternetGateway: {"InternetGatewayLimitExceeded", "The maximum number of internet gateways has been reached."},
	model.KindNATGateway:      {"NatGatewayLimitExceeded", "The maximum number of NAT gateways has been reached."},
	model.KindElasticIP:       {"AddressLimitExceeded", "The maximum number of addresses has been reached."},
	model.KindRouteTable:      {"RouteTableLimitExceeded", "The maximum number of route tables has been reached."},
	model.KindSecurityGroup:   {"SecurityGroupLimitExceeded", "The maximum number of security groups has been reached."},
}

type errorResponse struct {
	XMLName   xml.Name `xml:"Response"`
	Errors    []xmlErr `xml:"Errors>Error"`
	RequestID string   `xml:"RequestID"`
}

type xmlErr struct {
	Code    string `xml:"Code"`
	Message string `xml:"Message"`
}

// writeError writes EC2's error document.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html#api-error-response — <Response><Errors><Error>
func writeError(w http.ResponseWriter, reqID string, e *apiError) {
	body, _ := xml.Marshal(errorResponse{Errors: []xmlErr{{Code: e.Code, Message: e.Message}}, RequestID: reqID})
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.WriteHeader(e.Status)
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(body)
}
