package sniff

import "encoding/binary"

// MaxClientHello bounds the ClientHello that SNI reads: its handshake
// message, and the TLS records that carry it, may not exceed it. Real
// ClientHellos are well under 2 KiB even with post-quantum key shares.
const MaxClientHello = 16 << 10

// TLS constants (RFC 8446 §5.1, §4, §4.2; RFC 6066 §3).
const (
	recordHandshake    = 22
	recordHeaderLen    = 5
	maxRecordLen       = 1 << 14
	typeClientHello    = 1
	extServerName      = 0
	serverNameHost     = 0
	handshakeHeaderLen = 4
)

// SNI reads the server name of the TLS ClientHello that b begins with (the
// first bytes a client sends on a connection). The handshake message may
// span several TLS records and b may end anywhere: NeedMore asks for the
// bytes that follow. The name is lower-case, without a trailing dot.
func SNI(b []byte) (string, Result) {
	hs, r := handshake(b)
	if r != Found {
		return "", r
	}
	return clientHelloSNI(hs[handshakeHeaderLen:])
}

// handshake gathers the first handshake message from the records that b
// begins with; Found means hs holds it whole (header included). hs aliases
// b when the message fits one record.
func handshake(b []byte) (hs []byte, r Result) {
	var joined []byte
	for used := 0; ; {
		rest := b[used:]
		if len(rest) == 0 {
			return nil, NeedMore
		}
		if rest[0] != recordHandshake {
			return nil, NotProtocol
		}
		if len(rest) >= 2 && rest[1] != 3 { // legacy_record_version 3.x
			return nil, NotProtocol
		}
		if len(rest) < recordHeaderLen {
			return nil, NeedMore
		}
		n := int(binary.BigEndian.Uint16(rest[3:]))
		if n == 0 || n > maxRecordLen {
			return nil, Malformed
		}
		if used > 2*MaxClientHello { // tiny records: bound the work
			return nil, TooLong
		}
		frag := rest[recordHeaderLen:min(len(rest), recordHeaderLen+n)]
		if used == 0 {
			hs = frag // the common case: one record, no copy
		} else {
			if joined == nil {
				joined = append(make([]byte, 0, len(hs)+len(frag)), hs...)
			}
			joined = append(joined, frag...)
			hs = joined
		}
		if len(hs) >= 1 && hs[0] != typeClientHello {
			return nil, NotProtocol
		}
		if len(hs) >= handshakeHeaderLen {
			l := int(hs[1])<<16 | int(hs[2])<<8 | int(hs[3])
			if l > MaxClientHello {
				return nil, TooLong
			}
			if len(hs) >= handshakeHeaderLen+l {
				return hs[:handshakeHeaderLen+l], Found
			}
		}
		if len(frag) < n {
			return nil, NeedMore
		}
		used += recordHeaderLen + n
	}
}

// reader reads big-endian fields and length-prefixed vectors; once a read
// fails, every later one fails too.
type reader struct {
	b  []byte
	ok bool
}

func (r *reader) skip(n int) {
	if !r.ok || n > len(r.b) {
		r.ok = false
		return
	}
	r.b = r.b[n:]
}

func (r *reader) uint(n int) int {
	if !r.ok || n > len(r.b) {
		r.ok = false
		return 0
	}
	v := 0
	for _, c := range r.b[:n] {
		v = v<<8 | int(c)
	}
	r.b = r.b[n:]
	return v
}

// vector reads a vector with an n-byte length prefix.
func (r *reader) vector(n int) reader {
	l := r.uint(n)
	if !r.ok || l > len(r.b) {
		r.ok = false
		return reader{}
	}
	v := reader{b: r.b[:l], ok: true}
	r.b = r.b[l:]
	return v
}

// clientHelloSNI reads the server_name extension of a ClientHello body
// (RFC 8446 §4.1.2).
func clientHelloSNI(body []byte) (string, Result) {
	r := reader{b: body, ok: true}
	r.skip(2 + 32) // legacy_version, random
	r.vector(1)    // legacy_session_id
	suites := r.vector(2)
	comp := r.vector(1)
	if !r.ok || len(suites.b) < 2 || len(suites.b)%2 != 0 || len(comp.b) < 1 {
		return "", Malformed
	}
	if len(r.b) == 0 {
		return "", NoName // no extensions at all
	}
	exts := r.vector(2)
	if !r.ok || len(r.b) != 0 {
		return "", Malformed
	}
	for len(exts.b) > 0 {
		typ := exts.uint(2)
		data := exts.vector(2)
		if !exts.ok {
			return "", Malformed
		}
		if typ == extServerName {
			return serverName(data)
		}
	}
	return "", NoName
}

// serverName reads a server_name extension's host_name (RFC 6066 §3).
func serverName(ext reader) (string, Result) {
	list := ext.vector(2)
	if !ext.ok || len(ext.b) != 0 {
		return "", Malformed
	}
	for len(list.b) > 0 {
		typ := list.uint(1)
		name := list.vector(2)
		if !list.ok {
			return "", Malformed
		}
		if typ != serverNameHost {
			continue
		}
		n, ok := NormalName(string(name.b))
		if !ok {
			return "", Malformed
		}
		return n, Found
	}
	return "", NoName
}
