package ipfix

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// ErrMalformed marks a message the Decoder refused; nothing of it is
// used.
var ErrMalformed = errors.New("ipfix: malformed message")

// Decoder decodes the messages of one transport session (RFC 7011
// section 8): it keeps the templates each observation domain sent, so a
// data set may come in a later message than its template. It is not safe
// for concurrent use.
type Decoder struct {
	templates map[uint32]map[uint16]Template
	// Unknown counts the data sets skipped for want of their template
	// (RFC 7011 section 8: the collector cannot decode them).
	Unknown int
}

// NewDecoder returns a decoder with no templates.
func NewDecoder() *Decoder {
	return &Decoder{templates: map[uint32]map[uint16]Template{}}
}

func malformed(off int, format string, args ...any) error {
	return fmt.Errorf("%w: offset %d: %s", ErrMalformed, off, fmt.Sprintf(format, args...))
}

// Decode decodes one message. Its templates take effect for its own data
// sets and later messages of the same domain; a template of no fields
// withdraws one. Options templates and reserved set IDs are skipped. A
// message that is malformed anywhere wraps ErrMalformed, says where, and
// changes no template.
func (d *Decoder) Decode(b []byte) (Message, error) {
	if len(b) < headerLen {
		return Message{}, malformed(0, "%d bytes, shorter than a message header", len(b))
	}
	if v := binary.BigEndian.Uint16(b); v != Version {
		return Message{}, malformed(0, "version %d, want %d", v, Version)
	}
	if n := int(binary.BigEndian.Uint16(b[2:])); n != len(b) {
		return Message{}, malformed(2, "length field %d, message of %d bytes", n, len(b))
	}
	m := Message{
		ExportTime: time.Unix(int64(binary.BigEndian.Uint32(b[4:])), 0).UTC(),
		Sequence:   binary.BigEndian.Uint32(b[8:]),
		DomainID:   binary.BigEndian.Uint32(b[12:]),
	}
	known := map[uint16]Template{}
	for id, t := range d.templates[m.DomainID] {
		known[id] = t
	}
	unknown := 0
	for off := headerLen; off < len(b); {
		if len(b)-off < setHeader {
			return Message{}, malformed(off, "%d bytes left, shorter than a set header", len(b)-off)
		}
		id := binary.BigEndian.Uint16(b[off:])
		n := int(binary.BigEndian.Uint16(b[off+2:]))
		if n < setHeader || off+n > len(b) {
			return Message{}, malformed(off+2, "set length %d with %d bytes left", n, len(b)-off)
		}
		body, at := b[off+setHeader:off+n], off+setHeader
		switch {
		case id == setTemplate:
			ts, err := decodeTemplates(body, at)
			if err != nil {
				return Message{}, err
			}
			for _, t := range ts {
				if len(t.Fields) == 0 {
					delete(known, t.ID)
				} else {
					known[t.ID] = t
				}
			}
			m.Templates = append(m.Templates, ts...)
		case id >= MinTemplateID:
			t, ok := known[id]
			if !ok {
				unknown++
				break
			}
			rs, err := decodeRecords(body, at, t)
			if err != nil {
				return Message{}, err
			}
			m.Records = append(m.Records, rs...)
		}
		// Options templates (3) and the reserved IDs are skipped.
		off += n
	}
	d.templates[m.DomainID] = known
	d.Unknown += unknown
	return m, nil
}

// decodeTemplates reads a template set's body (at is its offset in the
// message). Padding shorter than a template record header ends it.
func decodeTemplates(b []byte, at int) ([]Template, error) {
	var out []Template
	off := 0
	for len(b)-off >= 4 {
		t := Template{ID: binary.BigEndian.Uint16(b[off:])}
		count := int(binary.BigEndian.Uint16(b[off+2:]))
		if t.ID < MinTemplateID {
			if t.ID == 0 && count == 0 {
				break // padding
			}
			return nil, malformed(at+off, "template ID %d below %d", t.ID, MinTemplateID)
		}
		off += 4
		for range count {
			if len(b)-off < 4 {
				return nil, malformed(at+off, "template %d: field specifier past the set's end", t.ID)
			}
			f := FieldSpec{ID: binary.BigEndian.Uint16(b[off:]), Length: binary.BigEndian.Uint16(b[off+2:])}
			off += 4
			if f.ID&0x8000 != 0 {
				if len(b)-off < 4 {
					return nil, malformed(at+off, "template %d: enterprise number past the set's end", t.ID)
				}
				f.ID &^= 0x8000
				f.Enterprise = binary.BigEndian.Uint32(b[off:])
				off += 4
			}
			if f.Length == 0 {
				return nil, malformed(at+off-4, "template %d: field %d of length 0", t.ID, f.ID)
			}
			t.Fields = append(t.Fields, f)
		}
		out = append(out, t)
	}
	return out, nil
}

// minLen is the shortest record of t: its fixed fields, and a length
// byte for each variable one.
func minLen(t Template) int {
	n := 0
	for _, f := range t.Fields {
		if f.Length == VarLen {
			n++
		} else {
			n += int(f.Length)
		}
	}
	return n
}

// decodeRecords reads a data set's body with its template. What is left
// after the last record, shorter than the shortest record, is padding.
func decodeRecords(b []byte, at int, t Template) ([]Record, error) {
	var out []Record
	least := max(minLen(t), 1)
	off := 0
	for len(b)-off >= least {
		r := Record{Template: t.ID, Values: make([][]byte, len(t.Fields))}
		for j, f := range t.Fields {
			n := int(f.Length)
			if f.Length == VarLen {
				if off >= len(b) {
					return nil, malformed(at+off, "template %d field %d: length past the set's end", t.ID, j)
				}
				n = int(b[off])
				off++
				if n == 255 {
					if len(b)-off < 2 {
						return nil, malformed(at+off, "template %d field %d: long length past the set's end", t.ID, j)
					}
					n = int(binary.BigEndian.Uint16(b[off:]))
					off += 2
				}
			}
			if len(b)-off < n {
				return nil, malformed(at+off, "template %d field %d: %d bytes with %d left in the set", t.ID, j, n, len(b)-off)
			}
			r.Values[j] = b[off : off+n : off+n]
			off += n
		}
		out = append(out, r)
	}
	return out, nil
}

// Template returns the template id of domain that is in force after the
// messages decoded so far.
func (d *Decoder) Template(domain uint32, id uint16) (Template, bool) {
	t, ok := d.templates[domain][id]
	return t, ok
}
