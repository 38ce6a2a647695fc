package wg

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.zx2c4.com/wireguard/conn"
	"golang.zx2c4.com/wireguard/device"
	"golang.zx2c4.com/wireguard/tun"
)

// DefaultMTU is the MTU for a tunnel's TUN device: a 1500-byte underlay
// minus the worst-case encapsulation, which is an IPv6 outer header (40),
// UDP (8) and WireGuard's data header (16) plus its Poly1305 tag (16):
// 1500 - 80 = 1420, the value wg-quick uses. An inner packet of this size
// never needs fragmenting on a 1500-byte path.
const DefaultMTU = 1420

// ErrClosed is returned by calls on a closed Tunnel.
var ErrClosed = errors.New("wireguard tunnel closed")

// Config is a tunnel's whole desired configuration.
type Config struct {
	// PrivateKey is this end's key.
	PrivateKey Key
	// ListenPort is the UDP port; 0 picks a free one.
	ListenPort int
	// Peers are the remote ends, one per public key.
	Peers []Peer
}

// Peer is one remote end.
type Peer struct {
	// PublicKey identifies the peer.
	PublicKey Key
	// Endpoint is where to send; invalid waits for the peer to reach us.
	Endpoint netip.AddrPort
	// AllowedIPs are the inner prefixes routed to, and accepted from, the
	// peer.
	AllowedIPs []netip.Prefix
	// PersistentKeepalive, when non-zero, sends a keepalive this often
	// (whole seconds) to hold NAT state and prove liveness.
	PersistentKeepalive time.Duration
}

// PeerStats is a peer's traffic counters.
type PeerStats struct {
	PublicKey Key
	// Endpoint is the peer's current address, learned or configured.
	Endpoint netip.AddrPort
	// RxBytes and TxBytes count encrypted bytes received and sent.
	RxBytes, TxBytes uint64
	// LastHandshake is when the current session was made; zero if never.
	LastHandshake time.Time
}

// Tunnel is one WireGuard interface. Its methods are safe for concurrent
// use.
type Tunnel struct {
	dev *device.Device

	mu      sync.Mutex // guards the fields below
	applied *Config    // last applied configuration; nil before the first
	closed  bool
}

// New starts a WireGuard device over tdev and bind. The Tunnel owns both:
// Close closes them. logger may be nil.
func New(tdev tun.Device, bind conn.Bind, logger *slog.Logger) (*Tunnel, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	wlog := &device.Logger{
		Verbosef: func(format string, args ...any) {
			logger.Debug("wireguard: " + fmt.Sprintf(format, args...))
		},
		Errorf: func(format string, args ...any) {
			logger.Error("wireguard: " + fmt.Sprintf(format, args...))
		},
	}
	dev := device.NewDevice(tdev, bind, wlog)
	if err := dev.Up(); err != nil {
		dev.Close()
		return nil, fmt.Errorf("wireguard up: %w", err)
	}
	return &Tunnel{dev: dev}, nil
}

// Apply makes the device's configuration equal cfg, touching only what
// changed: a removed peer is removed, a new one added, a changed one
// updated in place, and an unchanged one left alone, so its session and
// counters survive. A new private key ends every session.
func (t *Tunnel) Apply(cfg Config) error {
	if cfg.PrivateKey.IsZero() {
		return errors.New("wireguard apply: private key must be set")
	}
	if cfg.ListenPort < 0 || cfg.ListenPort > 65535 {
		return fmt.Errorf("wireguard apply: listen port %d out of range", cfg.ListenPort)
	}
	seen := make(map[Key]bool)
	for _, p := range cfg.Peers {
		if p.PublicKey.IsZero() || seen[p.PublicKey] {
			return fmt.Errorf("wireguard apply: peer key %s unset or given twice", p.PublicKey)
		}
		seen[p.PublicKey] = true
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return fmt.Errorf("wireguard apply: %w", ErrClosed)
	}
	uapi := uapiDelta(t.applied, &cfg)
	if uapi != "" {
		if err := t.dev.IpcSet(uapi); err != nil {
			// Part of the change may have landed. Forget what was
			// applied except which peers the device now has, so the
			// next Apply re-sends every setting and removes extras.
			t.applied = t.readBackLocked()
			return fmt.Errorf("wireguard apply: %w", err)
		}
	}
	c := cloneConfig(cfg)
	t.applied = &c
	return nil
}

// uapiDelta writes the UAPI set operation turning old (nil: a fresh device)
// into cfg, never with replace_peers.
func uapiDelta(old, cfg *Config) string {
	var b strings.Builder
	set := func(k, v string) { fmt.Fprintf(&b, "%s=%s\n", k, v) }
	if old == nil || old.PrivateKey != cfg.PrivateKey {
		set("private_key", cfg.PrivateKey.hex())
	}
	if old == nil || old.ListenPort != cfg.ListenPort {
		set("listen_port", strconv.Itoa(cfg.ListenPort))
	}
	oldPeers := make(map[Key]Peer)
	if old != nil {
		for _, p := range old.Peers {
			oldPeers[p.PublicKey] = p
		}
	}
	keep := make(map[Key]bool)
	for _, p := range cfg.Peers {
		keep[p.PublicKey] = true
		prev, existed := oldPeers[p.PublicKey]
		if existed && peerEqual(prev, p) {
			continue
		}
		set("public_key", p.PublicKey.hex())
		if existed {
			set("update_only", "true")
		}
		if p.Endpoint.IsValid() {
			set("endpoint", p.Endpoint.String())
		}
		set("persistent_keepalive_interval", strconv.Itoa(int(p.PersistentKeepalive/time.Second)))
		set("replace_allowed_ips", "true")
		for _, a := range p.AllowedIPs {
			set("allowed_ip", a.Masked().String())
		}
	}
	if old != nil {
		for _, p := range old.Peers {
			if !keep[p.PublicKey] {
				set("public_key", p.PublicKey.hex())
				set("remove", "true")
			}
		}
	}
	return b.String()
}

