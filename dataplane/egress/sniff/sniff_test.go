package sniff

import (
	"bytes"
	"crypto/tls"
	"flag"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/ from Go's crypto/tls client")

// clientHello returns the bytes a Go crypto/tls client sends first on a
// connection to name (cfg adjusts the client), read from a net.Pipe until
// SNI has them whole.
func clientHello(t testing.TB, name string, cfg func(*tls.Config)) []byte {
	t.Helper()
	c, s := net.Pipe()
	defer c.Close()
	defer s.Close()
	conf := &tls.Config{ServerName: name, InsecureSkipVerify: name == ""}
	if cfg != nil {
		cfg(conf)
	}
	go tls.Client(c, conf).Handshake() // fails when the pipe closes
	s.SetReadDeadline(time.Now().Add(5 * time.Second))
	var buf []byte
	for {
		b := make([]byte, 512) // small reads: the parser sees every cut
		n, err := s.Read(b)
		if err != nil {
			t.Fatalf("read ClientHello for %q: %v (have %d bytes)", name, err, len(buf))
		}
		buf = append(buf, b[:n]...)
		if _, r := SNI(buf); r != NeedMore {
			return buf
		}
	}
}

// TestSNIOfRealClientHellos: the names Go's TLS client sends, with its
// default (post-quantum) key shares and with TLS 1.2 only, are read; every
// cut of a ClientHello asks for more.
func TestSNIOfRealClientHellos(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		cfg        func(*tls.Config)
	}{
		{"api.example.com", "api.example.com", nil},
		{"Blocked.Example.NET.", "blocked.example.net", nil},
		{"tls12.example.com", "tls12.example.com", func(c *tls.Config) { c.MaxVersion = tls.VersionTLS12 }},
	} {
		hello := clientHello(t, tc.name, tc.cfg)
		if got, r := SNI(hello); r != Found || got != tc.want {
			t.Errorf("SNI(hello for %q) = %q, %v; want %q, found", tc.name, got, r, tc.want)
		}
		for cut := 0; cut < len(hello); cut++ {
			if got, r := SNI(hello[:cut]); r != NeedMore {
				t.Fatalf("SNI(first %d of %d bytes for %q) = %q, %v; want need more", cut, len(hello), tc.name, got, r)
			}
		}
	}
	// An IP address as ServerName: Go sends no SNI (RFC 6066 forbids
	// literals).
	if got, r := SNI(clientHello(t, "198.51.100.20", func(c *tls.Config) { c.InsecureSkipVerify = true })); r != NoName {
		t.Errorf("SNI(hello to an address) = %q, %v; want no name", got, r)
	}
}

// TestSNISplitAcrossRecords: a ClientHello whose handshake message spans
// two TLS records (allowed, RFC 8446 §5.1) is read whole.
func TestSNISplitAcrossRecords(t *testing.T) {
	hello := clientHello(t, "api.example.com", nil)
	hs := hello[recordHeaderLen:]
	split := func(at int) []byte {
		var b []byte
		for _, frag := range [][]byte{hs[:at], hs[at:]} {
			b = append(b, recordHandshake, 3, 1, byte(len(frag)>>8), byte(len(frag)))
			b = append(b, frag...)
		}
		return b
	}
	for _, at := range []int{1, 3, 4, 100, len(hs) - 1} {
		b := split(at)
		if got, r := SNI(b); r != Found || got != "api.example.com" {
			t.Errorf("split at %d: SNI = %q, %v", at, got, r)
		}
		if _, r := SNI(b[:recordHeaderLen+at+2]); r != NeedMore {
			t.Errorf("split at %d, cut in the second record: %v, want need more", at, r)
		}
	}
}

// TestSNIResults: what is not TLS, broken or too long says so.
func TestSNIResults(t *testing.T) {
	hello := clientHello(t, "api.example.com", nil)
	long := append([]byte{recordHandshake, 3, 1, 0x40, 0, typeClientHello, 0x01, 0, 0}, make([]byte, 100)...)
	badLen := bytes.Clone(hello)
	badLen[recordHeaderLen+handshakeHeaderLen+2+32] = 200 // session id longer than the message
	badName := bytes.Replace(bytes.Clone(hello), []byte("api.example.com"), []byte("api.exa mple.co"), 1)
	for _, tc := range []struct {
		name string
		in   []byte
		want Result
	}{
		{"empty", nil, NeedMore},
		{"HTTP", []byte("GET / HTTP/1.1\r\n"), NotProtocol},
		{"SSH", []byte("SSH-2.0-OpenSSH_9.6\r\n"), NotProtocol},
		{"alert record", []byte{21, 3, 3, 0, 2, 2, 40}, NotProtocol},
		{"server hello", []byte{recordHandshake, 3, 3, 0, 4, 2, 0, 0, 0}, NotProtocol},
		{"SSLv2-ish version", []byte{recordHandshake, 2, 0}, NotProtocol},
		{"zero-length record", []byte{recordHandshake, 3, 1, 0, 0}, Malformed},
		{"handshake over the bound", long, TooLong},
		{"bad session id length", badLen, Malformed},
		{"name with a space", badName, Malformed},
	} {
		if got, r := SNI(tc.in); r != tc.want {
			t.Errorf("%s: SNI = %q, %v; want %v", tc.name, got, r, tc.want)
		}
	}
}

