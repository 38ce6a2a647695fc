package persist

import (
	"net/netip"
	"path/filepath"
	"strconv"
	"testing"
)

// BenchmarkWrite measures one save of a cloud of the size bench api keeps
// (four VPCs, each with a subnet).
func BenchmarkWrite(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "cloud.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	c := newCloud()
	for i := range 4 {
		n, err := c.CreateNetwork(acct, netip.MustParsePrefix("10."+strconv.Itoa(i)+".0.0/24"), nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.CreateSubnet(acct, n.ID, n.CIDRs[0].Prefix, "us-east-1a", map[string]string{"Name": "x"}); err != nil {
			b.Fatal(err)
		}
	}
	s.cloud = c
	b.Run("snapshot", func(b *testing.B) {
		for b.Loop() {
			c.Snapshot()
		}
	})
	snap, seq, _ := c.Snapshot()
	b.Logf("snapshot %d bytes", len(snap))
	b.Run("commit", func(b *testing.B) {
		for b.Loop() {
			seq++
			if err := s.commit(seq, snap, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}