func peerEqual(a, b Peer) bool {
	return a.PublicKey == b.PublicKey && a.Endpoint == b.Endpoint &&
		a.PersistentKeepalive/time.Second == b.PersistentKeepalive/time.Second &&
		slices.Equal(a.AllowedIPs, b.AllowedIPs)
}

func cloneConfig(c Config) Config {
	c.Peers = slices.Clone(c.Peers)
	for i := range c.Peers {
		c.Peers[i].AllowedIPs = slices.Clone(c.Peers[i].AllowedIPs)
	}
	return c
}

// readBackLocked returns a configuration naming the device's peers and
// nothing else, so uapiDelta against it re-sends everything.
func (t *Tunnel) readBackLocked() *Config {
	text, err := t.dev.IpcGet()
	if err != nil {
		return nil
	}
	_, peers, err := parseUAPIGet(text)
	if err != nil {
		return nil
	}
	c := &Config{ListenPort: -1}
	for _, p := range peers {
		c.Peers = append(c.Peers, Peer{PublicKey: p.PublicKey, PersistentKeepalive: -time.Second})
	}
	return c
}

// ListenPort returns the UDP port the device listens on (useful after
// ListenPort 0).
func (t *Tunnel) ListenPort() (uint16, error) {
	dev, _, err := t.get()
	if err != nil {
		return 0, err
	}
	port, err := strconv.ParseUint(dev["listen_port"], 10, 16)
	if err != nil {
		return 0, fmt.Errorf("wireguard listen port %q: %w", dev["listen_port"], err)
	}
	return uint16(port), nil
}

// Stats returns every peer's counters, in the order of the last Apply.
func (t *Tunnel) Stats() ([]PeerStats, error) {
	_, peers, err := t.get()
	if err != nil {
		return nil, err
	}
	return peers, nil
}

// get reads the device with IpcGet: the device-wide keys, and the peers.
func (t *Tunnel) get() (map[string]string, []PeerStats, error) {
	t.mu.Lock()
	closed := t.closed
	var order []Key
	if t.applied != nil {
		for _, p := range t.applied.Peers {
			order = append(order, p.PublicKey)
		}
	}
	t.mu.Unlock()
	if closed {
		return nil, nil, fmt.Errorf("wireguard get: %w", ErrClosed)
	}
	text, err := t.dev.IpcGet()
	if err != nil {
		return nil, nil, fmt.Errorf("wireguard get: %w", err)
	}
	dev, peers, err := parseUAPIGet(text)
	if err != nil {
		return nil, nil, fmt.Errorf("wireguard get: %w", err)
	}
	slices.SortStableFunc(peers, func(a, b PeerStats) int {
		return slices.Index(order, a.PublicKey) - slices.Index(order, b.PublicKey)
	})
	return dev, peers, nil
}

// parseUAPIGet parses the key=value lines of a UAPI get answer.
func parseUAPIGet(text string) (map[string]string, []PeerStats, error) {
	dev := make(map[string]string)
	var peers []PeerStats
	var cur *PeerStats
	var sec, nsec int64
	finish := func() {
		if cur != nil && (sec != 0 || nsec != 0) {
			cur.LastHandshake = time.Unix(sec, nsec)
		}
		sec, nsec = 0, 0
	}
	for line := range strings.Lines(text) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, nil, fmt.Errorf("line %q: no '='", line)
		}
		if k == "public_key" {
			finish()
			key, err := parseHexKey(v)
			if err != nil {
				return nil, nil, err
			}
			peers = append(peers, PeerStats{PublicKey: key})
			cur = &peers[len(peers)-1]
			continue
		}
		if cur == nil {
			dev[k] = v
			continue
		}
		var err error
		switch k {
		case "endpoint":
			cur.Endpoint, err = netip.ParseAddrPort(v)
		case "rx_bytes":
			cur.RxBytes, err = strconv.ParseUint(v, 10, 64)
		case "tx_bytes":
			cur.TxBytes, err = strconv.ParseUint(v, 10, 64)
		case "last_handshake_time_sec":
			sec, err = strconv.ParseInt(v, 10, 64)
		case "last_handshake_time_nsec":
			nsec, err = strconv.ParseInt(v, 10, 64)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("peer %s %s: %w", cur.PublicKey, k, err)
		}
	}
	finish()
	return dev, peers, nil
}

// Close stops the device and closes its TUN and bind, waiting for its
// goroutines. It is idempotent.
func (t *Tunnel) Close() error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil
	}
	t.closed = true
	t.mu.Unlock()
	t.dev.Close()
	return nil
}
