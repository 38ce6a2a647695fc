package aws

import "github.com/mcnlab/mcnlab/cloudmock/model"

func init() {
	register("CreateEgressOnlyInternetGateway", createEgressOnlyInternetGateway)
	register("DescribeEgressOnlyInternetGateways", describeEgressOnlyInternetGateways)
	register("DeleteEgressOnlyInternetGateway", deleteEgressOnlyInternetGateway)
}

// xmlEIGW is an EgressOnlyInternetGateway; its one attachment is in state
// attached.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_EgressOnlyInternetGateway.html — attachmentSet, egressOnlyInternetGatewayId, tagSet
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_InternetGatewayAttachment.html — attaching | attached | detaching | detached
type xmlEIGW struct {
	Attachments []xmlAttachment `xml:"attachmentSet>item"`
	ID          string          `xml:"egressOnlyInternetGatewayId"`
	Tags        []xmlTag        `xml:"tagSet>item"`
}

func toXMLEIGW(g model.EgressOnlyGateway) xmlEIGW {
	return xmlEIGW{ID: g.ID, Attachments: []xmlAttachment{{VpcID: g.NetworkID, State: "attached"}}, Tags: tagSet(g.Tags)}
}

// eigwFields are the filters of DescribeEgressOnlyInternetGateways: the
// tag filters only.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeEgressOnlyInternetGateways.html — filters tag:<key>, tag-key
func eigwFields(g model.EgressOnlyGateway) fields {
	return withTags(g.Tags, func(string) ([]string, bool) { return nil, false })
}

type createEIGWResp struct {
	meta
	ClientToken string  `xml:"clientToken,omitempty"`
	EIGW        xmlEIGW `xml:"egressOnlyInternetGateway"`
}

// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateEgressOnlyInternetGateway.html — VpcId, ClientToken, TagSpecification.N
func createEgressOnlyInternetGateway(h *Handler, c *call) (response, error) {
	vpc, err := c.form.required("VpcId")
	if err != nil {
		return nil, err
	}
	tags, err := c.form.tagSpecs("egress-only-internet-gateway")
	if err != nil {
		return nil, err
	}
	g, err := h.cloud.CreateEgressOnlyGateway(c.account, vpc, tags)
	if err != nil {
		return nil, err
	}
	return &createEIGWResp{ClientToken: c.form.str("ClientToken"), EIGW: toXMLEIGW(g)}, nil
}

type describeEIGWsResp struct {
	meta
	EIGWs     []xmlEIGW `xml:"egressOnlyInternetGatewaySet>item"`
	NextToken string    `xml:"nextToken,omitempty"`
}

func describeEgressOnlyInternetGateways(h *Handler, c *call) (response, error) {
	page, next, err := selectObjects(c.form, "EgressOnlyInternetGatewayId",
		regional(h, c, h.cloud.EgressOnlyGateways(c.account), func(o model.EgressOnlyGateway) string { return o.ID }),
		func(g model.EgressOnlyGateway) string { return g.ID }, eigwFields)
	if err != nil {
		return nil, err
	}
	return &describeEIGWsResp{EIGWs: convertAll(page, toXMLEIGW), NextToken: next}, nil
}

type deleteEIGWResp struct {
	meta
	ReturnCode bool `xml:"returnCode"`
}

// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteEgressOnlyInternetGateway.html — answers returnCode
func deleteEgressOnlyInternetGateway(h *Handler, c *call) (response, error) {
	id, err := c.form.required("EgressOnlyInternetGatewayId")
	if err != nil {
		return nil, err
	}
	if err := h.cloud.DeleteEgressOnlyGateway(c.account, id); err != nil {
		return nil, err
	}
	return &deleteEIGWResp{ReturnCode: true}, nil
}
