package sniff

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// maxFuzzInput bounds FuzzSNI's inputs: the seeds are under 300 bytes.
const maxFuzzInput = 2048

// FuzzSNI: SNI never panics, returns a valid lower-case name only with
// Found, and answers a prefix of a message that it found whole with
// NeedMore or Found (never a different verdict on a cut). Seeds: real
// ClientHellos from Go's crypto/tls (testdata/) and cut or split ones.
func FuzzSNI(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "clienthello-*.bin"))
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
		hs := b[recordHeaderLen:]
		two := append([]byte{recordHandshake, 3, 1, 0, 40}, hs[:40]...)
		f.Add(append(append(two, recordHandshake, 3, 1, byte((len(hs)-40)>>8), byte(len(hs)-40)), hs[40:]...))
	}
	f.Add([]byte("GET / HTTP/1.1\r\n"))
	f.Add([]byte{recordHandshake, 3, 1, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		// Longer inputs add no path (the bounds are length fields) but
		// make the fuzzer's minimiser crawl.
		if len(b) > maxFuzzInput {
			return
		}
		name, r := SNI(b)
		if (r == Found) != (name != "") {
			t.Fatalf("SNI = %q, %v: a name without found, or found without a name", name, r)
		}
		if r == Found {
			if n, ok := NormalName(name); !ok || n != name {
				t.Fatalf("SNI returned %q, not a normal name", name)
			}
			for _, cut := range []int{0, len(b) / 2, len(b) - 1} {
				if cut < 0 {
					continue
				}
				if got, r2 := SNI(b[:cut]); r2 != NeedMore && !(r2 == Found && got == name) {
					t.Fatalf("SNI found %q in %d bytes but says %v after %d", name, len(b), r2, cut)
				}
			}
		}
	})
}

// FuzzHost: Host never panics, returns a normal name only with Found, and
// never reads a name from a header whose blank line it has not seen.
func FuzzHost(f *testing.F) {
	for _, s := range []string{
		"GET / HTTP/1.1\r\nHost: api.example.com\r\n\r\n",
		"GET http://a.example.com/ HTTP/1.1\r\nHost: b\r\n\r\n",
		"POST /x HTTP/1.0\r\nContent-Length: 0\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: [2001:db8::1]:80\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
		"GET / HT",
	} {
		f.Add([]byte(s))
	}
	if b, err := os.ReadFile(filepath.Join("testdata", "clienthello-api.example.com.bin")); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > MaxHTTPHeader+64 {
			return
		}
		req, r := Host(b)
		if r == Found {
			if n, ok := NormalName(req.Host); !ok || n != req.Host {
				t.Fatalf("Host returned %q, not a normal name", req.Host)
			}
			if !bytes.Contains(b, []byte("\n\n")) && !bytes.Contains(b, []byte("\n\r\n")) {
				t.Fatalf("found %q before the end of the header", req.Host)
			}
		}
		if r != Found && req.Host != "" && r != NeedMore && !strings.HasPrefix(strings.ToLower(req.Target), "http") {
			t.Fatalf("Host = %+v, %v: a name without found", req, r)
		}
	})
}
