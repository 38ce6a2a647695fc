package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"

	"github.com/google/nftables"
	"github.com/vishvananda/netlink"
	vnetns "github.com/vishvananda/netns"

	"github.com/mcnlab/mcnlab/dataplane/bfd"
	"github.com/mcnlab/mcnlab/dataplane/bgp"
	"github.com/mcnlab/mcnlab/dataplane/fib"
	"github.com/mcnlab/mcnlab/dataplane/firenet"
	"github.com/mcnlab/mcnlab/dataplane/flowexport"
	"github.com/mcnlab/mcnlab/dataplane/policy"
	"github.com/mcnlab/mcnlab/dataplane/wg"
)

// The engine reaches the kernel and its protocols only through the
// interfaces below, one per component: the tunnels' devices (tunnelSys,
// wgDevice), the neighbours' overlays (overlaySys) and BFD sessions
// (bfdSys), the BGP speaker (speaker), the routes (routeTable) and the policy's nftables calls
// (policy.Conn). kernelSys is the real implementation; the tests' fakeSys
// records the calls, so that Apply's decisions are table-tested without
// root.

// sys is the set of side effects an engine uses.
type sys struct {
	tunnels  tunnelSys
	overlays overlaySys
	bfd      bfdSys
	nft      policy.Conn
	fib      routeTable
	// firenet is what a FireNet steerer uses (firenet.go): an nftables
	// connection of its own, since its health checks replace its table
	// from their goroutine while an Apply may be batching on nft.
	firenet firenet.Deps
	// startFlows starts a flow export (flows.go); the engine closes it.
	// nil refuses a Config with one.
	startFlows func(cfg flowexport.Config, domain func(netip.Addr) string, log *slog.Logger) (flowExporter, error)
	// newSpeaker starts a BGP speaker; the engine closes it.
	newSpeaker func(context.Context, bgp.Config) (speaker, error)
	// close releases what the sys holds (after the engine closed
	// everything it made through it).
	close func()
}

// tunnelSys makes a peer's tunnel and changes its interface.
type tunnelSys interface {
	// open creates p's tunnel (interface, address, WireGuard, liveness
	// prober with hooks); on error it removes what it made. The caller
	// closes the tunnel.
	open(key wg.Key, mtu int, p Peer, hooks proberHooks) (*tunnel, error)
	// setMTU changes the tunnel's interface MTU.
	setMTU(t *tunnel, mtu int) error
	// packets counts the inner packets the tunnel's interface carried:
	// received from the peer and sent to it.
	packets(t *tunnel) (rx, tx uint64, err error)
}

// wgDevice is a tunnel's WireGuard device (*wg.Tunnel).
type wgDevice interface {
	// Apply makes cfg the device's configuration; it is idempotent.
	Apply(cfg wg.Config) error
	Stats() ([]wg.PeerStats, error)
	// Close stops the device and removes its interface.
	Close() error
}

// overlaySys makes and removes neighbours' VXLAN overlays (vxlan.go).
type overlaySys interface {
	// openVXLAN makes n's overlay, replacing one of the same name.
	openVXLAN(n Neighbor) error
	// closeVXLAN removes n's overlay; one that is not there is no error.
	closeVXLAN(n Neighbor) error
}

// bfdSys starts the neighbours' BFD sessions (bfd.go).
type bfdSys interface {
	// localAddress is the address the kernel sends to peer from.
	localAddress(peer netip.Addr) (netip.Addr, error)
	// start starts a session; on error nothing is left running. The
	// caller closes the session.
	start(cfg bfd.Config) (bfdSession, error)
}

// bfdSession is a running BFD session (*bfd.Session).
type bfdSession interface {
	Peer() netip.Addr
	Stats() bfd.Stats
	// Close stops the session; it is idempotent.
	Close() error
}

