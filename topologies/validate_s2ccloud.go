package topologies

// checkS2CCloud checks a connection whose gateways are a spoke's
// instances (cloud-gateway): the spoke exists; gateway, ha-gateway and
// the addresses are left out (the cloud assigns the gateways' public
// addresses, and the site's is its uplink's); the site is a strongswan
// node (the lab configures it once the addresses are known) whose
// connections all go to the cloud (its bgp, if any, checkS2CBGP checks).
func (c *checker) checkS2CCloud(path string, s *Site2Cloud, t *Topology, nodes map[string]*Node) {
	gp := join(path, "cloud-gateway")
	if !c.bad[gp] && !isSpoke(t, s.CloudGateway) {
		c.errf(gp, s.Pos, "cloud-gateway %q is no spoke of the topology (it has: %v); name the spoke whose gateways hold the tunnel", s.CloudGateway, spokeNames(t))
	}
	for _, f := range []struct {
		key string
		set bool
	}{
		{"gateway", s.Gateway != ""}, {"gateway-address", s.GatewayAddress.IsValid()},
		{"ha-gateway", s.HAGateway != ""}, {"ha-gateway-address", s.HAGatewayAddress.IsValid()},
		{"site-address", s.SiteAddress.IsValid()},
	} {
		if f.set {
			c.errf(join(path, f.key), s.Pos, "%s with cloud-gateway: the spoke's instances are the gateways (the HA one with the spoke's ha: true), their public addresses come from the cloud and the site's is its uplink's; remove %s", f.key, f.key)
		}
	}
	sp := join(path, "site")
	switch n := nodes[s.Site]; {
	case c.bad[sp]:
	case s.Site == "":
		c.errf(sp, s.Pos, "missing site: the name of a node")
	case n == nil:
		c.errf(sp, s.Pos, "unknown node %q", s.Site)
	case n.Kind != KindStrongSwan:
		c.errf(sp, s.Pos, "%s is a %s; the site of a connection to a cloud-gateway is a node of kind %s (the lab configures it once the cloud's addresses are known)", s.Site, n.Kind, KindStrongSwan)
	}
	for _, o := range t.Site2Cloud {
		if o != nil && o.Site == s.Site && !o.InCloud() {
			c.errf(sp, s.Pos, "site %s also holds %s, to gateway node %s; a strongswan site's connections go all to cloud-gateways or all to gateway nodes", s.Site, o.Name, o.Gateway)
			break
		}
	}
}

// isSpoke reports whether t's cloud intent has a spoke named name.
func isSpoke(t *Topology, name string) bool {
	for _, n := range spokeNames(t) {
		if n == name {
			return true
		}
	}
	return false
}

// spokeNames lists the spokes of t's cloud intent.
func spokeNames(t *Topology) []string {
	var out []string
	if t.Cloud == nil {
		return nil
	}
	for _, sp := range t.Cloud.Spokes {
		if sp != nil {
			out = append(out, sp.Name)
		}
	}
	return out
}
