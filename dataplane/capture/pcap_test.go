package capture

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// TestPcapWriterReadBack: what the writer writes, gopacket's pcap reader
// (what tshark reads, pcap-savefile(5)) reads back: the link type, the
// snapshot length, each packet's bytes and its timestamp to the
// microsecond.
func TestPcapWriterReadBack(t *testing.T) {
	for _, tc := range []struct {
		lt   LinkType
		want layers.LinkType
		name string
	}{{LinkTypeEthernet, layers.LinkTypeEthernet, "Ethernet"}, {LinkTypeRaw, layers.LinkTypeRaw, "Raw"}} {
		var buf bytes.Buffer
		w := &pcapWriter{w: &buf}
		if err := w.writeHeader(1500, tc.lt); err != nil {
			t.Fatal(err)
		}
		ts := time.Date(2026, 12, 8, 1, 2, 3, 456789000, time.UTC)
		pkts := [][]byte{{0x45, 0, 0, 20}, bytes.Repeat([]byte{0xab}, 1400)}
		for i, p := range pkts {
			if err := w.writePacket(ts.Add(time.Duration(i)*time.Second), p); err != nil {
				t.Fatal(err)
			}
		}
		if got := buf.Len(); got != 24+16+4+16+1400 {
			t.Errorf("file is %d bytes, want %d", got, 24+16+4+16+1400)
		}
		r, err := pcapgo.NewReader(&buf)
		if err != nil {
			t.Fatalf("read back: %v", err)
		}
		if r.LinkType() != tc.want || r.Snaplen() != 1500 || tc.lt.String() != tc.name {
			t.Errorf("link type %v (%s), snaplen %d; want %v (%s), 1500", r.LinkType(), tc.lt, r.Snaplen(), tc.want, tc.name)
		}
		for i, p := range pkts {
			data, ci, err := r.ReadPacketData()
			if err != nil {
				t.Fatalf("packet %d: %v", i, err)
			}
			if !bytes.Equal(data, p) || ci.Length != len(p) || !ci.Timestamp.Equal(ts.Add(time.Duration(i)*time.Second)) {
				t.Errorf("packet %d: %d bytes at %v, want %d at %v", i, len(data), ci.Timestamp, len(p), ts.Add(time.Duration(i)*time.Second))
			}
		}
	}
}
