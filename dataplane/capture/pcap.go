package capture

import (
	"encoding/binary"
	"fmt"
	"io"
	"time"
)

// LinkType is a pcap link type (pcap-linktype(7)): the header every packet
// of a file starts with.
type LinkType uint32

// The link types a capture writes (pcap-linktype(7): LINKTYPE_ETHERNET,
// LINKTYPE_RAW).
const (
	LinkTypeEthernet LinkType = 1
	LinkTypeRaw      LinkType = 101
)

// String names the link type as tcpdump does.
func (lt LinkType) String() string {
	switch lt {
	case LinkTypeEthernet:
		return "Ethernet"
	case LinkTypeRaw:
		return "Raw"
	}
	return fmt.Sprintf("LinkType(%d)", uint32(lt))
}

// pcapWriter writes a pcap savefile (pcap-savefile(5)): a 24-byte file
// header, then each packet behind a 16-byte record header, little-endian,
// with microsecond timestamps. It is written here rather than taken from
// gopacket's pcapgo: that package brings gopacket/layers, whose start fills
// 65,536-entry tables, some 6 MB that every gateway process would hold
// although only a capture writes pcap.
type pcapWriter struct {
	w   io.Writer
	buf [24]byte
}

// pcapMagic marks a little-endian savefile with microsecond timestamps.
const pcapMagic = 0xa1b2c3d4

// writeHeader writes the file header: version 2.4, the snapshot length
// and the link type.
func (p *pcapWriter) writeHeader(snaplen uint32, lt LinkType) error {
	h := p.buf[:24]
	binary.LittleEndian.PutUint32(h[0:], pcapMagic)
	binary.LittleEndian.PutUint16(h[4:], 2)
	binary.LittleEndian.PutUint16(h[6:], 4)
	binary.LittleEndian.PutUint32(h[8:], 0)  // thiszone: UTC
	binary.LittleEndian.PutUint32(h[12:], 0) // sigfigs
	binary.LittleEndian.PutUint32(h[16:], snaplen)
	binary.LittleEndian.PutUint32(h[20:], uint32(lt))
	_, err := p.w.Write(h)
	return err
}

// writePacket writes one packet, all of it captured, seen at ts.
func (p *pcapWriter) writePacket(ts time.Time, data []byte) error {
	h := p.buf[:16]
	binary.LittleEndian.PutUint32(h[0:], uint32(ts.Unix()))
	binary.LittleEndian.PutUint32(h[4:], uint32(ts.Nanosecond()/1000))
	binary.LittleEndian.PutUint32(h[8:], uint32(len(data)))
	binary.LittleEndian.PutUint32(h[12:], uint32(len(data)))
	if _, err := p.w.Write(h); err != nil {
		return err
	}
	_, err := p.w.Write(data)
	return err
}
