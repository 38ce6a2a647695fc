package ipfix

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// Version is the version number of an IPFIX message header (RFC 7011
// section 3.1).
const Version = 10

// Set IDs (RFC 7011 section 3.3.2): 2 is a template set, 3 an options
// template set, 256 and above a data set of that template.
const (
	setTemplate        = 2
	setOptionsTemplate = 3
	// MinTemplateID is the lowest template ID, and so the lowest data set
	// ID.
	MinTemplateID = 256
)

// VarLen is the field length that marks a variable-length field (RFC
// 7011 section 7).
const VarLen = 0xffff

const (
	headerLen = 16
	setHeader = 4
)

// FieldSpec is one field of a template: an information element (enterprise
// 0 is IANA's) and its length in a data record, or VarLen.
type FieldSpec struct {
	Enterprise uint32
	ID         uint16
	Length     uint16
}

// Template is a template record: its ID (256 or more) and its fields, in
// the order their values follow in a data record. A template of no fields
// withdraws the ID.
type Template struct {
	ID     uint16
	Fields []FieldSpec
}

// Record is one data record: the value of each field of its template, in
// the template's order.
type Record struct {
	Template uint16
	Values   [][]byte
}

// Message is one IPFIX message.
type Message struct {
	// ExportTime is second-precise on the wire.
	ExportTime time.Time
	Sequence   uint32
	DomainID   uint32
	// Templates are sent in one template set ahead of the records.
	Templates []Template
	// Records are sent in one data set per run of records of one
	// template.
	Records []Record
}

// Encode returns m on the wire. A record whose values do not fit its
// template (which must be among m.Templates) is an error.
func Encode(m Message) ([]byte, error) {
	b := make([]byte, headerLen, 512)
	byID := map[uint16]Template{}
	if len(m.Templates) > 0 {
		start := len(b)
		b = binary.BigEndian.AppendUint16(b, setTemplate)
		b = append(b, 0, 0)
		for _, t := range m.Templates {
			if t.ID < MinTemplateID {
				return nil, fmt.Errorf("ipfix: template ID %d below %d", t.ID, MinTemplateID)
			}
			byID[t.ID] = t
			b = binary.BigEndian.AppendUint16(b, t.ID)
			b = binary.BigEndian.AppendUint16(b, uint16(len(t.Fields)))
			for _, f := range t.Fields {
				id := f.ID
				if f.Enterprise != 0 {
					id |= 0x8000
				}
				b = binary.BigEndian.AppendUint16(b, id)
				b = binary.BigEndian.AppendUint16(b, f.Length)
				if f.Enterprise != 0 {
					b = binary.BigEndian.AppendUint32(b, f.Enterprise)
				}
			}
		}
		binary.BigEndian.PutUint16(b[start+2:], uint16(len(b)-start))
	}
	for i := 0; i < len(m.Records); {
		tid := m.Records[i].Template
		t, ok := byID[tid]
		if !ok {
			return nil, fmt.Errorf("ipfix: record %d: template %d not in the message", i, tid)
		}
		start := len(b)
		b = binary.BigEndian.AppendUint16(b, tid)
		b = append(b, 0, 0)
		for ; i < len(m.Records) && m.Records[i].Template == tid; i++ {
			var err error
			if b, err = appendRecord(b, t, m.Records[i]); err != nil {
				return nil, fmt.Errorf("ipfix: record %d: %w", i, err)
			}
		}
		if len(b)-start > 0xffff {
			return nil, errors.New("ipfix: data set longer than 65535 bytes")
		}
		binary.BigEndian.PutUint16(b[start+2:], uint16(len(b)-start))
	}
	if len(b) > 0xffff {
		return nil, fmt.Errorf("ipfix: message of %d bytes, more than 65535", len(b))
	}
	binary.BigEndian.PutUint16(b[0:], Version)
	binary.BigEndian.PutUint16(b[2:], uint16(len(b)))
	binary.BigEndian.PutUint32(b[4:], uint32(m.ExportTime.Unix()))
	binary.BigEndian.PutUint32(b[8:], m.Sequence)
	binary.BigEndian.PutUint32(b[12:], m.DomainID)
	return b, nil
}

func appendRecord(b []byte, t Template, r Record) ([]byte, error) {
	if len(r.Values) != len(t.Fields) {
		return nil, fmt.Errorf("%d values for template %d of %d fields", len(r.Values), t.ID, len(t.Fields))
	}
	for j, f := range t.Fields {
		v := r.Values[j]
		switch {
		case f.Length != VarLen:
			if len(v) != int(f.Length) {
				return nil, fmt.Errorf("field %d: %d bytes, the template says %d", j, len(v), f.Length)
			}
		case len(v) < 255:
			b = append(b, byte(len(v)))
		case len(v) <= 0xffff:
			b = append(b, 255)
			b = binary.BigEndian.AppendUint16(b, uint16(len(v)))
		default:
			return nil, fmt.Errorf("field %d: %d bytes, more than 65535", j, len(v))
		}
		b = append(b, v...)
	}
	return b, nil
}
