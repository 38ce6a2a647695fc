package internet

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// Host is one web host of the internet.
type Host struct {
	Name    string     // the host's name in the topology, such as web1
	Address netip.Addr // where it listens
	// Names are the DNS names it serves, each with its own certificate.
	Names       []string
	HTTP, HTTPS bool // serve HTTP (port 80) and HTTPS (port 443)
}

// Response headers that say who answered, beside the body.
const (
	HeaderHost = "X-Mcnlab-Host" // the host's name, such as web1
	HeaderName = "X-Mcnlab-Name" // the name it answered for
	HeaderSNI  = "X-Mcnlab-Sni"  // over HTTPS: the server name the client sent
)

// Web is one host's web site: an http.Handler that answers each of the
// host's names, and the TLS configuration that presents each name's
// certificate by SNI.
//
// A request whose Host is one of the names, or the host's address, gets
// 200 and the body "HOST NAME PATH\n" (such as "web1 api.example.com
// /path"), with the headers HeaderHost and HeaderName (and HeaderSNI over
// HTTPS); any other Host gets 421 Misdirected Request naming the host.
// It does not change once made and is safe for concurrent use.
type Web struct {
	host  Host
	names map[string]bool
	certs map[string]*tls.Certificate // by name
	byIP  *tls.Certificate            // for a client that sends no or an unknown SNI
}

// NewWeb makes the web site of h. With h.HTTPS it issues, from ca, a
// certificate for each name and one for the host's address (presented
// when the client names no server or one the host does not serve).
func NewWeb(h Host, ca CA) (*Web, error) {
	if !h.Address.IsValid() {
		return nil, fmt.Errorf("web host %s: no address", h.Name)
	}
	w := &Web{host: h, names: map[string]bool{}, certs: map[string]*tls.Certificate{}}
	for _, n := range h.Names {
		fq := dns.CanonicalName(n)
		if _, ok := dns.IsDomainName(fq); !ok || fq == "." {
			return nil, fmt.Errorf("web host %s: bad name %q", h.Name, n)
		}
		w.names[strings.TrimSuffix(fq, ".")] = true
	}
	if !h.HTTPS {
		return w, nil
	}
	if err := ca.check(); err != nil {
		return nil, fmt.Errorf("web host %s: %w", h.Name, err)
	}
	for n := range w.names {
		c, err := ca.issue(n, []string{n}, nil)
		if err != nil {
			return nil, fmt.Errorf("web host %s: %w", h.Name, err)
		}
		w.certs[n] = c
	}
	c, err := ca.issue(h.Name, nil, []netip.Addr{h.Address})
	if err != nil {
		return nil, fmt.Errorf("web host %s: %w", h.Name, err)
	}
	w.byIP = c
	return w, nil
}

// Host returns the host the site serves.
func (w *Web) Host() Host { return w.host }

// ServeHTTP answers one request.
func (w *Web) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	h := rw.Header()
	h.Set(HeaderHost, w.host.Name)
	if r.TLS != nil {
		h.Set(HeaderSNI, r.TLS.ServerName)
	}
	name, ok := w.name(r.Host)
	if !ok {
		http.Error(rw, fmt.Sprintf("%s does not serve %q", w.host.Name, r.Host), http.StatusMisdirectedRequest)
		return
	}
	h.Set(HeaderName, name)
	h.Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(rw, "%s %s %s\n", w.host.Name, name, r.URL.EscapedPath())
}

// name is the name a request's Host header asks for, when the host
// serves it: one of its names (any case, a final dot and port aside) or
// its address.
func (w *Web) name(hostport string) (string, bool) {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if w.names[host] {
		return host, true
	}
	if a, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil && a.Unmap() == w.host.Address {
		return a.Unmap().String(), true
	}
	return "", false
}

// TLSConfig returns the TLS server configuration: the certificate of the
// server name the client sends (SNI), else the one for the host's
// address. Nil when the host does not serve HTTPS.
func (w *Web) TLSConfig() *tls.Config {
	if w.byIP == nil {
		return nil
	}
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		GetCertificate: func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
			if c := w.certs[strings.TrimSuffix(strings.ToLower(hello.ServerName), ".")]; c != nil {
				return c, nil
			}
			return w.byIP, nil
		},
	}
}

// Certificate returns the certificate presented for a server name (""
// for the one presented without SNI); nil without HTTPS.
func (w *Web) Certificate(serverName string) *tls.Certificate {
	if c := w.certs[strings.TrimSuffix(strings.ToLower(serverName), ".")]; c != nil {
		return c
	}
	return w.byIP
}

// WebServer serves a Web over HTTP and HTTPS until Close.
type WebServer struct {
	web *Web
	// One server per listener: a server that Serves plain HTTP first
	// sets itself up without HTTP/2 (net/http does that once per
	// server), and would then accept h2 over TLS by ALPN and drop it.
	http, https *http.Server
	httpAddr    net.Addr
	httpsAddr   net.Addr
	wg          sync.WaitGroup
	once        sync.Once
	err         error
}

// ServeWeb serves w on httpL (plain HTTP) and httpsL (TLS with
// w.TLSConfig), either of which may be nil. It takes ownership of both:
// they are closed on Close, and on failure. errorLog receives the
// server's own errors (failed handshakes); nil discards them.
func ServeWeb(w *Web, httpL, httpsL net.Listener, errorLog *log.Logger) (*WebServer, error) {
	if httpsL != nil && w.TLSConfig() == nil {
		errs := []error{fmt.Errorf("serve web host %s: HTTPS listener but no certificates (Host.HTTPS unset)", w.host.Name), httpsL.Close()}
		if httpL != nil {
			errs = append(errs, httpL.Close())
		}
		return nil, errors.Join(errs...)
	}
	if errorLog == nil {
		errorLog = log.New(io.Discard, "", 0)
	}
	server := func(tc *tls.Config) *http.Server {
		return &http.Server{Handler: w, TLSConfig: tc, ReadHeaderTimeout: 10 * time.Second, ErrorLog: errorLog}
	}
	s := &WebServer{web: w, http: server(nil), https: server(w.TLSConfig())}
	if httpL != nil {
		s.httpAddr = httpL.Addr()
		s.serve(s.http, func() error { return s.http.Serve(httpL) })
	}
	if httpsL != nil {
		s.httpsAddr = httpsL.Addr()
		// Certificates come from TLSConfig's GetCertificate.
		s.serve(s.https, func() error { return s.https.ServeTLS(httpsL, "", "") })
	}
	return s, nil
}

// serve runs one Serve call of srv; its listener is accepting already, so
// the server is ready when ServeWeb returns.
func (s *WebServer) serve(srv *http.Server, fn func() error) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := fn(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			srv.ErrorLog.Printf("web host %s: %v", s.web.host.Name, err)
		}
	}()
}

// Web returns the site served.
func (s *WebServer) Web() *Web { return s.web }

// HTTPAddr is the address HTTP is served on; nil when not served.
func (s *WebServer) HTTPAddr() net.Addr { return s.httpAddr }

// HTTPSAddr is the address HTTPS is served on; nil when not served.
func (s *WebServer) HTTPSAddr() net.Addr { return s.httpsAddr }

// Close closes the listeners and every connection, and waits until the
// Serve calls have returned. It is idempotent.
func (s *WebServer) Close() error {
	s.once.Do(func() {
		if err := errors.Join(s.http.Close(), s.https.Close()); err != nil {
			s.err = fmt.Errorf("stop web host %s: %w", s.web.host.Name, err)
		}
		s.wg.Wait()
	})
	return s.err
}