// speaker is the BGP speaker calls the engine makes (*bgp.Speaker).
type speaker interface {
	AddPeer(ctx context.Context, pc bgp.PeerConfig) error
	UpdatePeer(ctx context.Context, pc bgp.PeerConfig) error
	DeletePeer(ctx context.Context, addr netip.Addr) error
	Advertise(ctx context.Context, prefix netip.Prefix, nextHop netip.Addr) error
	Withdraw(ctx context.Context, prefix netip.Prefix) error
	// NextHops folds the best paths that keep accepts into the FIB's
	// prefix → next hops form.
	NextHops(ctx context.Context, keep func(bgp.Path) bool) (map[netip.Prefix][]netip.Addr, error)
	Peers(ctx context.Context) ([]bgp.PeerState, error)
	Established(ctx context.Context) (map[netip.Addr]bool, error)
	// Watch and WatchSessions call fn on changes until ctx ends or the
	// speaker closes (bgp.ErrClosed).
	Watch(ctx context.Context, fn func([]bgp.PathEvent)) error
	WatchSessions(ctx context.Context, fn func()) error
	// Close stops the speaker; its sessions close.
	Close() error
}

// speakerRef holds a speaker in an atomic.Pointer.
type speakerRef struct{ speaker }

// routeTable is the routes the engine installs (*fib.FIB).
type routeTable interface {
	Sync(ctx context.Context, desired map[netip.Prefix][]netip.Addr) error
	Routes() (map[netip.Prefix][]netip.Addr, error)
	// Version changes whenever Routes may have changed.
	Version() uint64
	// Invalidate makes the next Sync read the kernel instead of trusting
	// what it last installed.
	Invalidate()
	// Close removes the routes it installed.
	Close() error
}

// kernelSys is sys on the kernel of the calling process's namespace.
func kernelSys(logger *slog.Logger) (sys, error) {
	nl, err := netlink.NewHandle()
	if err != nil {
		return sys{}, fmt.Errorf("netlink handle: %w", err)
	}
	nc, err := nftables.New()
	if err != nil {
		nl.Close()
		return sys{}, fmt.Errorf("nftables: %w", err)
	}
	fnc, err := nftables.New()
	if err != nil {
		nl.Close()
		return sys{}, fmt.Errorf("nftables: %w", err)
	}
	return sys{
		tunnels:    kernelTunnels{nl: nl, log: logger},
		overlays:   kernelOverlays{nl: nl},
		bfd:        kernelBFD{},
		nft:        nc,
		fib:        splitFIB{main: fib.New(nl, vnetns.None(), fib.Options{}), defaults: newDefaultsTable(nl, vnetns.None())},
		firenet:    firenet.Deps{NFT: fnc, Routes: firenet.KernelRoutes(nl), Probe: firenet.ICMPProber(-1)},
		startFlows: kernelFlows,
		newSpeaker: func(ctx context.Context, c bgp.Config) (speaker, error) {
			sp, err := bgp.New(ctx, c)
			if err != nil {
				return nil, err
			}
			return sp, nil
		},
		close: nl.Close,
	}, nil
}

// kernelTunnels makes TUN interfaces with wireguard-go (tunnel.go).
type kernelTunnels struct {
	nl  *netlink.Handle
	log *slog.Logger
}

func (k kernelTunnels) open(key wg.Key, mtu int, p Peer, hooks proberHooks) (*tunnel, error) {
	return openTunnel(k.nl, key, mtu, p, hooks, k.log)
}

func (k kernelTunnels) setMTU(t *tunnel, mtu int) error { return t.setMTU(k.nl, mtu) }

func (k kernelTunnels) packets(t *tunnel) (rx, tx uint64, err error) { return t.packets(k.nl) }

// kernelOverlays makes VXLAN interfaces (vxlan.go).
type kernelOverlays struct{ nl *netlink.Handle }

func (k kernelOverlays) openVXLAN(n Neighbor) error  { return openVXLAN(k.nl, n) }
func (k kernelOverlays) closeVXLAN(n Neighbor) error { return closeVXLAN(k.nl, n) }

// kernelBFD runs dataplane/bfd sessions on UDP sockets.
type kernelBFD struct{}

func (kernelBFD) localAddress(peer netip.Addr) (netip.Addr, error) { return bfd.LocalAddressFor(peer) }

func (kernelBFD) start(cfg bfd.Config) (bfdSession, error) {
	s, err := bfd.New(cfg)
	if err != nil {
		return nil, err
	}
	if err := s.Start(); err != nil {
		return nil, errors.Join(err, s.Close())
	}
	return s, nil
}

var (
	_ bfdSession = (*bfd.Session)(nil)
	_ speaker    = (*bgp.Speaker)(nil)
	_ routeTable = (*fib.FIB)(nil)
	_ wgDevice   = (*wg.Tunnel)(nil)
)
