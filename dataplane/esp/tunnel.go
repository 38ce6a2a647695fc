package esp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
	"golang.org/x/time/rate"
	"golang.zx2c4.com/wireguard/tun"
)

// Config describes one IPsec tunnel: a TUN device, an outer UDP socket, one
// outbound SA and the inbound SAs (more than one during a rekey).
type Config struct {
	// TUN is the inner side. The Tunnel owns it once New succeeds and closes
	// it in Close.
	TUN tun.Device
	// Conn is the outer UDP socket, owned by the Tunnel once New succeeds.
	// When nil, New listens on Outbound.Local.
	Conn *net.UDPConn
	// Outbound seals every packet read from TUN; packets go to its Remote.
	Outbound SA
	// Inbound SAs open packets received on Conn, looked up by SPI.
	Inbound []SA
	// RateLimit caps the encrypting direction in bits per second of outer
	// IP packets (0: no cap). It models the per-tunnel limit of cloud VPNs:
	// AWS documents "Maximum bandwidth per VPN tunnel: up to 1.25 Gbps" in
	// "Site-to-Site VPN quotas",
	// https://docs.aws.amazon.com/vpn/latest/s2svpn/vpn-limits.html.
	RateLimit float64
	// OnIKE, when set, receives IKE messages arriving on the socket (the
	// non-ESP marker stripped) and their source. It runs on the receiving
	// goroutine; msg is valid only during the call.
	OnIKE func(msg []byte, from netip.AddrPort)
}

// AWSTunnelRateLimit is AWS's per-VPN-tunnel bandwidth, 1.25 Gbit/s
// ("Site-to-Site VPN quotas",
// https://docs.aws.amazon.com/vpn/latest/s2svpn/vpn-limits.html).
const AWSTunnelRateLimit = 1.25e9

const (
	// batchSize is how many packets one TUN read or one recvmmsg/sendmmsg
	// call moves at most (wireguard-go's conn.IdealBatchSize is 128).
	batchSize = 64
	// maxInner is the largest inner packet the engine carries (jumbo).
	maxInner = 9000
	// bufSize holds an inner packet in place after the ESP header, plus the
	// trailer and ICV that sealing adds; or a received ESP packet.
	bufSize = maxInner + MaxOverhead
	// socketBuffer is the UDP socket buffer size New asks for.
	socketBuffer = 7 << 20
)

// batchConn is what ipv4.PacketConn and ipv6.PacketConn share: batched
// datagram I/O through recvmmsg/sendmmsg on Linux.
type batchConn interface {
	ReadBatch(ms []ipv4.Message, flags int) (int, error)
	WriteBatch(ms []ipv4.Message, flags int) (int, error)
}

// Tunnel moves packets between a TUN device and a UDP socket through ESP.
// Like a kernel processing one SA on one core, each direction is one
// goroutine: one encrypts TUN→UDP, one decrypts UDP→TUN. Packet I/O is
// batched as wireguard-go batches it: a TUN with offloads hands over a TSO
// super-packet already split and coalesces TCP segments on write (GRO), and
// the UDP socket sends runs of equal-sized ESP packets as one UDP_SEGMENT
// message and receives them as one UDP_GRO buffer. Each datagram on the wire
// is still exactly one ESP packet. If the TUN device
// fails to read (it was closed or removed underneath), the encrypting
// goroutine stops and Stats().TUNErrors counts it; the owner then Closes.
type Tunnel struct {
	tun     tun.Device
	conn    *net.UDPConn
	pc      batchConn
	ipHdr   int // outer IP header length, for the rate cap
	remote  *net.UDPAddr
	out     *Outbound
	sadb    *SADB
	limiter *rate.Limiter
	onIKE   func([]byte, netip.AddrPort)
	stats   counters
	gso     bool // UDP_SEGMENT on; owned by the encrypting goroutine
	gro     bool // UDP_GRO on; read by the decrypting goroutine

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex // guards the fields below
	started  bool
	closed   bool
	closeErr error
}

