package realize

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	cmgcp "github.com/mcnlab/mcnlab/cloudmock/gcp"
	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/emulator/netns"
)

// provisionCircuits checks the lab's private lines and records each as a
// Direct Connect connection of its account; it returns them by connection
// ID.
func provisionCircuits(cloud *model.Cloud, opts Options) (map[string]Circuit, error) {
	out := map[string]Circuit{}
	names := map[[2]string]bool{} // account, name
	ends := map[[2]string]bool{}  // namespace, interface
	for _, c := range opts.Circuits {
		if err := checkCircuit(c); err != nil {
			return nil, err
		}
		if names[[2]string{c.Account, c.Name}] {
			return nil, fmt.Errorf("circuit %s: account %s has two circuits of that name", c.Name, c.Account)
		}
		if ends[[2]string{c.Namespace, c.Interface}] {
			return nil, fmt.Errorf("circuit %s: interface %s in %s is the end of another circuit", c.Name, c.Interface, c.Namespace)
		}
		names[[2]string{c.Account, c.Name}] = true
		ends[[2]string{c.Namespace, c.Interface}] = true
		var tags map[string]string
		if c.Partner {
			tags = map[string]string{cmgcp.PartnerLineTag: "true"}
		}
		x, err := cloud.ProvisionDXConnectionAt(c.Account, model.Place{Region: c.Region}, c.Name, tags)
		if err != nil {
			return nil, fmt.Errorf("circuit %s: provision its connection: %w", c.Name, err)
		}
		out[x.ID] = c
	}
	return out, nil
}

// checkCircuit checks a circuit's fields: a name and account, a namespace
// of the lab's fabric (named mcn-..., DESIGN.md's rule, so that the
// realizer never touches another namespace) and a valid interface name.
func checkCircuit(c Circuit) error {
	switch {
	case c.Name == "":
		return errors.New("circuit: a circuit needs a name")
	case c.Account == "":
		return fmt.Errorf("circuit %s: no account", c.Name)
	case !strings.HasPrefix(c.Namespace, "mcn-") || strings.ContainsAny(c.Namespace, "/ \t\n"):
		return fmt.Errorf("circuit %s: namespace %q is not a lab namespace (mcn-...)", c.Name, c.Namespace)
	case c.Partner && c.Region == "":
		return fmt.Errorf("circuit %s: a partner line needs a region", c.Name)
	case c.Interface == "" || len(c.Interface) > 15 || c.Interface == "." || c.Interface == ".." ||
		strings.ContainsAny(c.Interface, "/: \t\n"):
		return fmt.Errorf("circuit %s: %q is not an interface name (1 to 15 bytes, no '/', ':' or spaces)", c.Name, c.Interface)
	}
	return nil
}

// dxIf is the VPC router's end of a virtual interface's link.
func dxIf(vif string) string { return "dx-" + vif }

// dxPlan is an available private virtual interface: a veth between the
// router of the network its VPN gateway is attached to (ifRouter, holding
// the cloud's address) and the circuit's namespace (circuit.Interface,
// holding the customer's address), with a route in the circuit namespace
// to each of the network's prefixes via the cloud's address.
type dxPlan struct {
	id, vgw, network string
	ifRouter         string
	circuit          Circuit
	cloud, customer  netip.Prefix
	cidrs            []netip.Prefix
	key              string // fingerprint of all the above: a change remakes the link
}

