package bench

import (
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"time"

	"github.com/vishvananda/netlink/nl"
	vnetns "github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/mcnlab/mcnlab/emulator/netns"
)

// routeWatch counts a namespace's gateway routes inside ExtraRange from the
// kernel's route notifications (RTNLGRP_IPV4_ROUTE), which cost the
// machine one message per change, where dumping a gateway's 10,000 routes
// every 25 ms kept a good part of a core busy (2.5-3 s of CPU in a
// 10-second announcement), taken from the gateways being measured. The
// count is a trigger only: Convergence takes a gateway as done when a dump
// (routeCounter) agrees. After a lost notification (the socket's buffer
// overflowed), or every resyncEvery, it starts again from a dump.
type routeWatch struct {
	dumper *routeCounter
	events *nl.NetlinkSocket
	done   chan struct{}

	mu     sync.Mutex // guards set, synced, err
	set    map[netip.Prefix]struct{}
	synced time.Time // when set was last filled from a dump; zero: never or lost events since
	err    error
}

// watchResync is how often a routeWatch starts again from a dump.
const watchResync = time.Second

// newRouteWatch subscribes to the route notifications of the named
// namespace; Close stops it.
func newRouteWatch(name string) (*routeWatch, error) {
	dumper, err := newRouteCounter(name)
	if err != nil {
		return nil, err
	}
	ns, err := netns.Open(name)
	if err != nil {
		dumper.Close()
		return nil, err
	}
	defer ns.Close()
	ev, err := nl.SubscribeAt(ns, vnetns.None(), unix.NETLINK_ROUTE, unix.RTNLGRP_IPV4_ROUTE)
	if err != nil {
		dumper.Close()
		return nil, fmt.Errorf("route notifications in %s: %w", name, err)
	}
	// A burst of 10,000 changes must not overflow the socket: 8 MiB.
	_ = ev.SetReceiveBufferSize(8<<20, true)
	w := &routeWatch{dumper: dumper, events: ev, done: make(chan struct{}), set: map[netip.Prefix]struct{}{}}
	go w.read()
	return w, nil
}

// Close stops the watch and closes its sockets.
func (w *routeWatch) Close() {
	w.events.Close()
	<-w.done
	w.dumper.Close()
}

// read applies notifications to the set until the socket closes.
func (w *routeWatch) read() {
	defer close(w.done)
	for {
		msgs, _, err := w.events.Receive()
		if errors.Is(err, unix.ENOBUFS) {
			w.mu.Lock()
			w.synced = time.Time{} // notifications were lost
			w.mu.Unlock()
			continue
		}
		if err != nil {
			return // closed
		}
		w.mu.Lock()
		for _, m := range msgs {
			p, ok, err := extraDst(m.Data)
			if err != nil || !ok {
				continue
			}
			switch m.Header.Type {
			case unix.RTM_NEWROUTE:
				w.set[p] = struct{}{}
			case unix.RTM_DELROUTE:
				delete(w.set, p)
			}
		}
		w.mu.Unlock()
	}
}

// count returns the routes counted from notifications, filling the set
// from a dump first when it is not known or is older than watchResync.
func (w *routeWatch) count() (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if time.Since(w.synced) > watchResync {
		set := map[netip.Prefix]struct{}{}
		var err error
		for range 5 {
			clear(set)
			if _, err = w.dumper.dumpEach(func(p netip.Prefix) { set[p] = struct{}{} }); !errors.Is(err, nl.ErrDumpInterrupted) {
				break
			}
		}
		if err != nil {
			return 0, err
		}
		w.set, w.synced = set, time.Now()
	}
	return len(w.set), nil
}
