package bfd

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

func TestPacketRoundTrip(t *testing.T) {
	p := Packet{
		Diag: DiagDetectExpired, State: Up, Poll: true, DetectMult: 3,
		MyDiscriminator: 0x01020304, YourDiscriminator: 0xa0b0c0d0,
		DesiredMinTx: 100 * time.Millisecond, RequiredMinRx: 300 * time.Millisecond,
	}
	b := p.Marshal()
	want := []byte{0x21, 0xe0, 3, 24, 1, 2, 3, 4, 0xa0, 0xb0, 0xc0, 0xd0, 0, 1, 0x86, 0xa0, 0, 4, 0x93, 0xe0, 0, 0, 0, 0}
	if !bytes.Equal(b, want) {
		t.Fatalf("Marshal = % x, want % x", b, want)
	}
	got, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if got != p {
		t.Fatalf("Parse(Marshal(p)) = %+v, want %+v", got, p)
	}
}

func TestParseRejects(t *testing.T) {
	good := Packet{State: Down, DetectMult: 3, MyDiscriminator: 7}.Marshal()
	for name, mutate := range map[string]func([]byte) []byte{
		"short":            func(b []byte) []byte { return b[:23] },
		"version 0":        func(b []byte) []byte { b[0] &= 0x1f; return b },
		"length too big":   func(b []byte) []byte { b[3] = 40; return b },
		"length too small": func(b []byte) []byte { b[3] = 20; return b },
		"auth":             func(b []byte) []byte { b[1] |= flagAuth; return b },
		"multipoint":       func(b []byte) []byte { b[1] |= flagMultipoint; return b },
		"detect mult 0":    func(b []byte) []byte { b[2] = 0; return b },
		"my discr 0":       func(b []byte) []byte { b[7] = 0; return b },
		"up with your 0":   func(b []byte) []byte { b[1] = byte(Up) << 6; return b },
		"init with your 0": func(b []byte) []byte { b[1] = byte(Init) << 6; return b },
	} {
		b := mutate(bytes.Clone(good))
		if _, err := Parse(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: Parse(% x) err = %v, want ErrMalformed", name, b, err)
		}
	}
	if _, err := Parse(good); err != nil {
		t.Fatalf("good packet: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(Packet{State: Down, DetectMult: 3, MyDiscriminator: 7}.Marshal())
	f.Add(Packet{State: Up, DetectMult: 3, MyDiscriminator: 7, YourDiscriminator: 9, Final: true, DesiredMinTx: time.Second}.Marshal())
	f.Add([]byte{0x20, 0x40, 3, 30, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 9, 9, 9, 9, 9})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Parse(b)
		if err != nil {
			return
		}
		// What parses re-encodes to the same mandatory section.
		q, err := Parse(p.Marshal())
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		if q != p {
			t.Fatalf("round trip %+v != %+v", q, p)
		}
		if !bytes.Equal(p.Marshal()[4:], b[4:24]) || p.Marshal()[2] != b[2] {
			t.Fatalf("re-encoded % x from % x", p.Marshal(), b)
		}
	})
}
