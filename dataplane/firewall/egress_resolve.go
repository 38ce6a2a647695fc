package firewall

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// Resolver finds the MAC addresses of neighbours on a link by neighbour
// resolution (ARP): what the firewall does for a return gateway whose
// MAC address its cloud's API does not report (GCP's network interfaces
// have no MAC field). kernelRouter implements it.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/instances — a network interface has no MAC address field
type Resolver interface {
	// Resolve returns the MAC address of each of addrs that answers on
	// link dev before ctx ends; those that do not are left out.
	Resolve(ctx context.Context, dev string, addrs []netip.Addr) (map[netip.Addr]net.HardwareAddr, error)
}

// ResolveTimeout bounds the neighbour resolution of one Apply.
const ResolveTimeout = 3 * time.Second

// resolveGateways returns cfg with the MAC address of each return
// gateway that has none resolved on the LAN link by e's router (a
// Resolver); a gateway that does not answer is left out (it steers
// nothing while it is down) and logged. Two gateways answering with one
// MAC address cannot be told apart by the return chains: an error. cfg's
// own slices are not changed.
func (e *Engine) resolveGateways(cfg Config) (Config, error) {
	eg := cfg.Egress
	if eg == nil || !slices.ContainsFunc(eg.Gateways, func(g ReturnGateway) bool { return len(g.MAC) == 0 }) {
		return cfg, nil
	}
	r, ok := e.router.(Resolver)
	if !ok {
		return cfg, errors.New("firewall: egress gateways without MAC addresses, and this engine's router cannot resolve them")
	}
	var addrs []netip.Addr
	for _, g := range eg.Gateways {
		if len(g.MAC) == 0 {
			addrs = append(addrs, g.Addr)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), ResolveTimeout)
	defer cancel()
	macs, err := r.Resolve(ctx, eg.LAN, addrs)
	if err != nil {
		return cfg, err
	}
	out := *eg
	out.Gateways = nil
	owner := map[string]netip.Addr{}
	for _, g := range eg.Gateways {
		if len(g.MAC) == 0 {
			if g.MAC = macs[g.Addr]; len(g.MAC) == 0 {
				slog.Warn("firewall: egress gateway does not answer neighbour resolution; its flows' replies follow the main routing", "gateway", g.Addr, "link", eg.LAN)
				continue
			}
		}
		if o, dup := owner[g.MAC.String()]; dup {
			return cfg, fmt.Errorf("firewall: egress gateways %s and %s have one MAC address %s on %s: their flows cannot be told apart", o, g.Addr, g.MAC, eg.LAN)
		}
		owner[g.MAC.String()] = g.Addr
		out.Gateways = append(out.Gateways, g)
	}
	cfg.Egress = &out
	return cfg, nil
}

// Resolve asks the kernel to resolve each address on dev (a neighbour
// entry with NTF_USE: as a packet to it would, it sends ARP requests) and
// polls the neighbour table until each has a link-layer address or ctx
// ends.
func (k kernelRouter) Resolve(ctx context.Context, dev string, addrs []netip.Addr) (map[netip.Addr]net.HardwareAddr, error) {
	l, err := k.nl.LinkByName(dev)
	if err != nil {
		return nil, fmt.Errorf("firewall: resolve on %s: %w", dev, err)
	}
	out := map[netip.Addr]net.HardwareAddr{}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for i := 0; ; i++ {
		if i%10 == 0 { // again every 200 ms: a lost request is asked again
			for _, a := range addrs {
				if _, ok := out[a]; ok {
					continue
				}
				n := &netlink.Neigh{LinkIndex: l.Attrs().Index, Family: netlink.FAMILY_V4, IP: net.IP(a.AsSlice()), Flags: unix.NTF_USE}
				if err := k.nl.NeighSet(n); err != nil {
					return nil, fmt.Errorf("firewall: resolve %s on %s: %w", a, dev, err)
				}
			}
		}
		ns, err := k.nl.NeighList(l.Attrs().Index, netlink.FAMILY_V4)
		if err != nil {
			return nil, fmt.Errorf("firewall: neighbours of %s: %w", dev, err)
		}
		for _, n := range ns {
			a, ok := netip.AddrFromSlice(n.IP.To4())
			if ok && slices.Contains(addrs, a) && len(n.HardwareAddr) == 6 && n.State&(netlink.NUD_INCOMPLETE|netlink.NUD_FAILED) == 0 {
				out[a] = n.HardwareAddr
			}
		}
		if len(out) == len(addrs) {
			return out, nil
		}
		select {
		case <-ctx.Done():
			return out, nil
		case <-tick.C:
		}
	}
}
