package realize

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"strconv"
	"strings"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/emulator/netns"
)

// Uplink is an on-prem site's link to the lab's emulated internet, over
// which its edge router reaches a cloud's public addresses (an encrypted
// tunnel to a transit gateway's elastic IP). The realizer creates a veth
// between the internet namespace (interface u-<Name>, or u-<index> when
// Name does not fit, holding the first usable address of Address's prefix)
// and the site's namespace Namespace (interface Interface, holding
// Address), sets both ends up, and gives the site a default route via the
// internet's end. It deletes that link again on Close, and never creates
// or deletes the namespace, which the lab owns.
type Uplink struct {
	Name      string       // names the uplink in errors and its internet-side interface
	Namespace string       // the site's namespace: mcn-..., the lab's
	Interface string       // the uplink's interface in Namespace, made by the realizer
	Address   netip.Prefix // the site's public address, with the link's prefix length
}

// UplinkSpace is the address space recommended for uplinks: TEST-NET-2
// (RFC 5737), carved in /30s, the internet's end first: 198.51.100.1 and
// the site's 198.51.100.2/30, then 198.51.100.5 and 198.51.100.6/30, ...
var UplinkSpace = netip.MustParsePrefix("198.51.100.0/24")

// reservedSpace is what an uplink's prefix must not overlap: what the
// internet namespace uses already, and what is no public unicast space.
var reservedSpace = []struct {
	prefix netip.Prefix
	what   string
}{
	{netip.MustParsePrefix("192.0.2.0/24"), "the emulated internet's servers (TEST-NET-1)"},
	{netip.MustParsePrefix("203.0.113.0/24"), "the elastic IP pool (TEST-NET-3)"}, // cloudmock/model's publicPool
	{linkPool, "the lab's internal links"},
	{model.ServiceSpace, "the AWS service endpoints of the lab's managed prefix lists (S3, DynamoDB)"},
	{netip.MustParsePrefix("10.0.0.0/8"), "private space (RFC 1918), where VPCs live"},
	{netip.MustParsePrefix("172.16.0.0/12"), "private space (RFC 1918), where VPCs live"},
	{netip.MustParsePrefix("192.168.0.0/16"), "private space (RFC 1918), where VPCs live"},
	{netip.MustParsePrefix("100.64.0.0/10"), "shared address space (RFC 6598)"},
	{netip.MustParsePrefix("0.0.0.0/8"), "\"this network\" (RFC 791)"},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local space"},
	{netip.MustParsePrefix("224.0.0.0/3"), "multicast and reserved space"},
}

