package ipfix

import (
	"encoding/binary"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 7, 15, 0, 0, 0, time.UTC)

func sampleFlows() []Flow {
	return []Flow{
		{Src: netip.MustParseAddr("10.1.1.10"), Dst: netip.MustParseAddr("10.2.1.10"), Proto: 6, SrcPort: 40000, DstPort: 5432,
			Packets: 10, Bytes: 1234, Start: t0, End: t0.Add(1500 * time.Millisecond), SrcDomain: "prod", DstDomain: "shared", Action: Permit},
		{Src: netip.MustParseAddr("10.2.1.10"), Dst: netip.MustParseAddr("10.3.1.10"), Proto: 1,
			Packets: 3, Bytes: 252, Start: t0, End: t0.Add(2 * time.Second), SrcDomain: "dev", DstDomain: "prod", Action: Deny},
		{Src: netip.MustParseAddr("fd00:1::10"), Dst: netip.MustParseAddr("fd00:2::10"), Proto: 17, SrcPort: 53000, DstPort: 53,
			Packets: 1, Bytes: 80, Start: t0, End: t0, SrcDomain: strings.Repeat("d", 300), Action: Permit},
	}
}

// decodeFlows decodes every message with one decoder and returns the
// flows in order.
func decodeFlows(t *testing.T, msgs [][]byte) []Flow {
	t.Helper()
	d := NewDecoder()
	var out []Flow
	for i, b := range msgs {
		m, err := d.Decode(b)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		for _, r := range m.Records {
			f, ok := FlowOf(r, d.templates[m.DomainID][r.Template])
			if !ok {
				t.Fatalf("message %d: record of template %d is no flow", i, r.Template)
			}
			out = append(out, f)
		}
	}
	return out
}

func TestFlowsRoundTrip(t *testing.T) {
	s := Stream{DomainID: 7}
	want := sampleFlows()
	msgs, err := s.Encode(t0, want, 1400)
	if err != nil {
		t.Fatal(err)
	}
	if got := decodeFlows(t, msgs); !reflect.DeepEqual(got, want) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
	}
	// Sequence numbers count the records sent before each message.
	msgs2, err := s.Encode(t0, want[:1], 1400)
	if err != nil {
		t.Fatal(err)
	}
	if seq := binary.BigEndian.Uint32(msgs2[0][8:]); seq != 3 {
		t.Errorf("second export's sequence %d, want 3", seq)
	}
}

func TestStreamSplitsAtMaxSize(t *testing.T) {
	var flows []Flow
	for i := range 100 {
		f := sampleFlows()[0]
		f.SrcPort = uint16(1000 + i)
		flows = append(flows, f)
	}
	s := Stream{DomainID: 1}
	msgs, err := s.Encode(t0, flows, 512)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) < 2 {
		t.Fatalf("%d messages, want several", len(msgs))
	}
	for i, m := range msgs {
		if len(m) > 512 {
			t.Errorf("message %d: %d bytes, over 512", i, len(m))
		}
	}
	if got := decodeFlows(t, msgs); !reflect.DeepEqual(got, flows) {
		t.Errorf("split export decodes to %d flows, want the %d sent", len(got), len(flows))
	}
	if _, err := s.Encode(t0, flows[:1], 60); err == nil {
		t.Error("a record larger than the message size was accepted")
	}
}

// TestTemplatesCarryOver: a data set may come in a later message than
// its template, withdrawn templates stop decoding, and a domain's
// templates are its own.
func TestTemplatesCarryOver(t *testing.T) {
	f := sampleFlows()[0]
	r, _ := f.Record()
	tmpl, _ := Encode(Message{DomainID: 1, Templates: FlowTemplates[:1]})
	data := dataOnly(t, 1, r)
	d := NewDecoder()
	if _, err := d.Decode(tmpl); err != nil {
		t.Fatal(err)
	}
	m, err := d.Decode(data)
	if err != nil || len(m.Records) != 1 {
		t.Fatalf("data after its template: %d records, %v", len(m.Records), err)
	}
	other := dataOnly(t, 2, r)
	if m, err := d.Decode(other); err != nil || len(m.Records) != 0 || d.Unknown != 1 {
		t.Errorf("another domain's data: %d records, %d unknown sets, %v; want 0, 1, nil", len(m.Records), d.Unknown, err)
	}
	withdraw, _ := Encode(Message{DomainID: 1, Templates: []Template{{ID: templateIPv4}}})
	if _, err := d.Decode(withdraw); err != nil {
		t.Fatal(err)
	}
	if m, _ := d.Decode(data); len(m.Records) != 0 {
		t.Errorf("data of a withdrawn template decoded to %d records", len(m.Records))
	}
}

// dataOnly is a message of one data set, without its template.
func dataOnly(t *testing.T, domain uint32, r Record) []byte {
	t.Helper()
	b, err := Encode(Message{DomainID: domain, Templates: FlowTemplates, Records: []Record{r}})
	if err != nil {
		t.Fatal(err)
	}
	tlen := int(binary.BigEndian.Uint16(b[headerLen+2:]))
	out := append(append([]byte{}, b[:headerLen]...), b[headerLen+tlen:]...)
	binary.BigEndian.PutUint16(out[2:], uint16(len(out)))
	return out
}
