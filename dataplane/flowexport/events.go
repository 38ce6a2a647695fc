package flowexport

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sync/atomic"

	mdnetlink "github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// ctEvents wakes the source when the connection tracker of the namespace
// starts or ends a connection: a netlink socket joined to conntrack's
// NEW and DESTROY multicast groups (NFNLGRP_CONNTRACK_NEW and _DESTROY,
// linux/netfilter/nfnetlink.h). The events themselves are not decoded:
// that one came is all the source needs, to read the tracker again. The
// kernel sends them only while someone listens (net.netfilter.
// nf_conntrack_events, 2 by default: when a listener joined).
type ctEvents struct {
	conn *mdnetlink.Conn
	// woke holds a token when an event came since the last take.
	woke chan struct{}
	// failed: the socket failed (not closed by Close); every take is
	// then true, and the source reads the tracker every time.
	failed atomic.Bool
	done   chan struct{}
}

// listenCT joins the groups in the calling process's namespace.
func listenCT() (*ctEvents, error) {
	groups := uint32(1<<(unix.NFNLGRP_CONNTRACK_NEW-1) | 1<<(unix.NFNLGRP_CONNTRACK_DESTROY-1))
	c, err := mdnetlink.Dial(unix.NETLINK_NETFILTER, &mdnetlink.Config{Groups: groups})
	if err != nil {
		return nil, fmt.Errorf("flowexport: conntrack events: %w", err)
	}
	e := &ctEvents{conn: c, woke: make(chan struct{}, 1), done: make(chan struct{})}
	go e.run()
	return e, nil
}

// run receives until the socket is closed or fails. ENOBUFS (the kernel
// dropped events for a full buffer) counts as an event: something
// happened that was not seen.
func (e *ctEvents) run() {
	defer close(e.done)
	for {
		_, err := e.conn.Receive()
		select {
		case e.woke <- struct{}{}:
		default:
		}
		if err != nil && !errors.Is(err, unix.ENOBUFS) {
			if !errors.Is(err, net.ErrClosed) && !errors.Is(err, os.ErrClosed) {
				e.failed.Store(true)
			}
			return
		}
	}
}

// take reports whether an event came since the last take (always, once
// the socket failed).
func (e *ctEvents) take() bool {
	if e.failed.Load() {
		return true
	}
	select {
	case <-e.woke:
		return true
	default:
		return false
	}
}

// Close closes the socket and waits for run to end.
func (e *ctEvents) Close() error {
	err := e.conn.Close()
	<-e.done
	return err
}
