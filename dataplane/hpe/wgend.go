package hpe

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"

	"golang.org/x/time/rate"
	"golang.zx2c4.com/wireguard/conn"
	"golang.zx2c4.com/wireguard/tun"

	"github.com/mcnlab/mcnlab/dataplane/wg"
	"github.com/mcnlab/mcnlab/emulator/netns"
)

type wgKey = wg.Key

func newWGKey() (wg.Key, error) { return wg.GenerateKey() }

// wgOverhead is what WireGuard adds to an inner packet over IPv4: outer IP
// (20), UDP (8), data header (16) and Poly1305 tag (16).
const wgOverhead = 20 + 8 + 16 + 16

// wgEnd is one gateway's half of a WireGuard tunnel.
type wgEnd struct {
	t   *wg.Tunnel
	dev *meteredTUN
}

// newWGEnd creates the TUN device inside the side's namespace, sets it up
// and starts wireguard-go over it with one peer.
func newWGEnd(s *side, name string, mtu int, own, peer wg.Key, local, remote netip.AddrPort, peerPrefixes []netip.Prefix, rateLimit float64, logger *slog.Logger) (*wgEnd, error) {
	var tdev tun.Device
	err := netns.DoHandle(s.ns, func() error {
		var err error
		if tdev, err = tun.CreateTUN(name, mtu); err != nil {
			return fmt.Errorf("create TUN %s: %w", name, err)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("WireGuard end in %s: %w", s.cfg.Namespace, err)
	}
	// Up before wireguard-go watches it, so it sees no down/up flap.
	if err := s.setUp(name); err != nil {
		tdev.Close()
		return nil, err
	}
	m := newMeteredTUN(tdev, rateLimit)
	// The bind listens on all of the gateway namespace's addresses.
	t, err := wg.New(m, wg.NamespaceBind(conn.NewDefaultBind(), s.ns), logger)
	if err != nil {
		// wg.New closes the device on failure.
		return nil, fmt.Errorf("WireGuard end in %s: %w", s.cfg.Namespace, err)
	}
	cfg := wg.Config{PrivateKey: own, ListenPort: int(local.Port()), Peers: []wg.Peer{{
		PublicKey: peer.PublicKey(), Endpoint: remote, AllowedIPs: peerPrefixes,
	}}}
	if err := t.Apply(cfg); err != nil {
		t.Close()
		return nil, fmt.Errorf("WireGuard end in %s: %w", s.cfg.Namespace, err)
	}
	return &wgEnd{t: t, dev: m}, nil
}

func (e *wgEnd) Stats() EndStats { return e.dev.stats() }

func (e *wgEnd) Close() error { return e.t.Close() }

// meteredTUN counts the packets of a TUN device, returns the packet count
// from Write as tun.Device documents, and optionally caps the encrypting
// direction (what wireguard-go reads) with a token bucket, in bits of outer
// packets, as the ESP engine caps its own.
type meteredTUN struct {
	tun.Device
	limiter *rate.Limiter
	ctx     context.Context
	cancel  context.CancelFunc

	txPackets, txBytes, rxPackets, rxBytes atomic.Uint64
	closeOnce                              sync.Once
	closeErr                               error
}

func newMeteredTUN(d tun.Device, rateLimit float64) *meteredTUN {
	m := &meteredTUN{Device: d}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	if rateLimit > 0 {
		// The bucket holds 10 ms of traffic, and at least 64 KiB: a TUN
		// read returns a whole segmented TSO packet at once.
		m.limiter = rate.NewLimiter(rate.Limit(rateLimit), max(int(rateLimit/100), 8*(65536+128*wgOverhead)))
	}
	return m
}

func (m *meteredTUN) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	n, err := m.Device.Read(bufs, sizes, offset)
	bytes := 0
	for _, s := range sizes[:n] {
		bytes += s
	}
	m.txBytes.Add(uint64(bytes))
	m.txPackets.Add(uint64(n))
	if m.limiter != nil && n > 0 {
		bits := 8 * (bytes + n*wgOverhead)
		for bits > 0 {
			k := min(bits, m.limiter.Burst())
			if werr := m.limiter.WaitN(m.ctx, k); werr != nil {
				return 0, errors.Join(os.ErrClosed, werr)
			}
			bits -= k
		}
	}
	return n, err
}

func (m *meteredTUN) Write(bufs [][]byte, offset int) (int, error) {
	// Count before writing: the device coalesces packets in place (GRO).
	bytes := 0
	for _, b := range bufs {
		bytes += len(b) - offset
	}
	if _, err := m.Device.Write(bufs, offset); err != nil {
		return 0, err
	}
	m.rxBytes.Add(uint64(bytes))
	m.rxPackets.Add(uint64(len(bufs)))
	// tun.Device documents the packet count (wireguard-go's NativeTun
	// returns the bytes written instead); wireguard-go ignores it.
	return len(bufs), nil
}

func (m *meteredTUN) Close() error {
	m.closeOnce.Do(func() {
		m.cancel()
		m.closeErr = m.Device.Close()
	})
	return m.closeErr
}

func (m *meteredTUN) stats() EndStats {
	return EndStats{
		TxPackets: m.txPackets.Load(), TxBytes: m.txBytes.Load(),
		RxPackets: m.rxPackets.Load(), RxBytes: m.rxBytes.Load(),
	}
}
