package hpe

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"

	"golang.zx2c4.com/wireguard/tun"

	"github.com/mcnlab/mcnlab/dataplane/esp"
	"github.com/mcnlab/mcnlab/emulator/netns"
)

type espSA = esp.SA

// keySource hands out ESP SAs with random AES-256-GCM keys and salts and
// SPIs that are distinct within the group.
type keySource struct {
	spis map[uint32]bool
}

// sa returns a fresh SA for the direction local→remote.
func (k *keySource) sa(local, remote netip.AddrPort) (esp.SA, error) {
	if k.spis == nil {
		k.spis = map[uint32]bool{}
	}
	sa := esp.SA{Key: make([]byte, 32), ESN: true, Local: local, Remote: remote, ReplayWindow: 1024}
	if _, err := rand.Read(sa.Key); err != nil {
		return sa, fmt.Errorf("generate ESP key: %w", err)
	}
	if _, err := rand.Read(sa.Salt[:]); err != nil {
		return sa, fmt.Errorf("generate ESP salt: %w", err)
	}
	for sa.SPI < 256 || k.spis[sa.SPI] {
		// SPIs 1..255 are reserved by IANA (RFC 4303 section 2.1).
		var b [4]byte
		if _, err := rand.Read(b[:]); err != nil {
			return sa, fmt.Errorf("generate SPI: %w", err)
		}
		sa.SPI = binary.BigEndian.Uint32(b[:])
	}
	k.spis[sa.SPI] = true
	return sa, nil
}

// espEnd is one gateway's half of an ESP tunnel.
type espEnd struct {
	t       *esp.Tunnel
	drained sync.WaitGroup // the goroutine reading the TUN's events
}

// newESPEnd creates the TUN device and the UDP socket inside the side's
// namespace, sets the TUN up and starts the ESP engine with outbound SA out
// and inbound SA in.
func newESPEnd(s *side, name string, mtu int, out, in esp.SA, rateLimit float64) (*espEnd, error) {
	var tdev tun.Device
	var conn *net.UDPConn
	err := netns.DoHandle(s.ns, func() error {
		var err error
		if tdev, err = tun.CreateTUN(name, mtu); err != nil {
			return fmt.Errorf("create TUN %s: %w", name, err)
		}
		if conn, err = net.ListenUDP("udp4", net.UDPAddrFromAddrPort(out.Local)); err != nil {
			return fmt.Errorf("listen on %s: %w", out.Local, err)
		}
		return nil
	})
	if err != nil {
		closeAll(tdev, conn)
		return nil, fmt.Errorf("ESP end in %s: %w", s.cfg.Namespace, err)
	}
	e := &espEnd{}
	// The TUN reports link events on a small channel and blocks when
	// nobody reads it; the ESP engine does not, so drain it until the
	// TUN's Close closes it.
	e.drained.Add(1)
	go func() {
		defer e.drained.Done()
		for range tdev.Events() {
		}
	}()
	if err := s.setUp(name); err != nil {
		closeAll(tdev, conn)
		e.drained.Wait()
		return nil, err
	}
	e.t, err = esp.New(esp.Config{TUN: tdev, Conn: conn, Outbound: out, Inbound: []esp.SA{in}, RateLimit: rateLimit})
	if err != nil {
		closeAll(tdev, conn)
		e.drained.Wait()
		return nil, fmt.Errorf("ESP end in %s: %w", s.cfg.Namespace, err)
	}
	if err := e.t.Start(); err != nil {
		return nil, errors.Join(err, e.Close())
	}
	return e, nil
}

func closeAll(tdev tun.Device, conn *net.UDPConn) {
	if tdev != nil {
		tdev.Close()
	}
	if conn != nil {
		conn.Close()
	}
}

func (e *espEnd) Stats() EndStats {
	s := e.t.Stats()
	return EndStats{TxPackets: s.TxPackets, TxBytes: s.TxBytes, RxPackets: s.RxPackets, RxBytes: s.RxBytes}
}

func (e *espEnd) Close() error {
	err := e.t.Close()
	e.drained.Wait()
	return err
}
