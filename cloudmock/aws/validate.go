package aws

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Checks EC2 makes on a request's parameters before an action sees them.

// malformedIDs maps an ID parameter's name (the last part of a key such as
// VpcId, VpcId.1 or IpPermissions.1.Groups.1.GroupId) to the prefix its IDs
// have and EC2's error code for a value not shaped like one.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html — InvalidVpcID.Malformed, InvalidSubnetID.Malformed, InvalidRouteTableID.Malformed, InvalidGroupId.Malformed, InvalidInstanceID.Malformed, ...
var malformedIDs = map[string]struct{ prefix, code string }{
	"VpcId":                  {"vpc", "InvalidVpcID.Malformed"},
	"PeerVpcId":              {"vpc", "InvalidVpcID.Malformed"},
	"SubnetId":               {"subnet", "InvalidSubnetID.Malformed"},
	"SubnetIds":              {"subnet", "InvalidSubnetID.Malformed"},
	"RouteTableId":           {"rtb", "InvalidRouteTableID.Malformed"},
	"GroupId":                {"sg", "InvalidGroupId.Malformed"},
	"SecurityGroupId":        {"sg", "InvalidGroupId.Malformed"},
	"InstanceId":             {"i", "InvalidInstanceID.Malformed"},
	"NetworkInterfaceId":     {"eni", "InvalidNetworkInterfaceID.Malformed"},
	"AllocationId":           {"eipalloc", "InvalidAllocationID.Malformed"},
	"VpcPeeringConnectionId": {"pcx", "InvalidVpcPeeringConnectionID.Malformed"},
	"CustomerGatewayId":      {"cgw", "InvalidCustomerGatewayID.Malformed"},
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html — InvalidPrefixListId.Malformed, InvalidVpcEndpointId.Malformed
	"PrefixListId":            {"pl", "InvalidPrefixListId.Malformed"},
	"DestinationPrefixListId": {"pl", "InvalidPrefixListId.Malformed"},
	"VpcEndpointId":           {"vpce", "InvalidVpcEndpointId.Malformed"},
	"LaunchTemplateId":        {"lt", "InvalidLaunchTemplateId.Malformed"},
	"SecurityGroupRuleId":     {"sgr", "InvalidSecurityGroupRuleId.Malformed"},
	// Spelled as the errors page spells them: InvalidInternetGatewayId.Malformed,
	// InvalidNetworkAclId.Malformed and NatGatewayMalformed.
	"InternetGatewayId": {"igw", "InvalidInternetGatewayId.Malformed"},
	"NetworkAclId":      {"acl", "InvalidNetworkAclId.Malformed"},
	"NatGatewayId":      {"nat", "NatGatewayMalformed"},
}

// wellFormedID reports whether id is prefix, a dash and 8 or 17 lowercase
// hex digits: the short and the long form of EC2 resource IDs.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/resource-ids.html — resource IDs: a prefix, a hyphen and 8 or 17 hexadecimal characters
func wellFormedID(id, prefix string) bool {
	hex, ok := strings.CutPrefix(id, prefix+"-")
	if !ok || (len(hex) != 8 && len(hex) != 17) {
		return false
	}
	return strings.Trim(hex, "0123456789abcdef") == ""
}

// checkIDs refuses an ID parameter whose value is not shaped like an ID of
// its kind, as EC2 does before looking it up (so vpc-zzz or foo for a
// VpcId is malformed, not missing).
func checkIDs(f form) error {
	for _, key := range slices.Sorted(maps.Keys(f)) {
		spec, ok := malformedIDs[paramName(key)]
		if !ok {
			continue
		}
		for _, v := range f[key] {
			if v != "" && !wellFormedID(v, spec.prefix) {
				return &apiError{Code: spec.code, Message: "Invalid id: \"" + clip(v) + "\"", Status: 400}
			}
		}
	}
	return nil
}

// paramName is the name of a parameter key without its list indexes:
// VpcId for VpcId, VpcId.1 or IpPermissions.1.Groups.1.VpcId.
func paramName(key string) string {
	name := key
	for {
		before, last, ok := cutLast(name, ".")
		if !ok {
			return name
		}
		if _, err := strconv.Atoi(last); err != nil {
			return last
		}
		name = before
	}
}

// cutLast cuts s around the last sep.
func cutLast(s, sep string) (before, after string, found bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// maxClientToken is the longest ClientToken EC2 accepts.
// AWS: https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-idempotency.html — a client token is a unique, case-sensitive string of up to 64 ASCII characters
const maxClientToken = 64

// checkClientToken refuses a ClientToken longer than 64 characters or not ASCII.
func checkClientToken(tok string) error {
	ascii := true
	for i := 0; i < len(tok); i++ {
		ascii = ascii && tok[i] < utf8.RuneSelf
	}
	if len(tok) > maxClientToken || !ascii {
		return errInvalid("Value (%s) for parameter clientToken is invalid. A client token is at most %d ASCII characters.", tok, maxClientToken)
	}
	return nil
}

// Tag limits.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_Tags.html#tag-restrictions — key up to 128 Unicode characters, value up to 256; the aws: prefix is reserved
const (
	maxTagKeyChars   = 128
	maxTagValueChars = 256
)

// checkTags refuses tag keys and values longer than AWS allows and keys
// with the reserved aws: prefix (in any case). spec says whether they came
// in a TagSpecification, whose refusal of the prefix EC2 words differently.
func checkTags(tags map[string]string, spec bool) error {
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		if err := checkTagKey(k, spec); err != nil {
			return err
		}
		if n := utf8.RuneCountInString(tags[k]); n > maxTagValueChars {
			return errInvalid("Value ( %s ) for parameter value is invalid. The tag value is %d characters long; a tag value is at most %d characters.", tags[k], n, maxTagValueChars)
		}
	}
	return nil
}

func checkTagKey(k string, spec bool) error {
	if n := utf8.RuneCountInString(k); n > maxTagKeyChars {
		return errInvalid("Value ( %s ) for parameter key is invalid. The tag key is %d characters long; a tag key is at most %d characters.", k, n, maxTagKeyChars)
	}
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_Tags.html#tag-restrictions — you can't add, edit or delete tag keys with the aws: prefix
	if strings.HasPrefix(strings.ToLower(k), "aws:") {
		if spec {
			return errInvalid("Tag keys starting with 'aws:' are reserved for internal use")
		}
		return errInvalid("Value ( %s ) for parameter key is invalid. Tag keys starting with 'aws:' are reserved for internal use", k)
	}
	return nil
}
