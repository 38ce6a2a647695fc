package model

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// Code is the neutral class of a model error; front-ends map a Code and a
// Kind to their provider's own error code.
type Code string

// The error codes the model returns.
const (
	CodeNotFound          Code = "NotFound"            // the object does not exist for this account
	CodeInvalidRange      Code = "InvalidRange"        // a prefix has a size or place that is not allowed
	CodeConflict          Code = "Conflict"            // a prefix overlaps an existing one
	CodeAlreadyExists     Code = "AlreadyExists"       // an object with the same key exists
	CodeDuplicate         Code = "Duplicate"           // the same rule or name is already present
	CodeDependency        Code = "DependencyViolation" // other objects still depend on this one
	CodeLimitExceeded     Code = "LimitExceeded"       // an account or object limit would be exceeded
	CodeQuotaExceeded     Code = "QuotaExceeded"       // a raisable account quota (Quotas) would be exceeded; ID is its key
	CodeInvalidParameter  Code = "InvalidParameter"    // a value is malformed or not allowed here
	CodeAlreadyAssociated Code = "AlreadyAssociated"   // the object is already attached or associated
	CodeNotAssociated     Code = "NotAssociated"       // the object is not attached where it was expected
	CodeIncorrectState    Code = "IncorrectState"      // the object is in a state that forbids the change
	CodeCannotDelete      Code = "CannotDelete"        // the object is a default that cannot be deleted
	CodeAmbiguous         Code = "Ambiguous"           // an instance with several interfaces was named where one interface is meant
)

// Kind names a kind of model object; it is also the kind in change events.
type Kind string

// The kinds of objects in the model.
const (
	KindAccount                  Kind = "account"
	KindNetwork                  Kind = "network"
	KindNetworkCIDR              Kind = "network-cidr"
	KindSubnet                   Kind = "subnet"
	KindRouteTable               Kind = "route-table"
	KindRoute                    Kind = "route"
	KindRouteTableAssociation    Kind = "route-table-association"
	KindGateway                  Kind = "gateway" // any route target
	KindObject                   Kind = "object"  // an object of any kind, looked up by ID
	KindInternetGateway          Kind = "internet-gateway"
	KindEgressOnlyGateway        Kind = "egress-only-internet-gateway"
	KindSubnetCIDR               Kind = "subnet-cidr"
	KindNATGateway               Kind = "nat-gateway"
	KindElasticIP                Kind = "elastic-ip"
	KindSecurityGroup            Kind = "security-group"
	KindSecurityRule             Kind = "security-rule"
	KindNetworkACL               Kind = "network-acl"
	KindNetworkACLEntry          Kind = "network-acl-entry"
	KindNetworkACLAssociation    Kind = "network-acl-association"
	KindRuleSet                  Kind = "rule-set"               // a rule set of a flavour without a kind of its own
	KindNetworkSecurityGroup     Kind = "network-security-group" // an Azure or OCI NSG (FlavorNSG)
	KindRule                     Kind = "rule"
	KindRuleSetAttachment        Kind = "rule-set-attachment"
	KindInstance                 Kind = "instance"
	KindReservation              Kind = "reservation" // the instances one launch made
	KindNetworkInterface         Kind = "network-interface"
	KindInterfaceAttachment      Kind = "network-interface-attachment"
	KindPeering                  Kind = "peering-connection"
	KindTransitGateway           Kind = "transit-gateway"
	KindTransitGatewayRouteTable Kind = "transit-gateway-route-table"
	KindTransitGatewayAttachment Kind = "transit-gateway-attachment"
	KindTransitGatewayRoute      Kind = "transit-gateway-route"
	KindVPNGateway               Kind = "vpn-gateway"
	KindCustomerGateway          Kind = "customer-gateway"
	KindVPNConnection            Kind = "vpn-connection"
	KindVPNRoute                 Kind = "vpn-route"
	KindDXConnection             Kind = "dx-connection"
	KindDXVirtualInterface       Kind = "dx-virtual-interface"
	KindPrefixList               Kind = "prefix-list"
	KindPrefixListEntry          Kind = "prefix-list-entry"
	KindVPCEndpoint              Kind = "vpc-endpoint"
	KindVPCEndpointService       Kind = "vpc-endpoint-service"
)

// Error is the typed error every model operation returns.
type Error struct {
	Code Code   // neutral class of the error
	Kind Kind   // kind of object the error is about
	ID   string // object ID or key, when there is one
	Msg  string // human-readable message, without provider names
}

// Error returns the message.
func (e *Error) Error() string { return e.Msg }

// maxQuoted is how many bytes of a caller's value an error message quotes.
const maxQuoted = 100

// Clip returns s, or its first maxQuoted bytes (at a character boundary)
// and its length when it is longer: how every cloudmock error quotes a
// caller's value, so that one quoting a huge value stays small.
func Clip(s string) string { return clip(s) }

func clip(s string) string {
	if len(s) <= maxQuoted {
		return s
	}
	cut := maxQuoted
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d bytes)", s[:cut], len(s))
}

// errf makes an Error; string arguments, which may be a caller's values of
// any length, are quoted clipped, and so is the ID.
func errf(code Code, kind Kind, id, format string, args ...any) *Error {
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = clip(s)
		}
	}
	return &Error{Code: code, Kind: kind, ID: clip(id), Msg: fmt.Sprintf(format, args...)}
}

func notFound(kind Kind, id string) *Error {
	return errf(CodeNotFound, kind, id, "the %s ID '%s' does not exist", kind, id)
}

// CodeOf returns the Code of a model error in err's chain, or "" if none.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