// planDX plans the available virtual interfaces on the lab's circuits. A
// circuit's namespace has one interface for the line, so one virtual
// interface per line is realized: the one already live, else the lowest
// ID. Traffic from the line reaches the router on an interface that is no
// subnet bridge, so the VPC's local table alone routes it (see
// planRouter): it reaches the VPC's own addresses and nothing beyond.
// AWS: https://docs.aws.amazon.com/directconnect/latest/UserGuide/routing-and-bgp.html — over a private virtual interface AWS advertises the VPC CIDRs to the customer router
// AWS: https://docs.aws.amazon.com/directconnect/latest/APIReference/API_CreatePrivateVirtualInterface.html — a private virtual interface to a virtual private gateway only gives access to a single VPC
func (r *Realizer) planDX(p *plan, s *snapshot, nets map[string]model.Network) {
	onLine := map[string][]model.DXVirtualInterface{} // connection ID -> available VIFs
	for _, v := range s.vifs {
		if v.State != model.StateAvailable {
			continue
		}
		if _, ok := r.circuits[v.ConnectionID]; !ok {
			continue
		}
		if _, ok := nets[v.NetworkID]; !ok {
			continue
		}
		onLine[v.ConnectionID] = append(onLine[v.ConnectionID], v)
	}
	for conn, vs := range onLine {
		slices.SortFunc(vs, func(a, b model.DXVirtualInterface) int { return strings.Compare(a.ID, b.ID) })
		v := vs[0]
		for _, x := range vs {
			if r.live != nil && r.live.dx[x.ID] != nil {
				v = x
				break
			}
		}
		d := &dxPlan{id: v.ID, vgw: v.VPNGatewayID, network: v.NetworkID, ifRouter: dxIf(v.Handle), circuit: r.circuits[conn],
			cloud: v.CloudAddress, customer: v.CustomerAddress}
		for _, b := range nets[v.NetworkID].CIDRs {
			d.cidrs = append(d.cidrs, b.Prefix)
		}
		d.rekey()
		p.dx[v.ID] = d
		if cur, ok := p.vgwDX[v.VPNGatewayID]; !ok || v.ID < cur.id {
			p.vgwDX[v.VPNGatewayID] = d
		}
	}
}

// vgwLink returns the realized virtual interface that a route to VPN
// gateway vgw in network uses for dst: the one whose link holds dst (a
// gateway has a virtual interface per line, and each line's peer
// addresses are reached over that line), else the gateway's first; nil
// when it has none in that network.
// AWS: https://docs.aws.amazon.com/directconnect/latest/UserGuide/WorkingWithVirtualInterfaces.html — a virtual private gateway takes many private virtual interfaces, each its own BGP peering on its own connection
func (p *plan) vgwLink(vgw, network string, dst netip.Prefix) *dxPlan {
	for _, id := range sortedKeys(p.dx) {
		d := p.dx[id]
		if onLink := d.customer.Masked(); d.vgw == vgw && d.network == network && dst.Bits() >= onLink.Bits() && onLink.Contains(dst.Addr()) {
			return d
		}
	}
	if d, ok := p.vgwDX[vgw]; ok && d.network == network {
		return d
	}
	return nil
}

// dxRoute is the kernel route for a route-table route whose target is a
// VPN gateway with a realized virtual interface: over the line, to the
// customer's router, or straight onto the link for prefixes on it.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/route-table-options.html — a route to a virtual private gateway sends matching traffic to it
func dxRoute(k kroute, d *dxPlan) kroute {
	if onLink := d.customer.Masked(); k.dst.Bits() >= onLink.Bits() && onLink.Contains(k.dst.Addr()) {
		k.kind, k.dev = "dev", d.ifRouter
		return k
	}
	k.kind, k.via, k.dev = "via", d.customer.Addr(), d.ifRouter
	return k
}

// rekey computes the plan's key from its fields.
func (d *dxPlan) rekey() {
	d.key = fmt.Sprintf("%s|%s|%+v|%s|%s|%v", d.network, d.ifRouter, d.circuit, d.cloud, d.customer, d.cidrs)
}

// liveDX is a virtual interface's link that the realizer made.
type liveDX struct {
	network, ifRouter string
	key               string
}

// removeStaleDX deletes the links of virtual interfaces that are gone or
// changed; deleting the router's end deletes the circuit's end and its
// routes with it.
func (r *Realizer) removeStaleDX(p *plan) error {
	s := r.live
	var errs []error
	for id, d := range s.dx {
		if want, ok := p.dx[id]; ok && want.key == d.key && s.routers[d.network] != nil {
			continue
		}
		if rt := s.routers[d.network]; rt != nil {
			errs = append(errs, rt.delLink(d.ifRouter))
			rt.forgetDev(d.ifRouter)
		}
		delete(s.dx, id)
	}
	return errors.Join(errs...)
}

