package model

import (
	"encoding/json"
	"net/netip"
	"slices"
	"time"
)

// EndpointType is the kind of a VPC endpoint.
type EndpointType string

// The endpoint types the model holds.
// AWS: https://docs.aws.amazon.com/vpc/latest/privatelink/concepts.html#concepts-vpc-endpoints — interface, gateway and Gateway Load Balancer endpoints
const (
	EndpointGateway   EndpointType = "Gateway"
	EndpointInterface EndpointType = "Interface"
)

// EndpointAvailable is the one state the model holds: an endpoint to an
// AWS service needs no acceptance and is ready when its call returns.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_VpcEndpoint.html — state PendingAcceptance | Pending | Available | Deleting | Deleted | Rejected | Failed | Expired
const EndpointAvailable = "available"

// InterfaceVPCEndpoint is the type (NetworkInterface.Type) of an
// interface endpoint's network interfaces.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NetworkInterface.html — interfaceType vpc_endpoint
const InterfaceVPCEndpoint = "vpc_endpoint"

// RequesterManaged reports whether a service made the interface for the
// account (an interface endpoint's): the account cannot delete it.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/requester-managed-eni.html — requester-managed network interfaces, such as those of VPC endpoints
func (e NetworkInterface) RequesterManaged() bool { return e.Type == InterfaceVPCEndpoint }

// DefaultEndpointPolicy is the policy an endpoint gets when none is
// given: full access, as AWS writes it.
// AWS: https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html#default-endpoint-policy — the default policy allows full access to the service
const DefaultEndpointPolicy = `{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`

// VPCEndpoint is a network's private way to a service: a gateway endpoint
// is a route to the service's prefix list in each of its route tables; an
// interface endpoint is a network interface in each of its subnets.
// AWS: https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html — gateway endpoints
// AWS: https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html — interface endpoints
type VPCEndpoint struct {
	ID          string
	Meta        `json:"-"` // scope, name and handle (names.go)
	Account     string
	Region      string
	NetworkID   string
	Type        EndpointType
	ServiceName string
	State       string
	Policy      string
	// SubnetIDs, SecurityGroupIDs and NetworkInterfaceIDs are an
	// interface endpoint's: one interface per subnet, in subnet order.
	SubnetIDs           []string `json:",omitempty"`
	SecurityGroupIDs    []string `json:",omitempty"`
	NetworkInterfaceIDs []string `json:",omitempty"`
	PrivateDNS          bool     `json:",omitempty"`
	Created             time.Time
	// RouteTableIDs are a gateway endpoint's tables: those with a route
	// to it (computed when read).
	RouteTableIDs []string `json:"-"`
	Tags          map[string]string
}

func (e *VPCEndpoint) ref() ref { return ref{KindVPCEndpoint, e.ID, e.Account} }

func (e *VPCEndpoint) copy(c *Cloud) VPCEndpoint {
	out := *e
	out.Meta = c.metaLocked(e.ID)
	out.SubnetIDs = slices.Clone(e.SubnetIDs)
	out.SecurityGroupIDs = slices.Clone(e.SecurityGroupIDs)
	out.NetworkInterfaceIDs = slices.Clone(e.NetworkInterfaceIDs)
	out.RouteTableIDs = nil
	for _, rt := range c.routeTables.sorted() {
		if slices.ContainsFunc(rt.Routes, func(r Route) bool { return r.Target.Kind == TargetVPCEndpoint && r.Target.ID == e.ID }) {
			out.RouteTableIDs = append(out.RouteTableIDs, rt.ID)
		}
	}
	out.Tags = c.tagsLocked(e.ID)
	return out
}

// EndpointSpec is what CreateVPCEndpoint makes an endpoint from.
type EndpointSpec struct {
	NetworkID        string
	Type             EndpointType
	ServiceName      string
	RouteTableIDs    []string // gateway
	SubnetIDs        []string // interface
	SecurityGroupIDs []string // interface; empty: the network's default group
	Policy           string   // empty: DefaultEndpointPolicy
	PrivateDNS       bool     // interface
	Tags             map[string]string
	Scope            string // the endpoint's scope (an OCI service gateway's compartment); empty for AWS
}

