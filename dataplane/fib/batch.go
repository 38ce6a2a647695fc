package fib

import (
	"encoding/binary"
	"errors"
	"fmt"
	"syscall"
	"time"

	"github.com/vishvananda/netlink/nl"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// batchSize is how many route changes go to the kernel in one sendmsg:
// netlink takes several requests in one datagram, so a Sync that changes
// 10,000 routes makes about 80 system calls instead of 30,000 (a send, a
// receive and a socket lookup per route). The kernel's answers to a batch
// that fails whole (the failed request is copied into each) fit the
// socket's receive buffer.
const batchSize = 256

// batchTimeout bounds the wait for the kernel's answers to one batch.
const batchTimeout = 10 * time.Second

// openSocket opens the socket that sends a FIB's route changes in
// batches, in namespace ns (netns.None(): the calling thread's).
func openSocket(ns netns.NsHandle) (*nl.NetlinkSocket, error) {
	s, err := nl.GetNetlinkSocketAt(ns, netns.None(), unix.NETLINK_ROUTE)
	if err != nil {
		return nil, fmt.Errorf("route socket: %w", err)
	}
	tv := unix.NsecToTimeval(batchTimeout.Nanoseconds())
	if err := s.SetReceiveTimeout(&tv); err != nil {
		s.Close()
		return nil, fmt.Errorf("route socket: %w", err)
	}
	return s, nil
}

// applyAllLocked makes the changes, batchSize at a time, and records each
// in the view (applyResultLocked); it returns every change's error.
func (f *FIB) applyAllLocked(changes []change, stop func() error) error {
	var errs []error
	for len(changes) > 0 {
		if err := stop(); err != nil {
			return errors.Join(append(errs, fmt.Errorf("fib sync: %w", err))...)
		}
		n := min(len(changes), batchSize)
		results, err := f.exchangeLocked(changes[:n])
		if err != nil {
			f.stale = true
			return errors.Join(append(errs, fmt.Errorf("fib sync: %w", err))...)
		}
		for i, c := range changes[:n] {
			if err := f.applyResultLocked(c, results[i]); err != nil {
				errs = append(errs, err)
			}
		}
		changes = changes[n:]
	}
	return errors.Join(errs...)
}

// exchangeLocked sends one request per change in one datagram and returns
// the kernel's answer to each (0 or an errno), in order. The requests ask
// for no acknowledgement, so the kernel answers only those that fail; a
// last no-op request asks for one, and since the kernel answers a
// datagram's requests in order, its acknowledgement says that every
// failure has been reported.
func (f *FIB) exchangeLocked(changes []change) ([]syscall.Errno, error) {
	s := f.sock
	if s == nil {
		return nil, f.sockErr
	}
	var buf []byte
	index := make(map[uint32]int, len(changes))
	for i, c := range changes {
		req := f.request(c)
		index[req.Seq] = i
		buf = append(buf, req.Serialize()...)
	}
	barrier := nl.NewNetlinkRequest(unix.NLMSG_NOOP, unix.NLM_F_ACK)
	buf = append(buf, barrier.Serialize()...)
	if err := unix.Sendto(s.GetFd(), buf, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return nil, fmt.Errorf("send %d route changes: %w", len(changes), err)
	}
	results := make([]syscall.Errno, len(changes))
	for {
		msgs, _, err := s.Receive()
		if err != nil {
			return nil, fmt.Errorf("read the answers to %d route changes: %w", len(changes), err)
		}
		for _, m := range msgs {
			if m.Header.Type != unix.NLMSG_ERROR || len(m.Data) < 4 {
				continue
			}
			if m.Header.Seq == barrier.Seq {
				return results, nil
			}
			if i, ok := index[m.Header.Seq]; ok { // else a late answer to a batch that gave up
				results[i] = syscall.Errno(-int32(binary.NativeEndian.Uint32(m.Data[:4])))
			}
		}
	}
}

// request is the netlink request for one change, as netlink.Handle's
// RouteAdd (a prefix the view lacks: exclusive, so that another
// protocol's route is found), RouteReplace and RouteDel build it.
func (f *FIB) request(c change) *nl.NetlinkRequest {
	var req *nl.NetlinkRequest
	var msg *nl.RtMsg
	_, ours := f.view[c.Prefix]
	switch {
	case len(c.NextHops) == 0:
		req = nl.NewNetlinkRequest(unix.RTM_DELROUTE, 0)
		msg = nl.NewRtDelMsg()
	case ours:
		req = nl.NewNetlinkRequest(unix.RTM_NEWROUTE, unix.NLM_F_CREATE|unix.NLM_F_REPLACE)
		msg = nl.NewRtMsg()
	default:
		req = nl.NewNetlinkRequest(unix.RTM_NEWROUTE, unix.NLM_F_CREATE|unix.NLM_F_EXCL)
		msg = nl.NewRtMsg()
	}
	msg.Family = uint8(family(c.Prefix.Addr()))
	msg.Dst_len = uint8(c.Prefix.Bits())
	msg.Protocol = uint8(Protocol)
	msg.Table = unix.RT_TABLE_UNSPEC
	if f.table < 256 {
		msg.Table = uint8(f.table)
	}
	req.AddData(msg)
	req.AddData(nl.NewRtAttr(unix.RTA_DST, c.Prefix.Addr().AsSlice()))
	if f.metric > 0 {
		req.AddData(nl.NewRtAttr(unix.RTA_PRIORITY, nl.Uint32Attr(uint32(f.metric))))
	}
	req.AddData(nl.NewRtAttr(unix.RTA_TABLE, nl.Uint32Attr(uint32(f.table))))
	switch {
	case len(c.NextHops) == 1:
		req.AddData(nl.NewRtAttr(unix.RTA_GATEWAY, c.NextHops[0].AsSlice()))
	case len(c.NextHops) > 1:
		var mp []byte
		for _, nh := range c.NextHops {
			rtnh := &nl.RtNexthop{Children: []nl.NetlinkRequestData{nl.NewRtAttr(unix.RTA_GATEWAY, nh.AsSlice())}}
			mp = append(mp, rtnh.Serialize()...)
		}
		req.AddData(nl.NewRtAttr(unix.RTA_MULTIPATH, mp))
	}
	return req
}

// applyResultLocked records a change that the kernel answered with errno
// in the view. A route for a prefix the view does not hold was added
// exclusively: EEXIST means one of another protocol at the same metric,
// left alone. A change that failed otherwise drops the view.
func (f *FIB) applyResultLocked(c change, errno syscall.Errno) error {
	_, ours := f.view[c.Prefix]
	switch {
	case len(c.NextHops) == 0:
		if errno != 0 && errno != unix.ESRCH {
			f.stale = true
			return fmt.Errorf("fib delete route %s: %w", c.Prefix, errno)
		}
		delete(f.view, c.Prefix)
	case !ours && errno == unix.EEXIST:
		return fmt.Errorf("fib sync %s: %w", c.Prefix, ErrForeignRoute)
	case errno != 0:
		f.stale = true
		verb := "replace"
		if !ours {
			verb = "add"
		}
		return fmt.Errorf("fib %s route %s via %v: %w", verb, c.Prefix, c.NextHops, errno)
	default:
		f.view[c.Prefix] = c.NextHops
	}
	f.version++
	return nil
}
