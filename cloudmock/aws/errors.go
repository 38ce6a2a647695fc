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
	{"subnet-cidr-assoc-", "InvalidSubnetCidrBlockAssociationID.NotFound"},
	{"subnet-", "InvalidSubnetID.NotFound"},
	{"eigw-", "InvalidEgressOnlyInternetGatewayId.NotFound"},
	{"rtbassoc-", "InvalidAssociationID.NotFound"},
	{"aclassoc-", "InvalidAssociationID.NotFound"},
	{"rtb-", "InvalidRouteTableID.NotFound"},
	{"igw-", "InvalidInternetGatewayID.NotFound"},
	{"sg-", "InvalidGroup.NotFound"},
	{"sgr-", "InvalidSecurityGroupRuleId.NotFound"},
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
	{"dopt-", "InvalidDhcpOptionID.NotFound"},
	{"pl-", "InvalidPrefixListID.NotFound"},
	{"vpce-", "InvalidVpcEndpointId.NotFound"},
	{"fl-", "InvalidFlowLogId.NotFound"},
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
	if e := endpointError(me); e != nil {
		return e
	}
	if ae := interfaceError(me); ae != nil {
		return ae
	}
	if ae, ok := launchTemplateError(me); ok {
		return ae
	}
	if ae, ok := sgRuleError(me); ok {
		return ae
	}
	switch {
	case me.Code == model.CodeLimitExceeded && me.Kind == model.KindSecurityRule:
		// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html — RulesPerSecurityGroupLimitExceeded
		return &apiError{Code: "RulesPerSecurityGroupLimitExceeded", Message: "The maximum number of rules per security group has been reached.", Status: http.StatusBadRequest}
	case me.Code == model.CodeQuotaExceeded:
		if q, ok := quotaErrors[me.Kind]; ok {
			return &apiError{Code: q.code, Message: q.message, Status: http.StatusBadRequest}
		}
	}
	return &apiError{Code: ec2Code(me), Message: me.Msg, Status: http.StatusBadRequest}
}

// ec2Code is EC2's error code for a model error, by its code and kind.
func ec2Code(me *model.Error) string {
	switch me.Code {
	case model.CodeNotFound:
		return notFoundErrorCode(me)
	case model.CodeInvalidRange:
		if me.Kind == model.KindSubnet {
			return "InvalidSubnet.Range"
		}
		return "InvalidVpc.Range"
	case model.CodeConflict:
		switch me.Kind {
		case model.KindSubnet:
			return "InvalidSubnet.Conflict"
		case model.KindNetworkCIDR:
			return "InvalidVpc.Range"
		case model.KindNetworkInterface:
			return "InvalidIPAddress.InUse"
		}
	case model.CodeAlreadyExists, model.CodeDuplicate:
		return duplicateCode(me)
	case model.CodeDependency:
		switch me.Kind {
		case model.KindElasticIP:
			return "InvalidIPAddress.InUse"
		case model.KindVPNGateway, model.KindCustomerGateway, model.KindTransitGateway, model.KindTransitGatewayRouteTable:
			return "IncorrectState"
		}
		return "DependencyViolation"
	case model.CodeLimitExceeded:
		return limitCode(me.Kind)
	case model.CodeQuotaExceeded:
		return "ResourceLimitExceeded"
	case model.CodeAlreadyAssociated:
		return "Resource.AlreadyAssociated"
	case model.CodeNotAssociated:
		if me.Kind == model.KindTransitGatewayAttachment {
			return "InvalidAssociation.NotFound"
		}
		return "Gateway.NotAttached"
	case model.CodeIncorrectState:
		switch me.Kind {
		case model.KindInstance:
			return "IncorrectInstanceState"
		case model.KindPeering, model.KindNetworkCIDR:
			// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DisassociateVpcCidrBlock.html — the primary IPv4 block may not be disassociated (OperationNotPermitted)
			return "OperationNotPermitted"
		}
		return "IncorrectState"
	case model.CodeCannotDelete:
		switch me.Kind {
		case model.KindSecurityGroup:
			return "CannotDelete"
		case model.KindInstance:
			// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_ChangingDisableAPITermination.html — a protected instance is not terminated: OperationNotPermitted
			return "OperationNotPermitted"
		}
	}
	return "InvalidParameterValue"
}

