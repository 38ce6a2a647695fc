package firenet

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/vishvananda/netlink"
	vnetns "github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/mcnlab/mcnlab/emulator/netns"
)

// Route is the policy routing of one firewall: packets with Mark look up
// Table (an ip rule of Priority), whose default route goes via the
// firewall's address on its link.
type Route struct {
	Mark     uint32
	Table    int
	Priority int
	Via      netip.Addr
	Link     string
}

// String is the route as `ip rule` and `ip route` (or `ip -6`) would
// list it, after the family.
func (r Route) String() string {
	fam := "ip"
	if r.Via.Is6() {
		fam = "ip6"
	}
	return fmt.Sprintf("%s rule pref %d fwmark 0x%x lookup %d; route table %d default via %s dev %s", fam, r.Priority, r.Mark, r.Table, r.Table, r.Via, r.Link)
}

// sameSlot says whether r and q occupy one kernel slot: one routing table
// and ip rule of one family.
func (r Route) sameSlot(q Route) bool { return r.Table == q.Table && r.Via.Is4() == q.Via.Is4() }

// Routes installs and removes firewalls' policy routing.
type Routes interface {
	// Set installs r (the rule and the route), replacing what was there
	// for its table and mark; it is idempotent.
	Set(r Route) error
	// Del removes r; what is not there is no error.
	Del(r Route) error
}

// KernelRoutes is Routes through nl, a netlink handle on the calling
// process's own namespace (a gateway daemon's); the caller closes nl
// after the Steerer.
func KernelRoutes(nl *netlink.Handle) Routes { return kernelRoutes{nl: nl, ns: -1} }

// kernelRoutes is Routes through a netlink handle into the gateway's
// namespace.
type kernelRoutes struct {
	nl *netlink.Handle
	ns vnetns.NsHandle // for the links' sysctls; -1: the caller's namespace
}

func family(a netip.Addr) int {
	if a.Is4() {
		return unix.AF_INET
	}
	return unix.AF_INET6
}

func (k kernelRoutes) rule(r Route) *netlink.Rule {
	rule := netlink.NewRule()
	rule.Family = family(r.Via)
	rule.Mark = r.Mark
	rule.Mask = func() *uint32 { m := uint32(0xffffffff); return &m }()
	rule.Table = r.Table
	rule.Priority = r.Priority
	return rule
}

// Set installs the rule, the route, and loose reverse-path filtering on
// the link (packets come back from the firewall with the far sources).
func (k kernelRoutes) Set(r Route) error {
	link, err := k.nl.LinkByName(r.Link)
	if err != nil {
		return fmt.Errorf("firenet: route via %s: link %s: %w", r.Via, r.Link, err)
	}
	bits := r.Via.BitLen()
	route := &netlink.Route{
		LinkIndex: link.Attrs().Index, Table: r.Table, Gw: net.IP(r.Via.AsSlice()),
		Dst: &net.IPNet{IP: make(net.IP, bits/8), Mask: net.CIDRMask(0, bits)}, Family: family(r.Via),
	}
	if err := k.nl.RouteReplace(route); err != nil {
		return fmt.Errorf("firenet: route table %d default via %s dev %s: %w", r.Table, r.Via, r.Link, err)
	}
	// The rule is whole in its attributes: one already there is this one
	// (never removed and added again, which would let marked packets
	// bypass the firewall in between).
	if err := k.nl.RuleAdd(k.rule(r)); err != nil && !errors.Is(err, unix.EEXIST) {
		return fmt.Errorf("firenet: rule fwmark 0x%x lookup %d: %w", r.Mark, r.Table, err)
	}
	if r.Via.Is4() {
		return k.sysctl("net/ipv4/conf/"+r.Link+"/rp_filter", "2")
	}
	return nil
}

// Del removes the rule and the route.
func (k kernelRoutes) Del(r Route) error {
	var errs []error
	if err := k.nl.RuleDel(k.rule(r)); err != nil && !errors.Is(err, unix.ENOENT) {
		errs = append(errs, fmt.Errorf("firenet: delete rule fwmark 0x%x: %w", r.Mark, err))
	}
	bits := r.Via.BitLen()
	route := &netlink.Route{Table: r.Table, Family: family(r.Via), Dst: &net.IPNet{IP: make(net.IP, bits/8), Mask: net.CIDRMask(0, bits)}}
	if err := k.nl.RouteDel(route); err != nil && !errors.Is(err, unix.ESRCH) && !errors.Is(err, unix.ENOENT) {
		errs = append(errs, fmt.Errorf("firenet: delete route table %d: %w", r.Table, err))
	}
	return errors.Join(errs...)
}

func (k kernelRoutes) sysctl(key, value string) error {
	write := func() error {
		if err := os.WriteFile("/proc/sys/"+key, []byte(value), 0o644); err != nil {
			return fmt.Errorf("firenet: sysctl %s: %w", key, err)
		}
		return nil
	}
	if k.ns < 0 {
		return write()
	}
	return netns.DoHandle(k.ns, write)
}

// slot is where a route lives: its table, in one family.
type slot struct {
	table int
	v6    bool
}

// FakeRoutes records the routes that are installed, for tests without
// root. It is safe for concurrent use.
type FakeRoutes struct {
	mu     sync.Mutex // guards the fields below
	routes map[slot]Route
	// FailSet, when set, makes Set fail with it.
	FailSet error
}

var _ Routes = (*FakeRoutes)(nil)

// Set records r under its table and family.
func (f *FakeRoutes) Set(r Route) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.FailSet != nil {
		return f.FailSet
	}
	if f.routes == nil {
		f.routes = map[slot]Route{}
	}
	f.routes[slot{r.Table, r.Via.Is6()}] = r
	return nil
}

// Del forgets r's table of its family.
func (f *FakeRoutes) Del(r Route) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.routes, slot{r.Table, r.Via.Is6()})
	return nil
}

// String lists the installed routes by table, one a line.
func (f *FakeRoutes) String() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var lines []string
	for _, r := range f.routes {
		lines = append(lines, r.String()+"\n")
	}
	slices.Sort(lines)
	return strings.Join(lines, "")
}
