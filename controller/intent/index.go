package intent

// planIndex maps names to positions so that simulate's n² pairs and the
// controller's per-gateway work look each name up in O(1) rather than by
// scanning every gateway, endpoint, spoke, site and domain (a 1,000-spoke
// plan's matrix made 10⁹ string compares).
type planIndex struct {
	gateway  map[string]int
	group    map[string][]int // a transit's or spoke's gateways, in order
	endpoint map[string]int
	// spokeTransit and siteTransit are the transit of each spoke and
	// site.
	spokeTransit, siteTransit map[string]string
	// domain is each spoke's and site's domain (its first).
	domain map[string]string
}

// newPlanIndex indexes a compiled plan.
func newPlanIndex(p *Plan) *planIndex {
	x := &planIndex{gateway: make(map[string]int, len(p.Gateways)), endpoint: make(map[string]int, len(p.Endpoints)),
		spokeTransit: map[string]string{}, siteTransit: map[string]string{}, domain: map[string]string{}}
	for i, g := range p.Gateways {
		if _, dup := x.gateway[g.Key]; !dup {
			x.gateway[g.Key] = i
		}
		if x.group == nil {
			x.group = map[string][]int{}
		}
		x.group[g.Group] = append(x.group[g.Group], i)
	}
	for i, e := range p.Endpoints {
		if _, dup := x.endpoint[e.Name]; !dup {
			x.endpoint[e.Name] = i
		}
	}
	c := p.Topology.Cloud
	for _, s := range c.Sites {
		if _, dup := x.siteTransit[s.Name]; !dup {
			x.siteTransit[s.Name] = s.Connection.Transit
		}
	}
	for _, sp := range c.Spokes {
		if _, dup := x.spokeTransit[sp.Name]; !dup {
			x.spokeTransit[sp.Name] = sp.Transit
		}
	}
	for _, d := range c.Domains {
		for _, m := range d.Members {
			if _, dup := x.domain[m]; !dup {
				x.domain[m] = d.Name
			}
		}
	}
	return x
}

// gateways and endpoints return the maps of a nil-safe index.
func (x *planIndex) gateways() map[string]int {
	if x == nil {
		return nil
	}
	return x.gateway
}

func (x *planIndex) endpoints() map[string]int {
	if x == nil {
		return nil
	}
	return x.endpoint
}

// find returns name's position in m when it is below n (the slice's
// length); callers check the name there, so a stale index falls back to a
// scan.
func (x *planIndex) find(m map[string]int, name string, n int) (int, bool) {
	i, ok := m[name]
	return i, ok && i < n
}
