package sniff

import (
	"bytes"
	"net/netip"
	"strings"
)

// MaxHTTPHeader bounds the request line and header that Host reads (Go's
// net/http server allows 1 MiB; a request that needs more than this to
// name its host is refused).
const MaxHTTPHeader = 8 << 10

// Request is what Host read of an HTTP/1.x request.
type Request struct {
	Method, Target, Proto string
	// Host is the server's name (lower-case, without port or trailing
	// dot) from an absolute-form target or else the Host header (RFC 9112
	// §3.2.2).
	Host string
}

// Host reads the request line and header of the HTTP/1.x request that b
// begins with, up to the blank line that ends the header (so that a second
// Host header, which a server would refuse, is seen: Malformed). NeedMore
// asks for the bytes that follow; the Request is filled as far as it was
// read.
func Host(b []byte) (Request, Result) {
	var req Request
	end := bytes.IndexByte(b, '\n')
	if end < 0 {
		if r := partialRequestLine(b); r != NeedMore {
			return req, r
		}
		if len(b) > MaxHTTPHeader {
			return req, TooLong
		}
		return req, NeedMore
	}
	if r := requestLine(&req, trimCR(b[:end])); r != Found {
		return req, r
	}
	hostHeader, seen := "", false
	for rest := b[end+1:]; ; {
		if end+1 > MaxHTTPHeader {
			return req, TooLong
		}
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			if len(b) > MaxHTTPHeader {
				return req, TooLong
			}
			return req, NeedMore
		}
		line := trimCR(rest[:i])
		end += i + 1
		rest = rest[i+1:]
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok || len(name) == 0 || !isToken(name) {
			return req, Malformed // also obs-fold: a line starting with space
		}
		if strings.EqualFold(string(name), "host") {
			if seen {
				return req, Malformed
			}
			hostHeader, seen = string(bytes.Trim(value, " \t")), true
		}
	}
	if req.Host != "" { // absolute form wins over the header
		return req, Found
	}
	if !seen {
		return req, NoName
	}
	h, ok := hostOf(hostHeader)
	if !ok {
		return req, Malformed
	}
	req.Host = h
	return req, Found
}

func trimCR(b []byte) []byte { return bytes.TrimSuffix(b, []byte("\r")) }

// partialRequestLine checks an unfinished request line: NeedMore while it
// may still become one, NotProtocol once it cannot.
func partialRequestLine(b []byte) Result {
	method, rest, sp := bytes.Cut(b, []byte(" "))
	if !isToken(method) && len(method) > 0 || sp && len(method) == 0 || len(method) > 16 {
		return NotProtocol
	}
	if _, after, ok := bytes.Cut(rest, []byte(" ")); ok {
		v := trimCR(after)
		if n := min(len(v), len("HTTP/1.")); string(v[:n]) != "HTTP/1."[:n] {
			return NotProtocol
		}
	}
	return NeedMore
}

// requestLine parses "METHOD target HTTP/1.x" into req.
func requestLine(req *Request, line []byte) Result {
	parts := strings.Split(string(line), " ")
	if len(parts) != 3 || !isToken([]byte(parts[0])) || len(parts[0]) > 16 ||
		len(parts[2]) != len("HTTP/1.1") || !strings.HasPrefix(parts[2], "HTTP/1.") {
		if partialRequestLine(line) == NotProtocol {
			return NotProtocol
		}
		return Malformed
	}
	req.Method, req.Target, req.Proto = parts[0], parts[1], parts[2]
	if req.Target == "" {
		return Malformed
	}
	for _, scheme := range []string{"http://", "https://"} {
		if len(req.Target) >= len(scheme) && strings.EqualFold(req.Target[:len(scheme)], scheme) {
			auth := req.Target[len(scheme):]
			if i := strings.IndexAny(auth, "/?#"); i >= 0 {
				auth = auth[:i]
			}
			if i := strings.LastIndexByte(auth, '@'); i >= 0 {
				auth = auth[i+1:]
			}
			h, ok := hostOf(auth)
			if !ok {
				return Malformed
			}
			req.Host = h
		}
	}
	return Found
}

// hostOf reads a host[:port] or [v6]:port authority into a name.
func hostOf(s string) (string, bool) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return NormalName(ap.Addr().String())
	}
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		a, err := netip.ParseAddr(s[1 : len(s)-1])
		if err != nil || a.Zone() != "" {
			return "", false
		}
		return a.String(), true
	}
	if h, port, ok := strings.Cut(s, ":"); ok {
		if port == "" || len(port) > 5 || strings.Trim(port, "0123456789") != "" {
			return "", false
		}
		s = h
	}
	return NormalName(s)
}

// isToken reports whether b is a non-empty HTTP token (RFC 9110 §5.6.2).
func isToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}
