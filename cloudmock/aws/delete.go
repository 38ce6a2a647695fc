package aws

import "github.com/mcnlab/mcnlab/cloudmock/model"

func init() {
	register("DeleteVpcPeeringConnection", idAction("VpcPeeringConnectionId", (*model.Cloud).DeletePeering))
	register("ReleaseAddress", idAction("AllocationId", (*model.Cloud).ReleaseAddress))
	register("DeleteVpnConnection", idAction("VpnConnectionId", (*model.Cloud).DeleteVPNConnection))
	register("DeleteVpnGateway", idAction("VpnGatewayId", (*model.Cloud).DeleteVPNGateway))
	register("DeleteCustomerGateway", idAction("CustomerGatewayId", (*model.Cloud).DeleteCustomerGateway))
	register("DeleteVpnConnectionRoute", routeAction("VpnConnectionId", (*model.Cloud).DeleteVPNStaticRoute))
	register("DeleteTransitGatewayVpcAttachment", deleteTGWVpcAttachment)
	register("DeleteTransitGatewayRouteTable", deleteTGWRouteTable)
	register("DeleteTransitGateway", deleteTransitGateway)
}

// idAction builds an action that calls a model delete with one ID parameter
// and answers <return>true</return>.
func idAction(param string, del func(*model.Cloud, string, string) error) action {
	return func(h *Handler, c *call) (response, error) {
		id, err := c.form.required(param)
		if err != nil {
			return nil, err
		}
		if err := del(h.cloud, c.account, id); err != nil {
			return nil, err
		}
		return ok()
	}
}

func deleteTGWVpcAttachment(h *Handler, c *call) (response, error) {
	id, err := c.form.required("TransitGatewayAttachmentId")
	if err != nil {
		return nil, err
	}
	a, err := h.cloud.DeleteTransitGatewayVPCAttachment(c.account, id)
	if err != nil {
		return nil, err
	}
	x := toXMLTGWVpcAttachment(a)
	x.State = "deleting"
	return &createTGWAttResp{Attachment: x}, nil
}

func deleteTGWRouteTable(h *Handler, c *call) (response, error) {
	id, err := c.form.required("TransitGatewayRouteTableId")
	if err != nil {
		return nil, err
	}
	var rt model.TransitGatewayRouteTable
	for _, r := range h.cloud.TransitGatewayRouteTables(c.account) {
		if r.ID == id {
			rt = r
		}
	}
	x := h.toXMLTGWRouteTable(c.account, rt)
	if err := h.cloud.DeleteTransitGatewayRouteTable(c.account, id); err != nil {
		return nil, err
	}
	x.State = "deleting"
	return &createTGWRTResp{RouteTable: x}, nil
}

func deleteTransitGateway(h *Handler, c *call) (response, error) {
	id, err := c.form.required("TransitGatewayId")
	if err != nil {
		return nil, err
	}
	g, err := h.cloud.DeleteTransitGateway(c.account, id)
	if err != nil {
		return nil, err
	}
	x := h.toXMLTGW(g)
	x.State = "deleting"
	return &createTGWResp{TGW: x}, nil
}