// checkPolicy checks that a policy document is JSON.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpcEndpoint.html — PolicyDocument, a policy in JSON format
func checkPolicy(id, policy string) error {
	if !json.Valid([]byte(policy)) {
		return errf(CodeInvalidParameter, KindVPCEndpoint, id, "The policy document is not valid JSON.")
	}
	return nil
}

// CreateVPCEndpoint makes an endpoint of a network to a service of its
// region: a gateway endpoint adds a route to the service's prefix list
// to each of its route tables; an interface endpoint makes an interface,
// with the next free address, in each of its subnets (one per zone).
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpcEndpoint.html — VpcEndpointType, ServiceName, RouteTableId.N, SubnetId.N, SecurityGroupId.N, PolicyDocument, PrivateDnsEnabled
func (c *Cloud) CreateVPCEndpoint(account string, spec EndpointSpec) (VPCEndpoint, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, err := c.networkLocked(account, spec.NetworkID)
	if err != nil {
		return VPCEndpoint{}, err
	}
	svc, ok := ServiceByName(n.Region, spec.ServiceName)
	if !ok || (spec.Type == EndpointGateway && !svc.Gateway) || (spec.Type == EndpointInterface && !svc.Interface) {
		return VPCEndpoint{}, errf(CodeNotFound, KindVPCEndpointService, spec.ServiceName, "The Vpc Endpoint Service '%s' does not exist", spec.ServiceName)
	}
	if spec.Policy == "" {
		spec.Policy = DefaultEndpointPolicy
	}
	if err := checkPolicy(spec.ServiceName, spec.Policy); err != nil {
		return VPCEndpoint{}, err
	}
	e := &VPCEndpoint{Account: account, Region: n.Region, NetworkID: n.ID, Type: spec.Type, ServiceName: svc.Name,
		State: EndpointAvailable, Policy: spec.Policy, Created: time.Now().UTC().Truncate(time.Second)}
	var tables []*RouteTable
	var subnets []*Subnet
	var groups []string
	switch spec.Type {
	case EndpointGateway:
		if tables, err = c.endpointTablesLocked(n, svc, spec.RouteTableIDs, nil); err != nil {
			return VPCEndpoint{}, err
		}
	case EndpointInterface:
		if subnets, groups, err = c.endpointSubnetsLocked(n, spec); err != nil {
			return VPCEndpoint{}, err
		}
		e.PrivateDNS = spec.PrivateDNS
	default:
		return VPCEndpoint{}, errf(CodeInvalidParameter, KindVPCEndpoint, string(spec.Type), "The VPC endpoint type '%s' is not valid.", string(spec.Type))
	}
	if e.ID, err = c.newIDLocked(account, KindVPCEndpoint, Place{Region: n.Region, Scope: spec.Scope}); err != nil {
		return VPCEndpoint{}, err
	}
	for _, rt := range tables {
		c.addEndpointRouteLocked(rt, e.ID, svc.PrefixListID)
	}
	for _, s := range subnets {
		eni, err := c.newEndpointInterfaceLocked(e, s, groups)
		if err != nil {
			return VPCEndpoint{}, err
		}
		e.SubnetIDs = append(e.SubnetIDs, s.ID)
		e.NetworkInterfaceIDs = append(e.NetworkInterfaceIDs, eni.ID)
	}
	e.SecurityGroupIDs = groups
	c.endpoints.put(e)
	c.registerAtLocked(KindVPCEndpoint, e.ID, account, Place{Region: n.Region, Scope: spec.Scope}, spec.Tags)
	return e.copy(c), nil
}

// endpointTablesLocked checks the route tables a gateway endpoint is to
// add its route to: tables of its network without a route to the
// service's list (but the endpoint's own, self), with room for it.
// AWS: https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html#gateway-endpoint-routing — the endpoint adds a route with the service's prefix list as destination to each route table you choose
func (c *Cloud) endpointTablesLocked(n *Network, svc Service, ids []string, self *VPCEndpoint) ([]*RouteTable, error) {
	lim, err := c.limitsLocked(n.Account)
	if err != nil {
		return nil, err
	}
	var out []*RouteTable
	for _, id := range ids {
		rt, err := c.routeTableLocked(n.Account, id)
		if err != nil {
			return nil, err
		}
		if rt.NetworkID != n.ID {
			return nil, errf(CodeInvalidParameter, KindRouteTable, id, "The route table %s does not belong to vpc %s.", id, n.ID)
		}
		if i := findPrefixListRoute(rt, svc.PrefixListID); i >= 0 {
			if self != nil && rt.Routes[i].Target.ID == self.ID {
				continue
			}
			return nil, errf(CodeAlreadyExists, KindRoute, svc.PrefixListID, "route table %s already has a route with destination-prefix-list-id %s", id, svc.PrefixListID)
		}
		if c.routeWeightLocked(rt)+1 > lim.RoutesPerTable {
			return nil, errf(CodeLimitExceeded, KindRoute, id, "the maximum number of routes (%d) has been reached for route table %s", lim.RoutesPerTable, id)
		}
		if !slices.Contains(out, rt) {
			out = append(out, rt)
		}
	}
	return out, nil
}

