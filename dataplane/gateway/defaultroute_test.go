package gateway

import (
	"context"
	"maps"
	"net/netip"
	"testing"
)

// mapTable is a routeTable in memory.
type mapTable struct {
	routes  map[netip.Prefix][]netip.Addr
	version uint64
}

func (m *mapTable) Sync(_ context.Context, d map[netip.Prefix][]netip.Addr) error {
	m.version++
	m.routes = maps.Clone(d)
	return nil
}
func (m *mapTable) Routes() (map[netip.Prefix][]netip.Addr, error) { return maps.Clone(m.routes), nil }
func (m *mapTable) Invalidate()                                    {}
func (m *mapTable) Version() uint64                                { return m.version }
func (m *mapTable) Close() error                                   { m.routes = nil; return nil }

// TestSplitFIBKeepsDefaultsApart: learned default routes (IPv4 and IPv6)
// go to the defaults table, every other prefix to main; Routes shows
// both.
func TestSplitFIBKeepsDefaultsApart(t *testing.T) {
	main, defs := &mapTable{}, &mapTable{}
	s := splitFIB{main: main, defaults: defs}
	hop := []netip.Addr{netip.MustParseAddr("169.254.0.1")}
	want := map[netip.Prefix][]netip.Addr{
		netip.MustParsePrefix("0.0.0.0/0"): hop, netip.MustParsePrefix("::/0"): {netip.MustParseAddr("fd00::1")},
		netip.MustParsePrefix("10.1.0.0/16"): hop,
	}
	if err := s.Sync(context.Background(), want); err != nil {
		t.Fatal(err)
	}
	if len(main.routes) != 1 || main.routes[netip.MustParsePrefix("10.1.0.0/16")] == nil {
		t.Errorf("main table: %v", main.routes)
	}
	if len(defs.routes) != 2 || defs.routes[netip.MustParsePrefix("0.0.0.0/0")] == nil {
		t.Errorf("defaults table: %v", defs.routes)
	}
	got, _ := s.Routes()
	if len(got) != 3 {
		t.Errorf("Routes() = %v, want all three", got)
	}
	if err := s.Sync(context.Background(), map[netip.Prefix][]netip.Addr{}); err != nil || len(defs.routes) != 0 {
		t.Errorf("withdrawn default stays: %v %v", err, defs.routes)
	}
}
