package model

import "net/netip"

// Public addresses an interface gets at launch, as AWS assigns them to an
// instance launched into a subnet that maps public IPv4 addresses on
// launch (Subnet.MapPublicIP) or asked for one: an address from the same
// pool as elastic IPs (publicPool), held by the interface
// (NetworkInterface.PublicIP) while it has no elastic IP and its instance
// runs.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-instance-addressing.html#concepts-public-addresses — a public IPv4 address from Amazon's pool, released when the instance is stopped or terminated or an Elastic IP is associated; a new one when it starts or the Elastic IP is disassociated

// publicInUseLocked is the set of public addresses held by elastic IPs
// and by interfaces.
func (c *Cloud) publicInUseLocked() map[netip.Addr]bool {
	used := map[netip.Addr]bool{}
	for _, e := range c.eips {
		used[e.PublicIP] = true
	}
	for _, e := range c.enis {
		if e.PublicIP.IsValid() {
			used[e.PublicIP] = true
		}
	}
	return used
}

// freePublicLocked is the lowest free address of the public pool.
func (c *Cloud) freePublicLocked() (netip.Addr, error) {
	used := c.publicInUseLocked()
	for a := publicPool.Addr().Next(); publicPool.Contains(a); a = a.Next() {
		if !used[a] {
			return a, nil
		}
	}
	return netip.Addr{}, errf(CodeLimitExceeded, KindElasticIP, "", "the public address pool %s is exhausted", publicPool)
}

// hasElasticIPLocked reports whether an elastic IP is associated with the
// interface's primary address.
func (c *Cloud) hasElasticIPLocked(eniID string) bool {
	for _, e := range c.eips {
		if e.Associate == eniID && !e.PrivateIP.IsValid() { // one on a secondary address leaves the primary's be
			return true
		}
	}
	return false
}

// refreshPublicIPLocked gives an interface that asked for a public
// address one while its instance runs and it has no elastic IP, and takes
// it away otherwise; it reports whether it changed.
func (c *Cloud) refreshPublicIPLocked(e *NetworkInterface) bool {
	running := true
	if i, ok := c.instances[e.InstanceID]; ok {
		running = i.State == InstanceRunning
	}
	want := e.AutoPublicIP && running && !c.hasElasticIPLocked(e.ID)
	switch {
	case want && !e.PublicIP.IsValid():
		a, err := c.freePublicLocked()
		if err != nil {
			return false // the pool is empty: the interface goes without
		}
		e.PublicIP = a
	case !want && e.PublicIP.IsValid():
		e.PublicIP = netip.Addr{}
	default:
		return false
	}
	c.emitLocked(KindNetworkInterface, OpUpdate, e.ID, e.Account)
	return true
}