// uplinkNameRE is what a name must match to name the internet's end
// u-<name> within the kernel's 15 bytes; other names give u-<index>.
var uplinkNameRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,13}$`)

// uplinkPlan is an uplink with its internet-side end resolved.
type uplinkPlan struct {
	Uplink
	ifInet string       // the internet namespace's end
	inet   netip.Prefix // its address: the first usable one of Address's prefix
}

// CheckUplinks checks uplinks as New does, before anything touches the
// kernel: each has a name, a lab namespace (mcn-...), a valid interface
// name, and an IPv4 address that is a usable host of a /30 or larger
// prefix other than its first usable address (the internet's end), the
// prefix overlapping neither another uplink's nor what the internet
// already uses (UplinkSpace is the recommended space); names and internet
// interfaces are unique and each namespace has one uplink (its default
// route).
func CheckUplinks(uplinks []Uplink) error {
	_, err := planUplinks(uplinks)
	return err
}

// planUplinks checks uplinks (CheckUplinks) and resolves their ends.
func planUplinks(uplinks []Uplink) ([]uplinkPlan, error) {
	var out []uplinkPlan
	names := map[string]bool{}
	ifs := map[string]string{}        // internet interface -> uplink
	namespaces := map[string]string{} // site namespace -> uplink
	for i, u := range uplinks {
		inet, err := checkUplink(u)
		if err != nil {
			return nil, err
		}
		if names[u.Name] {
			return nil, fmt.Errorf("uplink %s: two uplinks have that name", u.Name)
		}
		names[u.Name] = true
		if other, ok := namespaces[u.Namespace]; ok {
			return nil, fmt.Errorf("uplink %s: namespace %s has uplink %s already (one per site: it holds the default route)", u.Name, u.Namespace, other)
		}
		namespaces[u.Namespace] = u.Name
		ifInet := "u-" + u.Name
		if !uplinkNameRE.MatchString(u.Name) {
			ifInet = "u-" + strconv.Itoa(i)
		}
		if other, ok := ifs[ifInet]; ok {
			return nil, fmt.Errorf("uplink %s: its internet interface %s is uplink %s's; rename one", u.Name, ifInet, other)
		}
		ifs[ifInet] = u.Name
		for _, o := range out {
			if o.Address.Masked().Overlaps(u.Address.Masked()) {
				return nil, fmt.Errorf("uplink %s: %s overlaps uplink %s's %s; give each uplink a /30 of its own in %s", u.Name, u.Address.Masked(), o.Name, o.Address.Masked(), UplinkSpace)
			}
		}
		out = append(out, uplinkPlan{Uplink: u, ifInet: ifInet, inet: inet})
	}
	return out, nil
}

// checkUplink checks one uplink's fields and returns the internet end's
// address.
func checkUplink(u Uplink) (netip.Prefix, error) {
	hint := fmt.Sprintf("give a /30 of %s, as 198.51.100.2/30 (the internet's end is then 198.51.100.1)", UplinkSpace)
	switch {
	case u.Name == "":
		return netip.Prefix{}, errors.New("uplink: an uplink needs a name")
	case !strings.HasPrefix(u.Namespace, "mcn-") || strings.ContainsAny(u.Namespace, "/ \t\n"):
		return netip.Prefix{}, fmt.Errorf("uplink %s: namespace %q is not a lab namespace (mcn-...)", u.Name, u.Namespace)
	case u.Interface == "" || len(u.Interface) > 15 || u.Interface == "." || u.Interface == ".." ||
		strings.ContainsAny(u.Interface, "/: \t\n"):
		return netip.Prefix{}, fmt.Errorf("uplink %s: %q is not an interface name (1 to 15 bytes, no '/', ':' or spaces)", u.Name, u.Interface)
	case !u.Address.IsValid() || !u.Address.Addr().Is4():
		return netip.Prefix{}, fmt.Errorf("uplink %s: address %s is not an IPv4 address with a prefix length; %s", u.Name, u.Address, hint)
	case u.Address.Bits() > 30:
		return netip.Prefix{}, fmt.Errorf("uplink %s: %s is longer than a /30, which leaves no room for the internet's end; %s", u.Name, u.Address, hint)
	}
	for _, r := range reservedSpace {
		if r.prefix.Overlaps(u.Address.Masked()) {
			return netip.Prefix{}, fmt.Errorf("uplink %s: %s overlaps %s, %s; %s", u.Name, u.Address.Masked(), r.prefix, r.what, hint)
		}
	}
	network := u.Address.Masked().Addr()
	first := network.Next()
	last := broadcast(u.Address)
	switch a := u.Address.Addr(); a {
	case network, last:
		return netip.Prefix{}, fmt.Errorf("uplink %s: %s is the network or broadcast address of %s; %s", u.Name, a, u.Address.Masked(), hint)
	case first:
		return netip.Prefix{}, fmt.Errorf("uplink %s: %s is the first usable address of %s, the internet's end; take another (as %s)", u.Name, a, u.Address.Masked(), first.Next())
	}
	return netip.PrefixFrom(first, u.Address.Bits()), nil
}

// broadcast returns the last address of an IPv4 prefix.
func broadcast(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().As4()
	n := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	n |= 1<<(32-p.Bits()) - 1
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)})
}

// checkUplinkEnds refuses an uplink whose site interface is a circuit's.
func checkUplinkEnds(uplinks []uplinkPlan, circuits []Circuit) error {
	for _, u := range uplinks {
		for _, c := range circuits {
			if c.Namespace == u.Namespace && c.Interface == u.Interface {
				return fmt.Errorf("uplink %s: interface %s in %s is the end of circuit %s", u.Name, u.Interface, u.Namespace, c.Name)
			}
		}
	}
	return nil
}

// ensureUplinks makes every uplink that is not live; the internet
// namespace exists.
func (r *Realizer) ensureUplinks() error {
	s := r.live
	for _, u := range r.uplinks {
		if s.uplinks[u.ifInet] {
			continue
		}
		if err := makeUplink(s.inet, u); err != nil {
			return fmt.Errorf("realize: uplink %s: %w", u.Name, err)
		}
		s.uplinks[u.ifInet] = true
	}
	return nil
}

// removeUplinks deletes the uplinks' internet ends, and with them the
// sites' ends and default routes, at once (a deleted namespace's links go
// only when the kernel frees it).
func (s *liveState) removeUplinks() error {
	var errs []error
	for name := range s.uplinks {
		if s.inet != nil {
			errs = append(errs, s.inet.delLink(name))
		}
		delete(s.uplinks, name)
	}
	return errors.Join(errs...)
}

// makeUplink creates an uplink's veth, addresses both ends, sets them up
// and routes the site's default via the internet's end. On failure it
// deletes what it made.
func makeUplink(inet *liveNS, u uplinkPlan) error {
	site, err := netns.Open(u.Namespace)
	if err != nil {
		return err
	}
	defer site.Close()
	nl, err := netlink.NewHandleAt(site, unix.NETLINK_ROUTE)
	if err != nil {
		return fmt.Errorf("netlink handle in %s: %w", u.Namespace, err)
	}
	defer nl.Close()
	// An internet end left by a pass that failed half-way goes first (its
	// site end with it); an interface of that name in the site's namespace
	// is the lab's own and stays.
	if err := inet.delLink(u.ifInet); err != nil {
		return err
	}
	if _, err := nl.LinkByName(u.Interface); err == nil {
		return fmt.Errorf("%s already has an interface %s", u.Namespace, u.Interface)
	} else if nf := (netlink.LinkNotFoundError{}); !errors.As(err, &nf) {
		return fmt.Errorf("find %s in %s: %w", u.Interface, u.Namespace, err)
	}
	v := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: u.ifInet}, PeerName: u.Interface, PeerNamespace: netlink.NsFd(int(site))}
	if err := inet.nl.LinkAdd(v); err != nil {
		return fmt.Errorf("create veth %s:%s -- %s:%s: %w", inet.name, u.ifInet, u.Namespace, u.Interface, err)
	}
	if err := wireUplink(inet, nl, u); err != nil {
		return errors.Join(err, inet.delLink(u.ifInet))
	}
	return nil
}

// wireUplink addresses and raises both ends of a new uplink and gives the
// site its default route to the internet.
func wireUplink(inet *liveNS, site *netlink.Handle, u uplinkPlan) error {
	k, err := inet.link(u.ifInet)
	if err != nil {
		return err
	}
	if err := inet.addAddr(k, u.inet); err != nil {
		return err
	}
	if err := inet.up(k); err != nil {
		return err
	}
	end, err := site.LinkByName(u.Interface)
	if err != nil {
		return fmt.Errorf("%s: find %s: %w", u.Namespace, u.Interface, err)
	}
	if err := site.AddrAdd(end, &netlink.Addr{IPNet: ipNet(u.Address)}); err != nil {
		return fmt.Errorf("%s: add address %s to %s: %w", u.Namespace, u.Address, u.Interface, err)
	}
	if err := site.LinkSetUp(end); err != nil {
		return fmt.Errorf("%s: set %s up: %w", u.Namespace, u.Interface, err)
	}
	def := &netlink.Route{Dst: ipNet(netip.MustParsePrefix("0.0.0.0/0")), Gw: net.IP(u.inet.Addr().AsSlice()), LinkIndex: end.Attrs().Index}
	if err := site.RouteAdd(def); err != nil {
		if errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("%s: default route via %s: the site has a default route already", u.Namespace, u.inet.Addr())
		}
		return fmt.Errorf("%s: default route via %s dev %s: %w", u.Namespace, u.inet.Addr(), u.Interface, err)
	}
	return nil
}