// New validates cfg, builds the SAs and, when cfg.Conn is nil, opens the UDP
// socket. It starts nothing; on error the caller still owns cfg's devices.
func New(cfg Config) (*Tunnel, error) {
	if cfg.TUN == nil {
		return nil, errors.New("new ESP tunnel: no TUN device")
	}
	if err := cfg.Outbound.Validate(); err != nil {
		return nil, fmt.Errorf("new ESP tunnel: outbound: %w", err)
	}
	if len(cfg.Inbound) == 0 {
		return nil, errors.New("new ESP tunnel: no inbound SA")
	}
	if cfg.RateLimit < 0 {
		return nil, fmt.Errorf("new ESP tunnel: negative rate limit %g", cfg.RateLimit)
	}
	out, err := NewOutbound(cfg.Outbound)
	if err != nil {
		return nil, fmt.Errorf("new ESP tunnel: %w", err)
	}
	db := NewSADB()
	for i := range cfg.Inbound {
		in, err := NewInbound(cfg.Inbound[i])
		if err != nil {
			return nil, fmt.Errorf("new ESP tunnel: inbound %d: %w", i, err)
		}
		if err := db.Add(in); err != nil {
			return nil, fmt.Errorf("new ESP tunnel: %w", err)
		}
	}
	t := &Tunnel{tun: cfg.TUN, out: out, sadb: db, onIKE: cfg.OnIKE}
	t.conn = cfg.Conn
	if t.conn == nil {
		local := cfg.Outbound.Local
		t.conn, err = net.ListenUDP("udp", net.UDPAddrFromAddrPort(local))
		if err != nil {
			return nil, fmt.Errorf("new ESP tunnel: listen on %s: %w", local, err)
		}
	}
	setSocketBuffers(t.conn)
	t.gso, t.gro = enableUDPOffload(t.conn)
	remote := cfg.Outbound.Remote
	remote = netip.AddrPortFrom(remote.Addr().Unmap(), remote.Port())
	t.remote = net.UDPAddrFromAddrPort(remote)
	if remote.Addr().Is4() {
		t.pc, t.ipHdr = ipv4.NewPacketConn(t.conn), 20
	} else {
		t.pc, t.ipHdr = ipv6.NewPacketConn(t.conn), 40
	}
	if cfg.RateLimit > 0 {
		// The bucket holds 10 ms of traffic, and at least one packet.
		burst := max(int(cfg.RateLimit/100), (bufSize+t.ipHdr+8)*8)
		t.limiter = rate.NewLimiter(rate.Limit(cfg.RateLimit), burst)
	}
	t.ctx, t.cancel = context.WithCancel(context.Background())
	return t, nil
}

// LocalAddr returns the outer UDP endpoint the tunnel receives on.
func (t *Tunnel) LocalAddr() netip.AddrPort {
	return t.conn.LocalAddr().(*net.UDPAddr).AddrPort()
}

// SADB returns the inbound SA database, where a rekey adds the new SA.
func (t *Tunnel) SADB() *SADB { return t.sadb }

// Stats returns a snapshot of the counters.
func (t *Tunnel) Stats() Stats { return t.stats.snapshot() }

// Start launches the two direction goroutines. It fails after Close or when
// called twice.
func (t *Tunnel) Start() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case t.closed:
		return errors.New("start ESP tunnel: closed")
	case t.started:
		return errors.New("start ESP tunnel: already started")
	}
	t.started = true
	t.wg.Add(2)
	go t.encryptLoop()
	go t.decryptLoop()
	return nil
}

// Close stops the goroutines and closes the UDP socket and the TUN device,
// then waits for the goroutines to return. It is idempotent: later calls
// return the first call's result.
func (t *Tunnel) Close() error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		t.wg.Wait()
		return t.closeErr
	}
	t.closed = true
	// Order: cancel wakes a rate-limit wait; closing the socket wakes
	// recvmmsg; closing the TUN wakes a blocked read or write.
	t.cancel()
	var errs []error
	if err := t.conn.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close ESP tunnel socket: %w", err))
	}
	if err := t.tun.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close ESP tunnel TUN: %w", err))
	}
	t.closeErr = errors.Join(errs...)
	t.mu.Unlock()
	t.wg.Wait()
	return t.closeErr
}
