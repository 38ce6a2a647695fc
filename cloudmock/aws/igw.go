package aws

import "github.com/mcnlab/mcnlab/cloudmock/model"

func init() {
	register("CreateInternetGateway", createInternetGateway)
	register("AttachInternetGateway", attachInternetGateway)
	register("DetachInternetGateway", detachInternetGateway)
	register("DeleteInternetGateway", deleteInternetGateway)
	register("DescribeInternetGateways", describeInternetGateways)
}

type xmlAttachment struct {
	VpcID string `xml:"vpcId"`
	State string `xml:"state"`
}

type xmlIGW struct {
	ID          string          `xml:"internetGatewayId"`
	OwnerID     string          `xml:"ownerId"`
	Attachments []xmlAttachment `xml:"attachmentSet>item"`
	Tags        []xmlTag        `xml:"tagSet>item"`
}

// toXMLIGW shows an attached gateway's attachment state as "available", as EC2 does.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_InternetGatewayAttachment.html — attached gateways report state available
func toXMLIGW(g model.InternetGateway) xmlIGW {
	x := xmlIGW{ID: g.ID, OwnerID: g.Account, Tags: tagSet(g.Tags)}
	if g.NetworkID != "" {
		x.Attachments = []xmlAttachment{{VpcID: g.NetworkID, State: "available"}}
	}
	return x
}

func igwFields(g model.InternetGateway) fields {
	return withTags(g.Tags, func(name string) ([]string, bool) {
		switch name {
		case "internet-gateway-id":
			return one(g.ID), true
		case "owner-id":
			return one(g.Account), true
		case "attachment.vpc-id":
			if g.NetworkID == "" {
				return nil, true
			}
			return one(g.NetworkID), true
		case "attachment.state":
			if g.NetworkID == "" {
				return nil, true
			}
			return one("available"), true
		}
		return nil, false
	})
}

type createIGWResp struct {
	meta
	IGW xmlIGW `xml:"internetGateway"`
}

func createInternetGateway(h *Handler, c *call) (response, error) {
	tags, err := c.form.tagSpecs("internet-gateway")
	if err != nil {
		return nil, err
	}
	g, err := h.cloud.CreateInternetGatewayAt(c.account, model.Place{Region: c.region}, tags)
	if err != nil {
		return nil, err
	}
	return &createIGWResp{IGW: toXMLIGW(g)}, nil
}

func igwArgs(f form) (string, string, error) {
	g, err := f.required("InternetGatewayId")
	if err != nil {
		return "", "", err
	}
	v, err := f.required("VpcId")
	return g, v, err
}

func attachInternetGateway(h *Handler, c *call) (response, error) {
	g, v, err := igwArgs(c.form)
	if err != nil {
		return nil, err
	}
	if err := h.cloud.AttachInternetGateway(c.account, g, v); err != nil {
		return nil, err
	}
	return ok()
}

func detachInternetGateway(h *Handler, c *call) (response, error) {
	g, v, err := igwArgs(c.form)
	if err != nil {
		return nil, err
	}
	if err := h.cloud.DetachInternetGateway(c.account, g, v); err != nil {
		return nil, err
	}
	return ok()
}

func deleteInternetGateway(h *Handler, c *call) (response, error) {
	g, err := c.form.required("InternetGatewayId")
	if err != nil {
		return nil, err
	}
	if err := h.cloud.DeleteInternetGateway(c.account, g); err != nil {
		return nil, err
	}
	return ok()
}

type describeIGWsResp struct {
	meta
	IGWs      []xmlIGW `xml:"internetGatewaySet>item"`
	NextToken string   `xml:"nextToken,omitempty"`
}

func describeInternetGateways(h *Handler, c *call) (response, error) {
	page, next, err := selectObjects(c.form, "InternetGatewayId", regional(h, c, h.cloud.InternetGateways(c.account), func(o model.InternetGateway) string { return o.ID }),
		func(g model.InternetGateway) string { return g.ID }, igwFields)
	if err != nil {
		return nil, err
	}
	return &describeIGWsResp{IGWs: convertAll(page, toXMLIGW), NextToken: next}, nil
}