func (c *Cloud) addEndpointRouteLocked(rt *RouteTable, endpointID, listID string) {
	rt.Routes = append(rt.Routes, Route{PrefixListID: listID, Target: Target{Kind: TargetVPCEndpoint, ID: endpointID}, Origin: OriginStatic})
	c.emitLocked(KindRouteTable, OpUpdate, rt.ID, rt.Account)
}

// removeEndpointRoutesLocked removes an endpoint's routes from the given
// tables (every table for nil).
func (c *Cloud) removeEndpointRoutesLocked(endpointID string, only []string) {
	for _, rt := range c.routeTables.sorted() {
		if only != nil && !slices.Contains(only, rt.ID) {
			continue
		}
		n := len(rt.Routes)
		rt.Routes = slices.DeleteFunc(rt.Routes, func(r Route) bool { return r.Target.Kind == TargetVPCEndpoint && r.Target.ID == endpointID })
		if len(rt.Routes) != n {
			c.emitLocked(KindRouteTable, OpUpdate, rt.ID, rt.Account)
		}
	}
}

// endpointSubnetsLocked checks an interface endpoint's subnets (of its
// network, one per zone) and security groups (of its network; the
// network's default group when none are given).
// AWS: https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html — one subnet per Availability Zone; the default security group if you don't choose one
func (c *Cloud) endpointSubnetsLocked(n *Network, spec EndpointSpec) ([]*Subnet, []string, error) {
	var subnets []*Subnet
	zones := map[string]bool{}
	for _, id := range spec.SubnetIDs {
		s, err := c.subnetLocked(n.Account, id)
		if err != nil {
			return nil, nil, err
		}
		if s.NetworkID != n.ID {
			return nil, nil, errf(CodeInvalidParameter, KindSubnet, id, "The subnet %s does not belong to vpc %s.", id, n.ID)
		}
		if zones[s.Zone] {
			return nil, nil, errf(CodeDuplicate, KindVPCEndpoint, id, "Found another VPC endpoint subnet in the availability zone of %s. VPC endpoint subnets should be in different availability zones supported by the VPC endpoint service.", id)
		}
		zones[s.Zone] = true
		subnets = append(subnets, s)
	}
	groups := slices.Clone(spec.SecurityGroupIDs)
	if len(groups) == 0 && n.DefaultSecurityGroupID != "" {
		groups = []string{n.DefaultSecurityGroupID}
	}
	for _, g := range groups {
		sg, err := c.ruleSetLocked(n.Account, FlavorSecurityGroup, g)
		if err != nil {
			return nil, nil, err
		}
		if sg.NetworkID != n.ID {
			return nil, nil, errf(CodeInvalidParameter, KindSecurityGroup, g, "The security group %s does not belong to vpc %s.", g, n.ID)
		}
	}
	return subnets, groups, nil
}

// newEndpointInterfaceLocked makes an interface endpoint's network
// interface in a subnet, with the subnet's next free address.
// AWS: https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html — an endpoint network interface in each subnet, with an IP address from the subnet
func (c *Cloud) newEndpointInterfaceLocked(e *VPCEndpoint, s *Subnet, groups []string) (*NetworkInterface, error) {
	ip, err := c.allocateIPLocked(s)
	if err != nil {
		return nil, err
	}
	id, err := c.newIDLocked(e.Account, KindNetworkInterface, Place{Region: s.Region})
	if err != nil {
		return nil, err
	}
	eni := &NetworkInterface{ID: id, Account: e.Account, Region: s.Region, NetworkID: s.NetworkID, SubnetID: s.ID, PrivateIP: ip,
		SecurityGroupIDs: slices.Clone(groups), SourceDestCheck: true, Type: InterfaceVPCEndpoint,
		// AWS: https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html — the endpoint network interfaces' description names the endpoint
		Description: "VPC Endpoint Interface " + e.ID}
	c.enis[id] = eni
	c.registerLocked(KindNetworkInterface, id, e.Account, s.Region, nil)
	return eni, nil
}