// TestHost: request lines and Host headers, and each way they fail.
func TestHost(t *testing.T) {
	for _, tc := range []struct {
		in     string
		want   Result
		host   string
		target string
	}{
		{"GET /x HTTP/1.1\r\nHost: API.example.com\r\nAccept: */*\r\n\r\n", Found, "api.example.com", "/x"},
		{"GET / HTTP/1.1\r\nUser-Agent: t\r\nhost: api.example.com:8080\r\n\r\n", Found, "api.example.com", "/"},
		{"POST /p HTTP/1.1\nHost: api.example.com.\n\n", Found, "api.example.com", "/p"},
		{"GET http://abs.example.com:80/p?q HTTP/1.1\r\nHost: other.example.com\r\n\r\n", Found, "abs.example.com", "http://abs.example.com:80/p?q"},
		{"GET / HTTP/1.1\r\nHost: [2001:db8::1]:80\r\n\r\n", Found, "2001:db8::1", "/"},
		{"GET / HTTP/1.1\r\nHost: 198.51.100.20\r\n\r\n", Found, "198.51.100.20", "/"},
		{"GET / HTTP/1.0\r\n\r\n", NoName, "", "/"},
		{"GET / HTTP/1.1\r\nHost: a.example.com\r\nHost: b.example.com\r\n\r\n", Malformed, "", "/"},
		{"GET / HTTP/1.1\r\nHost: a b\r\n\r\n", Malformed, "", "/"},
		{"GET / HTTP/1.1\r\nHost: a.example.com:x\r\n\r\n", Malformed, "", "/"},
		{"GET / HTTP/1.1\r\n folded\r\n\r\n", Malformed, "", "/"},
		{"GET / HTTP/1.1\r\nHost: api.example.com\r\n", NeedMore, "", "/"},
		{"GET / HTTP/1.1\r\nHo", NeedMore, "", "/"},
		{"GET / HT", NeedMore, "", ""},
		{"", NeedMore, "", ""},
		{"GET / SPDY/3\r\n", NotProtocol, "", ""},
		{"GET / SP", NotProtocol, "", ""},
		{"\x16\x03\x01\x02\x00", NotProtocol, "", ""},
		{"SSH-2.0-OpenSSH_9.6\r\n", NotProtocol, "", ""},
		{"GET  HTTP/1.1\r\n\r\n", Malformed, "", ""},
		{"GET / HTTP/1.1\r\nX: " + strings.Repeat("a", MaxHTTPHeader) + "\r\n\r\n", TooLong, "", "/"},
		{"GET / HTTP/1.1\r\nX: " + strings.Repeat("a", MaxHTTPHeader), TooLong, "", "/"},
	} {
		req, r := Host([]byte(tc.in))
		if r != tc.want || req.Host != tc.host || req.Target != tc.target {
			t.Errorf("Host(%.60q) = %+v, %v; want host %q target %q, %v", tc.in, req, r, tc.host, tc.target, tc.want)
		}
	}
}

// testdataHellos are the ClientHellos kept under testdata/: small ones
// (X25519 only, TLS 1.2) seed the fuzzer, whose minimiser crawls on the
// 1.5 KiB post-quantum default; that one is kept for TestTestdataHellos.
var testdataHellos = []struct {
	file, name string
	cfg        func(*tls.Config)
}{
	{"clienthello-api.example.com.bin", "api.example.com", x25519},
	{"clienthello-blocked.example.net.bin", "blocked.example.net", x25519},
	{"clienthello-tls12.example.com.bin", "tls12.example.com", func(c *tls.Config) { c.MaxVersion = tls.VersionTLS12 }},
	{"pq-clienthello-api.example.com.bin", "api.example.com", nil},
}

func x25519(c *tls.Config) { c.CurvePreferences = []tls.CurveID{tls.X25519} }

// TestTestdataHellos: the ClientHellos kept under testdata/ still parse;
// -update rewrites them from today's crypto/tls.
func TestTestdataHellos(t *testing.T) {
	for _, h := range testdataHellos {
		path := filepath.Join("testdata", h.file)
		if *update {
			if err := os.WriteFile(path, clientHello(t, h.name, h.cfg), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if got, r := SNI(b); r != Found || got != h.name {
			t.Errorf("%s: SNI = %q, %v", path, got, r)
		}
	}
}
