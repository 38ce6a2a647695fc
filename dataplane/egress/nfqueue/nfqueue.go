// Package nfqueue is a small client of the kernel's netfilter queue
// (nfnetlink_queue): it binds one queue number in a network namespace,
// reads the packets that nftables hands to it (whole, with their mark) and
// sends each one's verdict (accept, drop, or repeat with a new packet mark).
// It speaks the netlink protocol through github.com/mdlayher/netlink and
// never switches the calling thread's namespace; what to decide is the
// caller's business.
package nfqueue

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// nfnetlink_queue constants (linux/netfilter/nfnetlink_queue.h).
const (
	subsysQueue = 3 // NFNL_SUBSYS_QUEUE

	msgPacket  = 0 // NFQNL_MSG_PACKET
	msgVerdict = 1 // NFQNL_MSG_VERDICT
	msgConfig  = 2 // NFQNL_MSG_CONFIG

	attrPacketHdr  = 1  // NFQA_PACKET_HDR
	attrVerdictHdr = 2  // NFQA_VERDICT_HDR
	attrMark       = 3  // NFQA_MARK
	attrPayload    = 10 // NFQA_PAYLOAD

	cfgCmd    = 1 // NFQA_CFG_CMD
	cfgParams = 2 // NFQA_CFG_PARAMS
	cfgMaxLen = 3 // NFQA_CFG_QUEUE_MAXLEN

	cmdBind   = 1 // NFQNL_CFG_CMD_BIND
	cmdUnbind = 2 // NFQNL_CFG_CMD_UNBIND

	copyPacket = 2 // NFQNL_COPY_PACKET
)

// Verdict is what becomes of a queued packet (the kernel's NF_* values).
type Verdict uint32

// Verdicts.
const (
	Drop   Verdict = 0 // NF_DROP
	Accept Verdict = 1 // NF_ACCEPT: on to the next base chain of the hook
	// Repeat runs the packet through the hook's chain that queued it
	// again, with the mark the verdict sets: how an nftables rule further
	// up sees the program's decision.
	Repeat Verdict = 4 // NF_REPEAT
)

// Packet is one queued packet.
type Packet struct {
	// ID names the packet in its verdict.
	ID uint32
	// Mark is the packet mark when it was queued.
	Mark uint32
	// Data is the packet from its network header on, at most the copy
	// range long.
	Data []byte
}

// Queue is one bound netfilter queue. Read is for one goroutine; Verdict
// may be called from any. Close unbinds it and ends a blocked Read.
type Queue struct {
	conn *netlink.Conn
	num  uint16

	mu     sync.Mutex // guards closed
	closed bool
}

// Config tunes a queue.
type Config struct {
	// NetNS is an open network namespace file descriptor to bind the
	// queue in (0: the caller's namespace).
	NetNS int
	// CopyRange is how many bytes of each packet are copied to the
	// program (default 65535).
	CopyRange uint32
	// MaxLen is how many packets may wait for a verdict before the kernel
	// drops new ones (default 1024).
	MaxLen uint32
}

// Open binds queue num: from then on the packets that nftables queues to
// num come to it; the caller closes it.
func Open(num uint16, cfg Config) (*Queue, error) {
	if cfg.CopyRange == 0 {
		cfg.CopyRange = 0xffff
	}
	if cfg.MaxLen == 0 {
		cfg.MaxLen = 1024
	}
	c, err := netlink.Dial(unix.NETLINK_NETFILTER, &netlink.Config{NetNS: cfg.NetNS})
	if err != nil {
		return nil, fmt.Errorf("nfqueue %d: dial netlink: %w", num, err)
	}
	q := &Queue{conn: c, num: num}
	// Overflowing the socket must not end the reader: lost packets are
	// the kernel's to drop (fail closed), the queue goes on.
	if err := c.SetOption(netlink.NoENOBUFS, true); err != nil {
		c.Close()
		return nil, fmt.Errorf("nfqueue %d: set NETLINK_NO_ENOBUFS: %w", num, err)
	}
	params := make([]byte, 5) // struct nfqnl_msg_config_params, packed
	binary.BigEndian.PutUint32(params, cfg.CopyRange)
	params[4] = copyPacket
	maxLen := binary.BigEndian.AppendUint32(nil, cfg.MaxLen)
	for _, step := range []struct {
		what  string
		attrs []netlink.Attribute
	}{
		{"bind", []netlink.Attribute{{Type: cfgCmd, Data: []byte{cmdBind, 0, 0, 0}}}},
		{"set copy mode", []netlink.Attribute{{Type: cfgParams, Data: params}}},
		{"set length", []netlink.Attribute{{Type: cfgMaxLen, Data: maxLen}}},
	} {
		if err := q.config(step.attrs); err != nil {
			c.Close()
			return nil, fmt.Errorf("nfqueue %d: %s: %w", num, step.what, err)
		}
	}
	return q, nil
}

