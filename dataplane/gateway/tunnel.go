package gateway

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
	"golang.zx2c4.com/wireguard/conn"
	"golang.zx2c4.com/wireguard/tun"

	"github.com/mcnlab/mcnlab/dataplane/wg"
)

// Keepalive is the WireGuard persistent keepalive of every tunnel: it keeps
// the handshake fresh (the liveness hellos do too, far more often).
const Keepalive = 5 * time.Second

// everything is the allowed-IPs list of a tunnel: with one peer per
// device, the kernel's routes choose the tunnel, not WireGuard.
var everything = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")}

// tunnel is one peer's TUN interface and WireGuard device.
type tunnel struct {
	ifname string
	dev    wgDevice
	peer   netip.Addr // the peer's inner address: its routes' next hop
	live   *prober    // nil until the tunnel is configured
}

func wgConfig(key wg.Key, p Peer) wg.Config {
	return wg.Config{
		PrivateKey: key,
		ListenPort: int(p.ListenPort),
		Peers: []wg.Peer{{
			PublicKey:           p.PublicKey,
			Endpoint:            p.Endpoint,
			AllowedIPs:          everything,
			PersistentKeepalive: Keepalive,
		}},
	}
}

// openTunnel creates wg-<peer> with the peer's inner address, configures
// WireGuard, sets the link up and starts its liveness prober with hooks.
// On error it removes what it made.
func openTunnel(nl *netlink.Handle, key wg.Key, mtu int, p Peer, hooks proberHooks, logger *slog.Logger) (*tunnel, error) {
	ifname := p.Interface()
	tdev, err := tun.CreateTUN(ifname, mtu)
	if err != nil {
		return nil, fmt.Errorf("create tun %s: %w", ifname, err)
	}
	dev, err := wg.New(tdev, conn.NewDefaultBind(), logger.With("tunnel", ifname))
	if err != nil {
		tdev.Close()
		return nil, fmt.Errorf("tunnel %s: %w", ifname, err)
	}
	t := &tunnel{ifname: ifname, dev: dev, peer: p.PeerAddress}
	if err := t.configure(nl, key, mtu, p); err != nil {
		return nil, errors.Join(err, t.close())
	}
	t.live, err = startProber(netip.AddrPortFrom(p.Address.Addr(), LivenessPort), netip.AddrPortFrom(p.PeerAddress, LivenessPort),
		ProbeInterval, DetectMultiplier*ProbeInterval, hooks, logger.With("tunnel", ifname))
	if err != nil {
		return nil, errors.Join(fmt.Errorf("tunnel %s: %w", ifname, err), t.close())
	}
	return t, nil
}

// configure addresses the tunnel's interface and sets it up, then gives
// WireGuard its key and peer: in the other order, packets from a peer that
// is up already arrive before the interface is, and writing them to the
// TUN fails (EIO).
func (t *tunnel) configure(nl *netlink.Handle, key wg.Key, mtu int, p Peer) error {
	link, err := nl.LinkByName(t.ifname)
	if err != nil {
		return fmt.Errorf("tunnel %s: find link: %w", t.ifname, err)
	}
	addr := &netlink.Addr{IPNet: &net.IPNet{
		IP:   net.IP(p.Address.Addr().AsSlice()),
		Mask: net.CIDRMask(p.Address.Bits(), p.Address.Addr().BitLen()),
	}}
	if p.Address.Addr().Is6() {
		addr.Flags = unix.IFA_F_NODAD // usable at once for the BGP session
	}
	if err := nl.AddrAdd(link, addr); err != nil {
		return fmt.Errorf("tunnel %s: add address %s: %w", t.ifname, p.Address, err)
	}
	if link.Attrs().MTU != mtu {
		if err := nl.LinkSetMTU(link, mtu); err != nil {
			return fmt.Errorf("tunnel %s: set mtu %d: %w", t.ifname, mtu, err)
		}
	}
	if err := nl.LinkSetUp(link); err != nil {
		return fmt.Errorf("tunnel %s: set up: %w", t.ifname, err)
	}
	if err := t.dev.Apply(wgConfig(key, p)); err != nil {
		return fmt.Errorf("tunnel %s: %w", t.ifname, err)
	}
	return nil
}

// setMTU changes the interface's MTU.
func (t *tunnel) setMTU(nl *netlink.Handle, mtu int) error {
	link, err := nl.LinkByName(t.ifname)
	if err != nil {
		return fmt.Errorf("tunnel %s: find link: %w", t.ifname, err)
	}
	if err := nl.LinkSetMTU(link, mtu); err != nil {
		return fmt.Errorf("tunnel %s: set mtu %d: %w", t.ifname, mtu, err)
	}
	return nil
}

// packets reads the inner packets of the tunnel's TUN interface from the
// kernel's link counters: what wireguard-go writes to the TUN (decrypted,
// from the peer) the kernel counts as received, and what the kernel routes
// into the TUN (to be encrypted for the peer) as sent.
func (t *tunnel) packets(nl *netlink.Handle) (rx, tx uint64, err error) {
	link, err := nl.LinkByName(t.ifname)
	if err != nil {
		return 0, 0, fmt.Errorf("tunnel %s: find link: %w", t.ifname, err)
	}
	s := link.Attrs().Statistics
	if s == nil {
		return 0, 0, fmt.Errorf("tunnel %s: the kernel gave no link statistics", t.ifname)
	}
	return s.RxPackets, s.TxPackets, nil
}

// up reports whether the tunnel's liveness prober hears the peer.
func (t *tunnel) up() bool { return t.live != nil && t.live.Up() }

// close stops the prober and WireGuard and removes the TUN (closing its
// file deletes the interface, its address and its routes).
func (t *tunnel) close() error {
	var errs []error
	if t.live != nil {
		errs = append(errs, t.live.Close())
	}
	errs = append(errs, t.dev.Close())
	return errors.Join(errs...)
}
