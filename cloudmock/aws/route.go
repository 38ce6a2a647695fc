package aws

import (
	"net/netip"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

func init() {
	register("CreateRoute", setRoute((*model.Cloud).CreateRoute))
	register("ReplaceRoute", setRoute((*model.Cloud).ReplaceRoute))
	register("DeleteRoute", routeAction("RouteTableId", (*model.Cloud).DeleteRoute))
}

// routeTarget reads the one target parameter of CreateRoute/ReplaceRoute.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateRoute.html — exactly one target
func routeTarget(f form) (model.Target, error) {
	var found []model.Target
	if g := f.str("GatewayId"); g != "" {
		kind := model.TargetInternetGateway
		if strings.HasPrefix(g, "vgw-") {
			kind = model.TargetVPNGateway
		}
		found = append(found, model.Target{Kind: kind, ID: g})
	}
	for param, kind := range map[string]model.TargetKind{
		"NatGatewayId":           model.TargetNATGateway,
		"InstanceId":             model.TargetInstance,
		"NetworkInterfaceId":     model.TargetNetworkInterface,
		"VpcPeeringConnectionId": model.TargetPeering,
		"TransitGatewayId":       model.TargetTransitGateway,
	} {
		if v := f.str(param); v != "" {
			found = append(found, model.Target{Kind: kind, ID: v})
		}
	}
	switch len(found) {
	case 0:
		return model.Target{}, &apiError{Code: "MissingParameter", Message: "The request must contain exactly one of gatewayId, natGatewayId, instanceId, networkInterfaceId, vpcPeeringConnectionId, transitGatewayId", Status: 400}
	case 1:
		return found[0], nil
	}
	return model.Target{}, errInvalid("The parameter combination is invalid: specify only one route target.")
}

// routeArgs reads the ID parameter named idParam (a route table, a transit
// gateway route table, a VPN connection) and DestinationCidrBlock.
func routeArgs(f form, idParam string) (string, netip.Prefix, error) {
	id, err := f.required(idParam)
	if err != nil {
		return "", netip.Prefix{}, err
	}
	dst, err := f.cidr("DestinationCidrBlock")
	return id, dst, err
}

// routeAction builds an action that reads routeArgs, calls a model route
// change with them and answers <return>true</return>: DeleteRoute,
// CreateVpnConnectionRoute, DeleteVpnConnectionRoute.
func routeAction(idParam string, change func(c *model.Cloud, account, id string, dst netip.Prefix) error) action {
	return func(h *Handler, c *call) (response, error) {
		id, dst, err := routeArgs(c.form, idParam)
		if err != nil {
			return nil, err
		}
		if err := change(h.cloud, c.account, id, dst); err != nil {
			return nil, err
		}
		return ok()
	}
}

// setRoute serves CreateRoute and ReplaceRoute, which take the same
// parameters and differ in the model call.
func setRoute(set func(c *model.Cloud, account, table string, dst netip.Prefix, t model.Target) error) action {
	return func(h *Handler, c *call) (response, error) {
		rt, dst, err := routeArgs(c.form, "RouteTableId")
		if err != nil {
			return nil, err
		}
		t, err := routeTarget(c.form)
		if err != nil {
			return nil, err
		}
		if err := set(h.cloud, c.account, rt, dst, t); err != nil {
			return nil, err
		}
		return ok()
	}
}
