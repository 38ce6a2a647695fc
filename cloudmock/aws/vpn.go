package aws

import (
	"net/netip"
	"strconv"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

func init() {
	register("CreateVpnGateway", createVpnGateway)
	register("AttachVpnGateway", attachVpnGateway)
	register("DetachVpnGateway", detachVpnGateway)
	register("DescribeVpnGateways", describeVpnGateways)
	register("CreateCustomerGateway", createCustomerGateway)
	register("DescribeCustomerGateways", describeCustomerGateways)
	register("CreateVpnConnection", createVpnConnection)
	register("CreateVpnConnectionRoute", routeAction("VpnConnectionId", (*model.Cloud).AddVPNStaticRoute))
	register("DescribeVpnConnections", describeVpnConnections)
}

type xmlVpnGateway struct {
	ID            string          `xml:"vpnGatewayId"`
	State         string          `xml:"state"`
	Type          string          `xml:"type"`
	AmazonSideAsn int64           `xml:"amazonSideAsn"`
	Attachments   []xmlAttachment `xml:"attachments>item"`
	Tags          []xmlTag        `xml:"tagSet>item"`
}

func toXMLVgw(g model.VPNGateway) xmlVpnGateway {
	x := xmlVpnGateway{ID: g.ID, State: string(g.State), Type: "ipsec.1", AmazonSideAsn: g.ASN, Tags: tagSet(g.Tags)}
	if g.NetworkID != "" {
		x.Attachments = []xmlAttachment{{VpcID: g.NetworkID, State: "attached"}}
	}
	return x
}

type createVgwResp struct {
	meta
	Gateway xmlVpnGateway `xml:"vpnGateway"`
}

// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpnGateway.html — Type ipsec.1, AmazonSideAsn
func createVpnGateway(h *Handler, c *call) (response, error) {
	if t := c.form.str("Type"); t != "ipsec.1" {
		return nil, errInvalid("Value (%s) for parameter type is invalid. Valid value: ipsec.1", t)
	}
	asn, err := c.form.int64Or("AmazonSideAsn", 0)
	if err != nil {
		return nil, err
	}
	tags, err := c.form.tagSpecs("vpn-gateway")
	if err != nil {
		return nil, err
	}
	g, err := h.cloud.CreateVPNGatewayAt(c.account, model.Place{Region: c.region}, asn, tags)
	if err != nil {
		return nil, err
	}
	return &createVgwResp{Gateway: toXMLVgw(g)}, nil
}

type attachVgwResp struct {
	meta
	Attachment xmlAttachment `xml:"attachment"`
}

func vgwArgs(f form) (string, string, error) {
	g, err := f.required("VpnGatewayId")
	if err != nil {
		return "", "", err
	}
	v, err := f.required("VpcId")
	return g, v, err
}

func attachVpnGateway(h *Handler, c *call) (response, error) {
	g, v, err := vgwArgs(c.form)
	if err != nil {
		return nil, err
	}
	if err := h.cloud.AttachVPNGateway(c.account, g, v); err != nil {
		return nil, err
	}
	return &attachVgwResp{Attachment: xmlAttachment{VpcID: v, State: "attached"}}, nil
}

func detachVpnGateway(h *Handler, c *call) (response, error) {
	g, v, err := vgwArgs(c.form)
	if err != nil {
		return nil, err
	}
	if err := h.cloud.DetachVPNGateway(c.account, g, v); err != nil {
		return nil, err
	}
	return ok()
}

type describeVgwsResp struct {
	meta
	Gateways []xmlVpnGateway `xml:"vpnGatewaySet>item"`
}

func describeVpnGateways(h *Handler, c *call) (response, error) {
	page, _, err := selectObjects(c.form, "VpnGatewayId", regional(h, c, h.cloud.VPNGateways(c.account), func(o model.VPNGateway) string { return o.ID }), func(g model.VPNGateway) string { return g.ID },
		func(g model.VPNGateway) fields {
			return withTags(g.Tags, func(name string) ([]string, bool) {
				switch name {
				case "vpn-gateway-id":
					return one(g.ID), true
				case "state":
					return one(string(g.State)), true
				case "attachment.vpc-id":
					if g.NetworkID == "" {
						return nil, true
					}
					return one(g.NetworkID), true
				case "amazon-side-asn":
					return one(strconv.FormatInt(g.ASN, 10)), true
				// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeVpnGateways.html — attachment.state, availability-zone (unset for a regional gateway), type
				case "attachment.state":
					if g.NetworkID == "" {
						return nil, true
					}
					return one("attached"), true
				case "availability-zone":
					return nil, true
				case "type":
					return one("ipsec.1"), true
				}
				return nil, false
			})
		})
	if err != nil {
		return nil, err
	}
	return &describeVgwsResp{Gateways: convertAll(page, toXMLVgw)}, nil
}

type xmlCustomerGateway struct {
	ID        string   `xml:"customerGatewayId"`
	State     string   `xml:"state"`
	Type      string   `xml:"type"`
	IPAddress string   `xml:"ipAddress"`
	BgpAsn    string   `xml:"bgpAsn"`
	Tags      []xmlTag `xml:"tagSet>item"`
}

func toXMLCgw(g model.CustomerGateway) xmlCustomerGateway {
	return xmlCustomerGateway{ID: g.ID, State: string(g.State), Type: "ipsec.1", IPAddress: g.IP.String(), BgpAsn: strconv.FormatInt(g.ASN, 10), Tags: tagSet(g.Tags)}
}

type createCgwResp struct {
	meta
	Gateway xmlCustomerGateway `xml:"customerGateway"`
}

// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateCustomerGateway.html — BgpAsn defaults to 65000; IpAddress or PublicIp
func createCustomerGateway(h *Handler, c *call) (response, error) {
	ipStr := c.form.str("IpAddress")
	if ipStr == "" {
		ipStr = c.form.str("PublicIp")
	}
	if ipStr == "" {
		return nil, errMissing("IpAddress")
	}
	ip, err := netip.ParseAddr(ipStr)
	if err != nil {
		return nil, errInvalid("Value (%s) for parameter ipAddress is invalid.", ipStr)
	}
	asn, err := c.form.int64Or("BgpAsn", 65000)
	if err != nil {
		return nil, err
	}
	tags, err := c.form.tagSpecs("customer-gateway")
	if err != nil {
		return nil, err
	}
	g, err := h.cloud.CreateCustomerGatewayAt(c.account, model.Place{Region: c.region}, asn, ip, tags)
	if err != nil {
		return nil, err
	}
	return &createCgwResp{Gateway: toXMLCgw(g)}, nil
}

type describeCgwsResp struct {
	meta
	Gateways []xmlCustomerGateway `xml:"customerGatewaySet>item"`
}

func describeCustomerGateways(h *Handler, c *call) (response, error) {
	page, _, err := selectObjects(c.form, "CustomerGatewayId", regional(h, c, h.cloud.CustomerGateways(c.account), func(o model.CustomerGateway) string { return o.ID }), func(g model.CustomerGateway) string { return g.ID },
		func(g model.CustomerGateway) fields {
			return withTags(g.Tags, func(name string) ([]string, bool) {
				switch name {
				case "customer-gateway-id":
					return one(g.ID), true
				case "ip-address":
					return one(g.IP.String()), true
				case "bgp-asn":
					return one(strconv.FormatInt(g.ASN, 10)), true
				case "state":
					return one(string(g.State)), true
				case "type": // AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeCustomerGateways.html — type (ipsec.1)
					return one("ipsec.1"), true
				}
				return nil, false
			})
		})
	if err != nil {
		return nil, err
	}
	return &describeCgwsResp{Gateways: convertAll(page, toXMLCgw)}, nil
}

type xmlVpnOptions struct {
	StaticRoutesOnly bool `xml:"staticRoutesOnly"`
}

type xmlVpnRoute struct {
	Destination string `xml:"destinationCidrBlock"`
	Source      string `xml:"source"`
	State       string `xml:"state"`
}

type xmlVpnConnection struct {
	ID                string        `xml:"vpnConnectionId"`
	State             string        `xml:"state"`
	Type              string        `xml:"type"`
	CustomerGatewayID string        `xml:"customerGatewayId"`
	VpnGatewayID      string        `xml:"vpnGatewayId,omitempty"`
	TransitGatewayID  string        `xml:"transitGatewayId,omitempty"`
	Category          string        `xml:"category"`
	Options           xmlVpnOptions `xml:"options"`
	Routes            []xmlVpnRoute `xml:"routes>item"`
	Tags              []xmlTag      `xml:"tagSet>item"`
}

func toXMLVpn(v model.VPNConnection) xmlVpnConnection {
	x := xmlVpnConnection{ID: v.ID, State: string(v.State), Type: "ipsec.1", CustomerGatewayID: v.CustomerGatewayID, VpnGatewayID: v.VPNGatewayID,
		TransitGatewayID: v.TransitGatewayID, Category: "VPN", Options: xmlVpnOptions{StaticRoutesOnly: v.StaticRoutesOnly}, Tags: tagSet(v.Tags)}
	if v.StaticRoutesOnly {
		for _, p := range v.Routes {
			x.Routes = append(x.Routes, xmlVpnRoute{Destination: p.String(), Source: "Static", State: "available"})
		}
	}
	return x
}

type createVpnResp struct {
	meta
	Connection xmlVpnConnection `xml:"vpnConnection"`
}

// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpnConnection.html — CustomerGatewayId, VpnGatewayId or TransitGatewayId, Options.StaticRoutesOnly
func createVpnConnection(h *Handler, c *call) (response, error) {
	if t := c.form.str("Type"); t != "ipsec.1" {
		return nil, errInvalid("Value (%s) for parameter type is invalid. Valid value: ipsec.1", t)
	}
	cgw, err := c.form.required("CustomerGatewayId")
	if err != nil {
		return nil, err
	}
	static, err := c.form.boolp("Options.StaticRoutesOnly")
	if err != nil {
		return nil, err
	}
	tags, err := c.form.tagSpecs("vpn-connection")
	if err != nil {
		return nil, err
	}
	v, err := h.cloud.CreateVPNConnection(c.account, model.VPNSpec{CustomerGatewayID: cgw, VPNGatewayID: c.form.str("VpnGatewayId"),
		TransitGatewayID: c.form.str("TransitGatewayId"), StaticRoutesOnly: static != nil && *static}, tags)
	if err != nil {
		return nil, err
	}
	return &createVpnResp{Connection: toXMLVpn(v)}, nil
}

type describeVpnsResp struct {
	meta
	Connections []xmlVpnConnection `xml:"vpnConnectionSet>item"`
}

func describeVpnConnections(h *Handler, c *call) (response, error) {
	page, _, err := selectObjects(c.form, "VpnConnectionId", regional(h, c, h.cloud.VPNConnections(c.account), func(o model.VPNConnection) string { return o.ID }), func(v model.VPNConnection) string { return v.ID },
		func(v model.VPNConnection) fields {
			return withTags(v.Tags, func(name string) ([]string, bool) {
				switch name {
				case "vpn-connection-id":
					return one(v.ID), true
				case "customer-gateway-id":
					return one(v.CustomerGatewayID), true
				case "vpn-gateway-id":
					return one(v.VPNGatewayID), true
				case "transit-gateway-id":
					return one(v.TransitGatewayID), true
				case "state":
					return one(string(v.State)), true
				case "option.static-routes-only":
					return one(strconv.FormatBool(v.StaticRoutesOnly)), true
				}
				return h.vpnField(v, name)
			})
		})
	if err != nil {
		return nil, err
	}
	return &describeVpnsResp{Connections: convertAll(page, toXMLVpn)}, nil
}