// ensureDX makes a virtual interface's link, unless it is live.
func (r *Realizer) ensureDX(d *dxPlan) error {
	s := r.live
	if _, ok := s.dx[d.id]; ok {
		return nil
	}
	rt := s.routers[d.network]
	if rt == nil {
		return fmt.Errorf("realize: virtual interface %s: no router for %s", d.id, d.network)
	}
	site, err := netns.Open(d.circuit.Namespace)
	if err != nil {
		return fmt.Errorf("realize: virtual interface %s on circuit %s: %w", d.id, d.circuit.Name, err)
	}
	defer site.Close()
	nl, err := netlink.NewHandleAt(site, unix.NETLINK_ROUTE)
	if err != nil {
		return fmt.Errorf("realize: netlink handle in %s: %w", d.circuit.Namespace, err)
	}
	defer nl.Close()
	// A router end left by a pass that failed half-way goes first; an
	// interface of that name in the site's namespace is the lab's own and
	// stays.
	if err := rt.delLink(d.ifRouter); err != nil {
		return err
	}
	if _, err := nl.LinkByName(d.circuit.Interface); err == nil {
		return fmt.Errorf("realize: circuit %s: %s already has an interface %s", d.circuit.Name, d.circuit.Namespace, d.circuit.Interface)
	} else if nf := (netlink.LinkNotFoundError{}); !errors.As(err, &nf) {
		return fmt.Errorf("realize: circuit %s: find %s in %s: %w", d.circuit.Name, d.circuit.Interface, d.circuit.Namespace, err)
	}
	v := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: d.ifRouter}, PeerName: d.circuit.Interface, PeerNamespace: netlink.NsFd(int(site))}
	if err := rt.nl.LinkAdd(v); err != nil {
		return fmt.Errorf("realize: create veth %s:%s -- %s:%s: %w", rt.name, d.ifRouter, d.circuit.Namespace, d.circuit.Interface, err)
	}
	if err := wireDX(rt, nl, d); err != nil {
		return errors.Join(fmt.Errorf("realize: virtual interface %s: %w", d.id, err), rt.delLink(d.ifRouter))
	}
	s.dx[d.id] = &liveDX{network: d.network, ifRouter: d.ifRouter, key: d.key}
	rt.key = ""
	return nil
}

// wireDX addresses both ends of a new line link, sets them up, and routes
// the network's prefixes from the site to the cloud's address: the
// stand-in for what AWS advertises over the virtual interface's BGP
// session.
// AWS: https://docs.aws.amazon.com/directconnect/latest/UserGuide/routing-and-bgp.html — AWS advertises the VPC CIDR over the private virtual interface's BGP session
func wireDX(rt *liveRouter, site *netlink.Handle, d *dxPlan) error {
	k, err := rt.link(d.ifRouter)
	if err != nil {
		return err
	}
	if err := rt.addAddr(k, d.cloud); err != nil {
		return err
	}
	if err := rt.up(k); err != nil {
		return err
	}
	end, err := site.LinkByName(d.circuit.Interface)
	if err != nil {
		return fmt.Errorf("%s: find %s: %w", d.circuit.Namespace, d.circuit.Interface, err)
	}
	if err := site.AddrAdd(end, &netlink.Addr{IPNet: ipNet(d.customer)}); err != nil {
		return fmt.Errorf("%s: add address %s to %s: %w", d.circuit.Namespace, d.customer, d.circuit.Interface, err)
	}
	if err := site.LinkSetUp(end); err != nil {
		return fmt.Errorf("%s: set %s up: %w", d.circuit.Namespace, d.circuit.Interface, err)
	}
	for _, c := range d.cidrs {
		route := &netlink.Route{Dst: ipNet(c), Gw: net.IP(d.cloud.Addr().AsSlice()), LinkIndex: end.Attrs().Index}
		if err := site.RouteAdd(route); err != nil {
			return fmt.Errorf("%s: route %s via %s dev %s: %w", d.circuit.Namespace, c, d.cloud.Addr(), d.circuit.Interface, err)
		}
	}
	return nil
}
