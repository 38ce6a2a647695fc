package aws

import (
	"bytes"
	"encoding/xml"
	"slices"
	"sync"
)

// xmlEncoder is an encoder bound to its own buffer, kept in encoders for
// the next answer: xml.Marshal makes a buffer and a 4 KiB buffered writer
// for every answer, the largest allocations of a call.
type xmlEncoder struct {
	buf bytes.Buffer
	enc *xml.Encoder
}

var encoders = sync.Pool{New: func() any {
	e := &xmlEncoder{}
	e.enc = xml.NewEncoder(&e.buf)
	return e
}}

// marshalXML is xml.Marshal on a pooled encoder. An encoder that failed
// is dropped, since it may hold a half-written element.
func marshalXML(v any) ([]byte, error) {
	e := encoders.Get().(*xmlEncoder)
	e.buf.Reset()
	if err := e.enc.Encode(v); err != nil {
		return nil, err
	}
	out := slices.Clone(e.buf.Bytes())
	if e.buf.Cap() <= 64<<10 { // a huge answer's buffer is not kept
		encoders.Put(e)
	}
	return out, nil
}
