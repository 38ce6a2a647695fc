package aws

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// The account as AWS makes it: a default VPC in every Region, which calls
// that name no VPC or subnet use, CreateDefaultVpc after it is deleted,
// and the account's attributes.

func init() {
	register("CreateDefaultVpc", createDefaultVpc)
	register("DescribeAccountAttributes", describeAccountAttributes)
}

// answersAlike are the actions whose answers are the same whether or not
// the account's default VPC in the Region exists (it has no tags, so
// DescribeTags never lists it): they do not make it. The controller's
// region discovery asks DescribeTags in every Region, and a lab carries no
// default VPCs for Regions that nobody uses.
var answersAlike = map[string]bool{"DescribeTags": true, "DescribeRegions": true, "DescribeAvailabilityZones": true}

// ensureDefaultVPC makes the account's default VPC in the call's Region
// the first time the account acts there, standing in for the one AWS made
// when the account was opened (model.Cloud.EnsureDefaultNetwork).
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/default-vpc.html — each account has a default VPC in each Region
func (h *Handler) ensureDefaultVPC(c *call) error {
	if answersAlike[c.action] {
		return nil
	}
	if err := h.cloud.EnsureDefaultNetwork(c.account, c.region); err != nil {
		return fmt.Errorf("make the default VPC of %s in %s: %w", c.account, c.region, err)
	}
	return nil
}

// errNoDefaultVPC is EC2's answer to a call that names no VPC or subnet
// in a Region without a default VPC.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html — VPCIdNotSpecified: no default VPC, specify a VPC or subnet
func errNoDefaultVPC() *apiError {
	return &apiError{Code: "VPCIdNotSpecified", Message: "No default VPC for this user", Status: http.StatusBadRequest}
}

// defaultVPC is the ID of the call's default VPC, for a call that names
// none.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html — VpcId: the default VPC when omitted
func (h *Handler) defaultVPC(c *call) (string, error) {
	n, ok := h.cloud.DefaultNetwork(c.account, c.region)
	if !ok {
		return "", errNoDefaultVPC()
	}
	return n.ID, nil
}

// defaultSubnet is the subnet of a launch that names none: the default
// subnet of the zone the call places it in (Placement.AvailabilityZone),
// or of the Region's first zone.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RunInstances.html — SubnetId: without one, the default subnet of the Availability Zone (the default VPC)
func (h *Handler) defaultSubnet(c *call) (string, error) {
	n, ok := h.cloud.DefaultNetwork(c.account, c.region)
	if !ok {
		return "", errNoDefaultVPC()
	}
	s, ok := h.cloud.DefaultSubnet(c.account, c.region, c.form.str("Placement.AvailabilityZone"))
	if !ok {
		// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/work-with-default-vpc.html#create-default-subnet — a default VPC may lack a default subnet in a zone
		return "", &apiError{Code: "MissingInput", Message: "No subnets found for the default VPC '" + n.ID + "'. Please specify a subnet.", Status: http.StatusBadRequest}
	}
	return s.ID, nil
}

type createDefaultVpcResp struct {
	meta
	Vpc xmlVpc `xml:"vpc"`
}

// createDefaultVpc makes the Region's default VPC again after it was
// deleted.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateDefaultVpc.html — a default VPC with a default subnet in each Availability Zone; one per Region
func createDefaultVpc(h *Handler, c *call) (response, error) {
	n, err := h.cloud.CreateDefaultNetwork(c.account, c.region)
	var me *model.Error
	if errors.As(err, &me) && me.Code == model.CodeAlreadyExists && me.Kind == model.KindNetwork {
		return nil, &apiError{Code: "DefaultVpcAlreadyExists", Message: "A Default VPC already exists for this account in this region.", Status: http.StatusBadRequest}
	}
	if err != nil {
		return nil, err
	}
	return &createDefaultVpcResp{Vpc: toXMLVpc(n)}, nil
}

type xmlAttributeValue struct {
	Value string `xml:"attributeValue"`
}

type xmlAccountAttribute struct {
	Name   string              `xml:"attributeName"`
	Values []xmlAttributeValue `xml:"attributeValueSet>item"`
}

type describeAccountAttributesResp struct {
	meta
	Attributes []xmlAccountAttribute `xml:"accountAttributeSet>item"`
}

// accountAttributeNames are the account attributes EC2 answers, in the
// order DescribeAccountAttributes lists them.
var accountAttributeNames = []string{"vpc-max-security-groups-per-interface", "max-instances", "supported-platforms",
	"default-vpc", "max-elastic-ips", "vpc-max-elastic-ips"}

// describeAccountAttributes answers the account's attributes in the
// call's Region: VPC only (EC2-Classic is retired), its default VPC or
// none, and its limits.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeAccountAttributes.html — default-vpc (an ID or none), max-instances, max-elastic-ips, supported-platforms, vpc-max-elastic-ips, vpc-max-security-groups-per-interface; AttributeName.N
func describeAccountAttributes(h *Handler, c *call) (response, error) {
	a, err := h.cloud.Account(c.account)
	if err != nil {
		return nil, err
	}
	want := c.form.list("AttributeName")
	for _, w := range want {
		if !slices.Contains(accountAttributeNames, w) {
			return nil, errInvalid("Value (%s) for parameter attributeName is invalid. Unknown attribute.", w)
		}
	}
	defaultVPC := "none"
	if n, ok := h.cloud.DefaultNetwork(c.account, c.region); ok {
		defaultVPC = n.ID
	}
	values := map[string][]string{
		// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html — security groups per network interface: 5
		"vpc-max-security-groups-per-interface": {"5"},
		// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeAccountAttributes.html — max-instances is no longer supported and answers a fixed value (20 in the example)
		"max-instances": {"20"},
		// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-classic-platform.html — EC2-Classic is retired: accounts support VPC only
		"supported-platforms": {"VPC"},
		"default-vpc":         {defaultVPC},
		"max-elastic-ips":     {strconv.Itoa(a.Limits.ElasticIPsPerRegion)},
		"vpc-max-elastic-ips": {strconv.Itoa(a.Limits.ElasticIPsPerRegion)},
	}
	r := &describeAccountAttributesResp{}
	for _, name := range accountAttributeNames {
		if len(want) > 0 && !slices.Contains(want, name) {
			continue
		}
		attr := xmlAccountAttribute{Name: name}
		for _, v := range values[name] {
			attr.Values = append(attr.Values, xmlAttributeValue{Value: v})
		}
		r.Attributes = append(r.Attributes, attr)
	}
	return r, nil
}