// VPCEndpoint returns one endpoint of the account.
func (c *Cloud) VPCEndpoint(account, id string) (VPCEndpoint, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.endpoints.one(c, account, id)
}

// VPCEndpoints returns the account's endpoints, sorted by ID.
func (c *Cloud) VPCEndpoints(account string) []VPCEndpoint {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.endpoints.list(c, account)
}

// EndpointChange is a ModifyVPCEndpoint request; what is unset stays.
type EndpointChange struct {
	AddRouteTables, RemoveRouteTables []string
	// AddSubnets and RemoveSubnets add and remove an interface endpoint's
	// interfaces; AddGroups and RemoveGroups change the security groups
	// of all of them.
	AddSubnets, RemoveSubnets []string
	AddGroups, RemoveGroups   []string
	Policy                    *string // "" with ResetPolicy
	ResetPolicy               bool
	PrivateDNS                *bool
}

// ModifyVPCEndpoint changes a gateway endpoint's route tables and any
// endpoint's policy.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyVpcEndpoint.html — AddRouteTableId.N, RemoveRouteTableId.N, PolicyDocument, ResetPolicy, PrivateDnsEnabled
func (c *Cloud) ModifyVPCEndpoint(account, id string, ch EndpointChange) (VPCEndpoint, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, err := c.endpoints.get(account, id)
	if err != nil {
		return VPCEndpoint{}, err
	}
	if (len(ch.AddRouteTables) > 0 || len(ch.RemoveRouteTables) > 0) && e.Type != EndpointGateway {
		return VPCEndpoint{}, errf(CodeInvalidParameter, KindVPCEndpoint, id, "Route tables can only be modified for gateway endpoints; %s is an %s endpoint.", id, string(e.Type))
	}
	if len(ch.AddSubnets)+len(ch.RemoveSubnets)+len(ch.AddGroups)+len(ch.RemoveGroups) > 0 {
		if e.Type != EndpointInterface {
			return VPCEndpoint{}, errf(CodeInvalidParameter, KindVPCEndpoint, id, "Subnets and security groups can only be modified for interface endpoints; %s is a %s endpoint.", id, string(e.Type))
		}
		if err := c.changeEndpointInterfacesLocked(e, ch); err != nil {
			return VPCEndpoint{}, err
		}
	}
	if ch.Policy != nil && ch.ResetPolicy {
		return VPCEndpoint{}, errf(CodeInvalidParameter, KindVPCEndpoint, id, "The parameters PolicyDocument and ResetPolicy cannot be specified together.")
	}
	if ch.Policy != nil {
		if err := checkPolicy(id, *ch.Policy); err != nil {
			return VPCEndpoint{}, err
		}
	}
	svc, _ := ServiceByName(e.Region, e.ServiceName)
	var add []*RouteTable
	if len(ch.AddRouteTables) > 0 {
		if add, err = c.endpointTablesLocked(c.networks[e.NetworkID], svc, ch.AddRouteTables, e); err != nil {
			return VPCEndpoint{}, err
		}
	}
	for _, rid := range ch.RemoveRouteTables {
		if _, err := c.routeTableLocked(account, rid); err != nil {
			return VPCEndpoint{}, err
		}
	}
	if len(ch.RemoveRouteTables) > 0 {
		c.removeEndpointRoutesLocked(e.ID, ch.RemoveRouteTables)
	}
	for _, rt := range add {
		if findPrefixListRoute(rt, svc.PrefixListID) < 0 {
			c.addEndpointRouteLocked(rt, e.ID, svc.PrefixListID)
		}
	}
	switch {
	case ch.ResetPolicy:
		e.Policy = DefaultEndpointPolicy
	case ch.Policy != nil:
		e.Policy = *ch.Policy
	}
	if ch.PrivateDNS != nil && e.Type == EndpointInterface {
		e.PrivateDNS = *ch.PrivateDNS
	}
	c.emitLocked(KindVPCEndpoint, OpUpdate, e.ID, account)
	return e.copy(c), nil
}