// notFoundErrorCode is EC2's code for an object that does not exist: by
// its kind, or else by its ID's prefix.
func notFoundErrorCode(me *model.Error) string {
	switch me.Kind {
	case model.KindGateway:
		return "InvalidGatewayID.NotFound"
	case model.KindRoute, model.KindTransitGatewayRoute, model.KindVPNRoute:
		return "InvalidRoute.NotFound"
	case model.KindNetworkACLEntry:
		return "InvalidNetworkAclEntry.NotFound"
	case model.KindRouteTableAssociation, model.KindNetworkACLAssociation:
		return "InvalidAssociationID.NotFound"
	case model.KindNATGateway:
		return "InvalidNatGatewayID.NotFound"
	case model.KindAccount:
		return "AuthFailure"
	}
	return notFoundCode(me.ID)
}

// duplicateCode is EC2's code for an object or rule that exists already.
func duplicateCode(me *model.Error) string {
	if me.Code == model.CodeDuplicate {
		switch me.Kind {
		case model.KindSecurityGroup:
			return "InvalidGroup.Duplicate"
		case model.KindTransitGatewayAttachment:
			return "DuplicateSubnetsInSameZone"
		}
		return "InvalidPermission.Duplicate"
	}
	switch me.Kind {
	case model.KindRoute, model.KindTransitGatewayRoute:
		return "RouteAlreadyExists"
	case model.KindNetworkACLEntry:
		return "NetworkAclEntryAlreadyExists"
	case model.KindTransitGatewayAttachment:
		return "DuplicateTransitGatewayAttachment"
	}
	return "Resource.AlreadyAssociated"
}

// limitCode is EC2's code for a limit (not a raisable quota) that a change
// would pass, by the kind of object.
func limitCode(kind model.Kind) string {
	switch kind {
	case model.KindRoute:
		return "RouteLimitExceeded"
	case model.KindNetworkACLEntry:
		return "NetworkAclEntryLimitExceeded"
	case model.KindNetworkCIDR:
		return "CidrLimitExceeded"
	case model.KindSubnet:
		return "InsufficientFreeAddressesInSubnet"
	case model.KindElasticIP:
		return "AddressLimitExceeded"
	case model.KindObject:
		return "TagLimitExceeded"
	}
	return "ResourceLimitExceeded"
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

// endpointError is EC2's error for a model error about a prefix list or
// a VPC endpoint, or nil for another.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html — InvalidPrefixListID.NotFound, InvalidVpcEndpointId.NotFound, InvalidServiceName, DuplicateSubnetsInSameZone
func endpointError(me *model.Error) *apiError {
	bad := func(code, msg string) *apiError {
		return &apiError{Code: code, Message: msg, Status: http.StatusBadRequest}
	}
	switch {
	case me.Code == model.CodeNotFound && me.Kind == model.KindPrefixList:
		return bad("InvalidPrefixListID.NotFound", fmt.Sprintf("The prefix list ID '%s' does not exist", me.ID))
	case me.Code == model.CodeNotFound && me.Kind == model.KindVPCEndpoint:
		return bad("InvalidVpcEndpointId.NotFound", fmt.Sprintf("The Vpc Endpoint Id '%s' does not exist", me.ID))
	case me.Code == model.CodeNotFound && me.Kind == model.KindVPCEndpointService:
		return bad("InvalidServiceName", me.Msg)
	case me.Code == model.CodeConflict && me.Kind == model.KindPrefixList:
		// The code terraform-provider-aws and SDK users retry on.
		return bad("PrefixListVersionMismatch", me.Msg)
	case me.Code == model.CodeLimitExceeded && me.Kind == model.KindPrefixList:
		return bad("PrefixListMaxEntriesExceeded", me.Msg)
	case me.Code == model.CodeInvalidParameter && me.Kind == model.KindPrefixListEntry:
		return bad("InvalidPrefixListModification", me.Msg)
	case me.Code == model.CodeDuplicate && me.Kind == model.KindVPCEndpoint:
		return bad("DuplicateSubnetsInSameZone", me.Msg)
	}
	return nil
}
