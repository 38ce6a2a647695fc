package egress

import (
	"net/netip"
	"sync"
	"time"
)

// Entry is one logged decision.
type Entry struct {
	Time     time.Time
	Src, Dst netip.AddrPort
	Proto    Proto
	// Name is the server name the client asked for (SNI or Host), or the
	// learned name whose address matched; empty when there was none.
	Name string
	// By is what the decision read: "sni", "host", "address", or why no
	// name was read ("no sni", "not tls", "malformed http", "timeout").
	By string
	Decision
}

// ring keeps the last entries.
type ring struct {
	mu      sync.Mutex // guards the fields below
	entries []Entry
	next    int
	full    bool
}

func newRing(size int) *ring {
	if size <= 0 {
		size = 1024
	}
	return &ring{entries: make([]Entry, size)}
}

func (r *ring) add(e Entry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.entries[r.next] = e
	r.next = (r.next + 1) % len(r.entries)
	if r.next == 0 {
		r.full = true
	}
}

// all returns the entries, oldest first.
func (r *ring) all() []Entry {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.full {
		return append([]Entry(nil), r.entries[:r.next]...)
	}
	return append(append([]Entry(nil), r.entries[r.next:]...), r.entries[:r.next]...)
}
