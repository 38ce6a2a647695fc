package ipfix

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

// msg builds a message of the given sets (each a set ID and body); its
// length field is right unless fixed up by the caller.
func msg(sets ...[]byte) []byte {
	b := make([]byte, headerLen)
	binary.BigEndian.PutUint16(b, Version)
	for _, s := range sets {
		b = append(b, s...)
	}
	binary.BigEndian.PutUint16(b[2:], uint16(len(b)))
	return b
}

func set(id uint16, body ...byte) []byte {
	b := binary.BigEndian.AppendUint16(nil, id)
	b = binary.BigEndian.AppendUint16(b, uint16(len(body)+setHeader))
	return append(b, body...)
}

func u16s(vs ...uint16) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.BigEndian.AppendUint16(b, v)
	}
	return b
}

// TestDecodeHostile: every malformed message is refused with
// ErrMalformed and the offset and reason, never a panic, and changes no
// template.
func TestDecodeHostile(t *testing.T) {
	// template 256: one 4-byte field and one variable-length field.
	tmpl := set(setTemplate, u16s(256, 2, 8, 4, 82, VarLen)...)
	for _, tc := range []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "offset 0: 0 bytes, shorter than a message header"},
		{"short header", make([]byte, 15), "offset 0: 15 bytes"},
		{"netflow v9", func() []byte { b := msg(); b[1] = 9; return b }(), "offset 0: version 9, want 10"},
		{"length field too long", func() []byte { b := msg(); b[3] = 200; return b }(), "offset 2: length field 200, message of 16 bytes"},
		{"length field too short", func() []byte { b := msg(tmpl); b[3] = 16; return b }(), "offset 2: length field 16"},
		{"truncated set header", msg([]byte{0, 2}), "offset 16: 2 bytes left, shorter than a set header"},
		{"set length 0", msg([]byte{1, 0, 0, 0}), "offset 18: set length 0 with 4 bytes left"},
		{"set length past the end", msg([]byte{0, 2, 0, 40, 1, 0}), "offset 18: set length 40 with 6 bytes left"},
		{"template ID 5", msg(set(setTemplate, u16s(5, 1, 8, 4)...)), "offset 20: template ID 5 below 256"},
		{"field count past the set", msg(set(setTemplate, u16s(256, 3, 8, 4)...)), "offset 28: template 256: field specifier past the set's end"},
		{"enterprise number cut", msg(set(setTemplate, append(u16s(256, 1, 0x8001, 4), 0, 0)...)), "offset 28: template 256: enterprise number past the set's end"},
		{"field of length 0", msg(set(setTemplate, u16s(256, 1, 8, 0)...)), "template 256: field 8 of length 0"},
		{"short long-length", msg(tmpl, set(256, 10, 0, 0, 1, 255, 1)), "offset 41: template 256 field 1: long length past the set's end"},
		{"variable field past the set", msg(tmpl, set(256, 10, 0, 0, 1, 9, 'a')), "offset 41: template 256 field 1: 9 bytes with 1 left in the set"},
		{"long length past the set", msg(tmpl, set(256, 10, 0, 0, 1, 255, 1, 0, 'a')), "template 256 field 1: 256 bytes with 1 left"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDecoder()
			_, err := d.Decode(tc.b)
			if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Decode: %v, want ErrMalformed with %q", err, tc.want)
			}
			if len(d.templates) != 0 {
				t.Errorf("a refused message left templates %v", d.templates)
			}
		})
	}
}

// TestDecodeTolerated: what RFC 7011 allows a collector to meet is
// decoded, not refused.
func TestDecodeTolerated(t *testing.T) {
	tmpl := set(setTemplate, u16s(256, 2, 8, 4, 82, VarLen)...)
	rec := []byte{10, 0, 0, 1, 3, 'e', 't', 'h'}
	for _, tc := range []struct {
		name    string
		b       []byte
		records int
	}{
		{"header only", msg(), 0},
		{"template set padding", msg(set(setTemplate, append(u16s(256, 2, 8, 4, 82, VarLen), 0, 0, 0, 0)...), set(256, rec...)), 1},
		{"data set padding", msg(tmpl, set(256, append(append(rec, rec...), 0, 0, 0)...)), 2},
		{"options template skipped", msg(set(setOptionsTemplate, u16s(300, 1, 1, 149, 4)...), tmpl, set(256, rec...)), 1},
		{"reserved set ID skipped", msg(set(100, 1, 2, 3), tmpl, set(256, rec...)), 1},
		{"unknown template skipped", msg(set(999, 1, 2, 3, 4)), 0},
		{"zero-length variable field", msg(tmpl, set(256, 10, 0, 0, 1, 0)), 1},
		{"255 long form", msg(tmpl, set(256, append([]byte{10, 0, 0, 1, 255, 0, 2}, 'a', 'b')...)), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := NewDecoder().Decode(tc.b)
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Records) != tc.records {
				t.Errorf("%d records, want %d", len(m.Records), tc.records)
			}
		})
	}
}

// TestFlowOfReducedSize: a foreign exporter's reduced-size counters
// (RFC 7011 section 6.2) read as their values.
func TestFlowOfReducedSize(t *testing.T) {
	tm := Template{ID: 300, Fields: []FieldSpec{{ID: ieSrcIPv4, Length: 4}, {ID: ieDstIPv4, Length: 4},
		{ID: iePacketTotal, Length: 2}, {ID: ieOctetTotal, Length: 4}, {ID: 999, Length: 1}, {Enterprise: 9, ID: 1, Length: 1}}}
	r := Record{Template: 300, Values: [][]byte{{10, 0, 0, 1}, {10, 0, 0, 2}, {1, 0}, {0, 1, 0, 0}, {7}, {8}}}
	f, ok := FlowOf(r, tm)
	if !ok || f.Packets != 256 || f.Bytes != 65536 || f.Src.String() != "10.0.0.1" {
		t.Errorf("FlowOf: %+v %v", f, ok)
	}
	if _, ok := FlowOf(Record{Values: [][]byte{{1}}}, Template{Fields: []FieldSpec{{ID: ieProtocol, Length: 1}}}); ok {
		t.Error("a record without addresses was taken for a flow")
	}
}

func FuzzDecode(f *testing.F) {
	s := Stream{DomainID: 1}
	msgs, _ := s.Encode(t0, sampleFlows(), 1400)
	for _, m := range msgs {
		f.Add(m)
	}
	f.Add(msg(set(setTemplate, u16s(256, 2, 8, 4, 82, VarLen)...), set(256, 10, 0, 0, 1, 255, 0, 1, 'x')))
	f.Fuzz(func(t *testing.T, b []byte) {
		d := NewDecoder()
		m, err := d.Decode(b)
		if err != nil {
			return
		}
		for _, r := range m.Records {
			FlowOf(r, d.templates[m.DomainID][r.Template])
		}
		// What decodes re-encodes to a message that decodes alike.
		if len(m.Templates) > 0 {
			valid := true
			for _, tm := range m.Templates {
				valid = valid && len(tm.Fields) > 0
			}
			if !valid {
				return
			}
			m.Records = nil
			if _, err := Encode(m); err != nil {
				t.Fatalf("re-encode: %v", err)
			}
		}
	})
}