// message builds an nfnetlink message of the queue subsystem for this
// queue: the nfgenmsg header, then attrs.
func (q *Queue) message(typ uint16, flags netlink.HeaderFlags, attrs []netlink.Attribute) (netlink.Message, error) {
	b, err := netlink.MarshalAttributes(attrs)
	if err != nil {
		return netlink.Message{}, err
	}
	hdr := []byte{unix.AF_UNSPEC, unix.NFNETLINK_V0, 0, 0}
	binary.BigEndian.PutUint16(hdr[2:], q.num)
	return netlink.Message{
		Header: netlink.Header{Type: netlink.HeaderType(subsysQueue<<8 | typ), Flags: netlink.Request | flags},
		Data:   append(hdr, b...),
	}, nil
}

func (q *Queue) config(attrs []netlink.Attribute) error {
	m, err := q.message(msgConfig, netlink.Acknowledge, attrs)
	if err != nil {
		return err
	}
	_, err = q.conn.Execute(m)
	return err
}

// ErrClosed is what Read answers once the queue is closed.
var ErrClosed = errors.New("nfqueue: closed")

// Read blocks until packets arrive and returns them; ErrClosed after
// Close. Other errors (a refused verdict comes back as one, a message
// that does not parse) leave the queue usable, and come with the packets
// that were read: each still needs its verdict.
func (q *Queue) Read() ([]Packet, error) {
	msgs, err := q.conn.Receive()
	if err != nil {
		if q.isClosed() {
			return nil, ErrClosed
		}
		return nil, fmt.Errorf("nfqueue %d: receive: %w", q.num, err)
	}
	var out []Packet
	var errs []error
	for _, m := range msgs {
		if m.Header.Type != netlink.HeaderType(subsysQueue<<8|msgPacket) || len(m.Data) < 4 {
			continue
		}
		p, err := parsePacket(m.Data[4:])
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, p)
	}
	if err := errors.Join(errs...); err != nil {
		return out, fmt.Errorf("nfqueue %d: %w", q.num, err)
	}
	return out, nil
}

// parsePacket reads a packet message's attributes.
func parsePacket(b []byte) (Packet, error) {
	var p Packet
	ad, err := netlink.NewAttributeDecoder(b)
	if err != nil {
		return p, fmt.Errorf("packet attributes: %w", err)
	}
	ad.ByteOrder = binary.BigEndian
	hdr := false
	for ad.Next() {
		switch ad.Type() {
		case attrPacketHdr:
			if d := ad.Bytes(); len(d) >= 4 {
				p.ID, hdr = binary.BigEndian.Uint32(d), true
			}
		case attrMark:
			p.Mark = ad.Uint32()
		case attrPayload:
			p.Data = ad.Bytes()
		}
	}
	if err := ad.Err(); err != nil {
		return p, fmt.Errorf("packet attributes: %w", err)
	}
	if !hdr {
		return p, errors.New("packet message without a packet header")
	}
	return p, nil
}

// SetVerdict decides packet id; mark, when not 0, becomes its packet mark
// (with Repeat, what the chain matches on its second pass).
func (q *Queue) SetVerdict(id uint32, v Verdict, mark uint32) error {
	vh := binary.BigEndian.AppendUint32(nil, uint32(v))
	vh = binary.BigEndian.AppendUint32(vh, id)
	attrs := []netlink.Attribute{{Type: attrVerdictHdr, Data: vh}}
	if mark != 0 {
		attrs = append(attrs, netlink.Attribute{Type: attrMark, Data: binary.BigEndian.AppendUint32(nil, mark)})
	}
	m, err := q.message(msgVerdict, 0, attrs)
	if err != nil {
		return err
	}
	if _, err := q.conn.Send(m); err != nil {
		return fmt.Errorf("nfqueue %d: verdict for packet %d: %w", q.num, id, err)
	}
	return nil
}

func (q *Queue) isClosed() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.closed
}

// Close unbinds the queue (the kernel then drops what it would queue to
// it, or accepts it where the rule bypasses) and ends a blocked Read. It
// is idempotent.
func (q *Queue) Close() error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return nil
	}
	q.closed = true
	q.mu.Unlock()
	// Unbinding is best effort: closing the socket unbinds too.
	if m, err := q.message(msgConfig, 0, []netlink.Attribute{{Type: cfgCmd, Data: []byte{cmdUnbind, 0, 0, 0}}}); err == nil {
		q.conn.Send(m)
	}
	if err := q.conn.Close(); err != nil {
		return fmt.Errorf("nfqueue %d: close: %w", q.num, err)
	}
	return nil
}
