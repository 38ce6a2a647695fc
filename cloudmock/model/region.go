package model

// Regions. Every object of the model but accounts lives in one region
// (its Region field), as AWS's VPCs, subnets, gateways and instances are
// Regional resources: a network, internet gateway, elastic IP, transit
// gateway, VPN gateway, customer gateway or Direct Connect line is made in
// a region (the Create…At functions, ProvisionDXConnectionAt), and what is
// made inside or for one of them (subnets, route tables, security groups,
// network ACLs, instances, interfaces, NAT gateways, transit gateway route
// tables and attachments, VPN connections, virtual interfaces) takes its
// region. The per-Region quotas
// count an account's objects of one region.
//
// The empty region is the front-end's default region: the one of objects
// made by the functions without a region (tests), and of every object of a snapshot older than regions
// (SnapshotVersion 1).
//
// The model checks no region on the functions that take IDs: a front-end
// keeps each call within its region, answering an ID of another region as
// not found (ObjectRegions).
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/resources.html — VPCs, subnets, security groups and instances are Regional resources
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html — VPC quotas are per Region

// ObjectRegions returns the regions in which the account sees the object
// with the given ID: its one region, or for a peering the requester's and
// the accepter's (an inter-Region peering is seen in both). It returns
// false for an ID the account does not see at all.
// AWS: https://docs.aws.amazon.com/vpc/latest/peering/what-is-vpc-peering.html — an inter-Region peering connection joins VPCs in two Regions
func (c *Cloud) ObjectRegions(account, id string) ([]string, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if p, ok := c.peerings[id]; ok {
		if p.RequesterAccount != account && p.AccepterAccount != account {
			return nil, false
		}
		return []string{p.RequesterRegion, p.AccepterRegion}, true
	}
	// AWS: https://docs.aws.amazon.com/vpc/latest/tgw/tgw-peering-accept-reject.html — the accepter sees a transit gateway peering attachment in its gateway's Region
	if a, ok := c.tgwAtts[id]; ok && a.Kind == AttachPeering {
		rs := a.PeeringAttachmentRegions(account)
		return rs, len(rs) > 0
	}
	o, ok := c.owners[id]
	if !ok || o.account != account {
		return nil, false
	}
	return []string{o.region}, true
}

// regionSuffix names a region in a quota error, if there is one.
func regionSuffix(region string) string {
	if region == "" {
		return ""
	}
	return " in region " + region
}
