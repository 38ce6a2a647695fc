package capture

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/mdlayher/packet"
	"github.com/vishvananda/netlink"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// DefaultSnaplen is the most bytes kept of a packet when Options.Snaplen is
// 0: tcpdump's default, enough for a GRO super-packet.
const DefaultSnaplen = 262144

// drain is how long a stopped capture still reads what the kernel queued.
const drain = 50 * time.Millisecond

// ErrInvalid says that a capture's options are malformed (a bad filter,
// a negative count, an unknown interface).
var ErrInvalid = errors.New("invalid capture")

// Options says what to capture and when to stop.
type Options struct {
	// Interface is the interface's name in the namespace Open runs in.
	Interface string
	// Filter keeps only the packets it matches (the zero Filter: all).
	Filter Filter
	// Count stops the capture after that many packets; 0 means no limit.
	Count int
	// Duration stops it after that long; 0 means no limit.
	Duration time.Duration
	// MaxBytes stops it before the file would pass that size; 0 means no
	// limit.
	MaxBytes int64
	// Snaplen is the most bytes kept of a packet; 0 means DefaultSnaplen.
	Snaplen int
}

// Result is what a capture saw.
type Result struct {
	Packets int   `json:"packets"`
	Bytes   int64 `json:"bytes"` // of the pcap file, header included
}

// Capture is a packet socket bound to one interface. It owns the socket:
// Close releases it.
type Capture struct {
	conn *packet.Conn
	lt   LinkType
	o    Options
}

// Open opens an AF_PACKET socket on o.Interface in the network namespace
// of the calling thread (run it in netns.Do to capture in a lab node) with
// o.Filter compiled to classic BPF and attached in the kernel before the
// socket is bound. The socket stays in that namespace whatever thread
// reads it.
func Open(o Options) (*Capture, error) {
	if o.Count < 0 || o.Duration < 0 || o.Snaplen < 0 || o.MaxBytes < 0 {
		return nil, fmt.Errorf("%w: count, duration, snaplen and size may not be negative", ErrInvalid)
	}
	if o.Snaplen == 0 {
		o.Snaplen = DefaultSnaplen
	}
	ifi, err := net.InterfaceByName(o.Interface)
	if err != nil {
		return nil, fmt.Errorf("%w: interface %q: %v", ErrInvalid, o.Interface, err)
	}
	lt, err := linkType(o.Interface)
	if err != nil {
		return nil, err
	}
	prog, err := o.Filter.Compile(lt, uint32(o.Snaplen))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	raw, err := bpf.Assemble(prog)
	if err != nil {
		return nil, fmt.Errorf("%w: assemble filter %q: %v", ErrInvalid, o.Filter, err)
	}
	conn, err := packet.Listen(ifi, packet.Raw, unix.ETH_P_ALL, &packet.Config{Filter: raw})
	if err != nil {
		return nil, fmt.Errorf("capture on %s: %w", o.Interface, err)
	}
	return &Capture{conn: conn, lt: lt, o: o}, nil
}

// linkType is the pcap link type of what a packet socket reads from the
// interface: Ethernet frames (loopback's are Ethernet too), or bare IP
// packets on a TUN device such as a WireGuard tunnel.
func linkType(name string) (LinkType, error) {
	l, err := netlink.LinkByName(name)
	if err != nil {
		return 0, fmt.Errorf("%w: interface %q: %v", ErrInvalid, name, err)
	}
	switch t := l.Attrs().EncapType; t {
	case "ether", "loopback":
		return LinkTypeEthernet, nil
	case "none", "ipip", "tunnel6":
		return LinkTypeRaw, nil
	default:
		return 0, fmt.Errorf("%w: interface %s: link type %q cannot be captured (want Ethernet, loopback or an IP tunnel)", ErrInvalid, name, t)
	}
}

// LinkType is the link type of the packets the capture writes.
func (c *Capture) LinkType() LinkType { return c.lt }

// Run writes a pcap file (pcap-savefile(5), microsecond timestamps) to w:
// every packet the filter keeps, in either direction, until Count packets,
// Duration, MaxBytes or ctx's end (and what was queued by then), whichever
// comes first. Its error is nil when one of those ended it.
func (c *Capture) Run(ctx context.Context, w io.Writer) (Result, error) {
	cw := &countingWriter{w: w}
	pw := &pcapWriter{w: cw}
	if err := pw.writeHeader(uint32(c.o.Snaplen), c.lt); err != nil {
		return Result{}, fmt.Errorf("capture on %s: %w", c.o.Interface, err)
	}
	var res Result
	if c.o.Duration > 0 {
		if err := c.conn.SetReadDeadline(time.Now().Add(c.o.Duration)); err != nil {
			return res, fmt.Errorf("capture on %s: %w", c.o.Interface, err)
		}
	}
	// The end of ctx wakes a blocked read after a short drain, so that
	// the packets the kernel queued before the stop are still written.
	stop := context.AfterFunc(ctx, func() { _ = c.conn.SetReadDeadline(time.Now().Add(drain)) })
	defer stop()
	buf := make([]byte, c.o.Snaplen)
	for c.o.Count == 0 || res.Packets < c.o.Count {
		n, _, err := c.conn.ReadFrom(buf)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			break
		}
		if err != nil {
			res.Bytes = cw.n
			return res, fmt.Errorf("capture on %s: %w", c.o.Interface, err)
		}
		if c.o.MaxBytes > 0 && cw.n+16+int64(n) > c.o.MaxBytes {
			break
		}
		if err := pw.writePacket(time.Now(), buf[:n]); err != nil {
			res.Bytes = cw.n
			return res, fmt.Errorf("capture on %s: write: %w", c.o.Interface, err)
		}
		res.Packets++
	}
	res.Bytes = cw.n
	return res, nil
}

// Close releases the socket.
func (c *Capture) Close() error { return c.conn.Close() }

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}