// DeleteVPCEndpoint deletes an endpoint with its routes and interfaces.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteVpcEndpoints.html — deleting a gateway endpoint deletes its routes; deleting an interface endpoint deletes its network interfaces
func (c *Cloud) DeleteVPCEndpoint(account, id string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, err := c.endpoints.get(account, id)
	if err != nil {
		return err
	}
	c.removeEndpointRoutesLocked(id, nil)
	for _, eni := range e.NetworkInterfaceIDs {
		if x, ok := c.enis[eni]; ok {
			c.deleteInterfaceLocked(x)
		}
	}
	delete(c.endpoints, id)
	c.forgetLocked(KindVPCEndpoint, id, account)
	return nil
}

// EndpointAddrs returns the private addresses of an interface endpoint's
// network interfaces, in subnet order.
func (c *Cloud) EndpointAddrs(account, id string) []netip.Addr {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, err := c.endpoints.get(account, id)
	if err != nil {
		return nil
	}
	var out []netip.Addr
	for _, eni := range e.NetworkInterfaceIDs {
		if x, ok := c.enis[eni]; ok {
			out = append(out, x.PrivateIP)
		}
	}
	return out
}

// changeEndpointInterfacesLocked adds and removes an interface endpoint's
// subnets (one interface each, one subnet per zone) and security groups
// (on every interface), all or none.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyVpcEndpoint.html — AddSubnetId.N, RemoveSubnetId.N, AddSecurityGroupId.N, RemoveSecurityGroupId.N (interface endpoints)
func (c *Cloud) changeEndpointInterfacesLocked(e *VPCEndpoint, ch EndpointChange) error {
	n := c.networks[e.NetworkID]
	subnets := slices.DeleteFunc(slices.Clone(e.SubnetIDs), func(s string) bool { return slices.Contains(ch.RemoveSubnets, s) })
	for _, s := range ch.RemoveSubnets {
		if !slices.Contains(e.SubnetIDs, s) {
			return errf(CodeInvalidParameter, KindVPCEndpoint, e.ID, "The subnet %s is not a subnet of endpoint %s.", s, e.ID)
		}
	}
	groups := slices.DeleteFunc(slices.Clone(e.SecurityGroupIDs), func(g string) bool { return slices.Contains(ch.RemoveGroups, g) })
	for _, g := range ch.AddGroups {
		if !slices.Contains(groups, g) {
			groups = append(groups, g)
		}
	}
	// Check the whole result (zones, groups of the network) as a new
	// endpoint's; groups left empty fall back to the default group.
	kept := slices.Clone(subnets)
	for _, s := range ch.AddSubnets {
		if !slices.Contains(kept, s) {
			kept = append(kept, s)
		}
	}
	checked, groups, err := c.endpointSubnetsLocked(n, EndpointSpec{SubnetIDs: kept, SecurityGroupIDs: groups})
	if err != nil {
		return err
	}
	var enis, made []string
	for i, id := range e.SubnetIDs {
		if !slices.Contains(ch.RemoveSubnets, id) {
			enis = append(enis, e.NetworkInterfaceIDs[i])
		}
	}
	for _, s := range checked[len(subnets):] {
		eni, err := c.newEndpointInterfaceLocked(e, s, groups)
		if err != nil {
			for _, id := range made { // all or none
				c.deleteInterfaceLocked(c.enis[id])
			}
			return err
		}
		made = append(made, eni.ID)
	}
	enis = append(enis, made...)
	for i, id := range e.SubnetIDs {
		if x, ok := c.enis[e.NetworkInterfaceIDs[i]]; ok && slices.Contains(ch.RemoveSubnets, id) {
			c.deleteInterfaceLocked(x)
		}
	}
	for _, id := range enis {
		c.enis[id].SecurityGroupIDs = slices.Clone(groups)
		c.emitLocked(KindNetworkInterface, OpUpdate, id, e.Account)
	}
	e.SubnetIDs, e.NetworkInterfaceIDs, e.SecurityGroupIDs = kept, enis, groups
	return nil
}
