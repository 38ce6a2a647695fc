package esp

import (
	"fmt"
	"maps"
	"sync"
	"sync/atomic"
)

// SADB is the inbound security association database, keyed by SPI. Lookups
// take no lock (a copy-on-write map), so any number of receivers may read
// while Add and Remove, which are rare, serialize among themselves.
type SADB struct {
	mu sync.Mutex // serializes writers
	m  atomic.Pointer[map[uint32]*Inbound]
}

// NewSADB returns an empty database.
func NewSADB() *SADB {
	db := &SADB{}
	db.m.Store(&map[uint32]*Inbound{})
	return db
}

// Add inserts an inbound SA; an SPI already present is an error.
func (db *SADB) Add(in *Inbound) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	old := *db.m.Load()
	if _, dup := old[in.SPI()]; dup {
		return fmt.Errorf("add SA %#08x to SADB: SPI already in use", in.SPI())
	}
	next := maps.Clone(old)
	next[in.SPI()] = in
	db.m.Store(&next)
	return nil
}

// Remove deletes the SA with the given SPI and reports whether it was there.
func (db *SADB) Remove(spi uint32) bool {
	db.mu.Lock()
	defer db.mu.Unlock()
	old := *db.m.Load()
	if _, ok := old[spi]; !ok {
		return false
	}
	next := maps.Clone(old)
	delete(next, spi)
	db.m.Store(&next)
	return true
}

// Lookup returns the SA with the given SPI, or nil.
func (db *SADB) Lookup(spi uint32) *Inbound {
	return (*db.m.Load())[spi]
}

// Len returns the number of SAs.
func (db *SADB) Len() int { return len(*db.m.Load()) }

// Open finds the packet's SA by SPI and opens the packet in place (see
// Inbound.Open). Errors wrap ErrMalformed, ErrUnknownSPI, ErrReplay or ErrAuth.
func (db *SADB) Open(pkt []byte) (payload []byte, nextHeader byte, err error) {
	return db.OpenTo(nil, pkt)
}

// OpenTo is Open with the plaintext written to dst[:0] (see Inbound.OpenTo).
func (db *SADB) OpenTo(dst, pkt []byte) (payload []byte, nextHeader byte, err error) {
	spi, err := PacketSPI(pkt)
	if err != nil {
		return nil, 0, err
	}
	in := db.Lookup(spi)
	if in == nil {
		return nil, 0, fmt.Errorf("open packet with SPI %#08x: %w", spi, ErrUnknownSPI)
	}
	return in.OpenTo(dst, pkt)
}
