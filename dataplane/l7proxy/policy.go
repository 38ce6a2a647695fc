package l7proxy

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"
)

// Protocol is what an L7 rule inspects.
type Protocol string

// The protocols.
const (
	// HTTP requests on tcp/80: the Host header and the path.
	HTTP Protocol = "http"
	// TLS connections on tcp/443: the server name (SNI) of the ClientHello.
	TLS Protocol = "tls"
)

// Rule matches HTTP requests or TLS connections; every field set must
// hold.
type Rule struct {
	// Name names the rule in squid.conf's ACLs and in decisions: letters,
	// digits, '-' and '_'; unique in a Policy.
	Name     string
	Deny     bool
	Protocol Protocol
	// Host (HTTP) and SNI (TLS) are a name ("www.example.com") or a
	// wildcard ("*.example.com": the name and every name below it, as
	// squid's dstdomain and ssl::server_name match ".example.com");
	// empty: any.
	Host, SNI string
	// Path (HTTP) is a pattern of the request's path and query where '*'
	// stands for any characters ("/admin*"); empty: any.
	Path string
	// Src and Dst are the client's and the server's address prefixes;
	// invalid means any.
	Src, Dst netip.Prefix
}

// Policy is the L7 rules in order: for each request or connection the
// first rule of its protocol that matches decides; what none matches
// passes (the stateful rules admitted its flow already).
type Policy struct {
	Rules []Rule
	// Resolvers are the DNS servers squid asks (none: it asks nobody,
	// and every name fails to resolve). squid checks the name a client
	// asked for (HTTP Host, TLS SNI) against the address it connected to
	// and refuses an allowed TLS name that does not resolve to it: the
	// firewall must resolve as its clients do (the VPC's resolver).
	Resolvers []netip.Addr
}

var (
	ruleName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)
	dnsName  = regexp.MustCompile(`^(\*\.)?([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)
)

// Validate checks every rule: a unique name, a known protocol, fields of
// its protocol only, names and paths squid can match.
func (p Policy) Validate() error {
	for _, a := range p.Resolvers {
		if !a.IsValid() {
			return fmt.Errorf("l7 resolver: invalid address")
		}
	}
	seen := map[string]bool{}
	for i, r := range p.Rules {
		if !ruleName.MatchString(r.Name) || seen[r.Name] {
			return fmt.Errorf("l7 rule %d: name %q empty, invalid or used twice", i, r.Name)
		}
		seen[r.Name] = true
		if err := r.validate(); err != nil {
			return fmt.Errorf("l7 rule %s: %w", r.Name, err)
		}
	}
	return nil
}

func (r Rule) validate() error {
	switch r.Protocol {
	case HTTP:
		if r.SNI != "" {
			return fmt.Errorf("sni %q in an http rule", r.SNI)
		}
	case TLS:
		if r.Host != "" || r.Path != "" {
			return fmt.Errorf("host or path in a tls rule (a TLS rule matches the sni)")
		}
	default:
		return fmt.Errorf("protocol %q is neither http nor tls", r.Protocol)
	}
	for _, n := range []string{r.Host, r.SNI} {
		if n != "" && !dnsName.MatchString(n) {
			return fmt.Errorf("%q is not a lower-case DNS name or *.name", n)
		}
	}
	if r.Path != "" && (!strings.HasPrefix(r.Path, "/") && r.Path != "*" || strings.ContainsAny(r.Path, " \t\n\"\\")) {
		return fmt.Errorf("path %q must start with / (or be *) and hold no spaces, quotes or backslashes", r.Path)
	}
	for _, pr := range []netip.Prefix{r.Src, r.Dst} {
		if pr.IsValid() && !pr.Addr().Is4() {
			return fmt.Errorf("%s is not IPv4", pr)
		}
	}
	return nil
}

// pathRegexp is the POSIX extended regular expression of a path pattern:
// anchored, '*' as ".*", every other character literal.
func pathRegexp(pat string) string {
	var b strings.Builder
	b.WriteByte('^')
	for _, c := range pat {
		switch {
		case c == '*':
			b.WriteString(".*")
		case strings.ContainsRune(`.[]()?+{}|^$`, c):
			b.WriteByte('\\')
			b.WriteRune(c)
		default:
			b.WriteRune(c)
		}
	}
	b.WriteByte('$')
	return b.String()
}

// nameMatches reports whether name is matched by pat, with squid's
// dstdomain semantics for "*.example.com" (example.com and below).
func nameMatches(pat, name string) bool {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	if base, ok := strings.CutPrefix(pat, "*."); ok {
		return name == base || strings.HasSuffix(name, "."+base)
	}
	return name == pat
}

// Request is one HTTP request or TLS connection as squid saw it.
type Request struct {
	Protocol Protocol
	Client   netip.Addr
	Server   netip.Addr
	Host     string // HTTP
	Path     string // HTTP: path and query
	SNI      string // TLS
}

// Decide is the rule that squid applies to q (first match of its
// protocol), and whether it denies; "" when no rule matches (allowed).
func (p Policy) Decide(q Request) (rule string, deny bool) {
	for _, r := range p.Rules {
		if r.matches(q) {
			return r.Name, r.Deny
		}
	}
	return "", false
}

func (r Rule) matches(q Request) bool {
	if r.Protocol != q.Protocol || r.Src.IsValid() && !r.Src.Contains(q.Client) || r.Dst.IsValid() && !r.Dst.Contains(q.Server) {
		return false
	}
	if r.Host != "" && !nameMatches(r.Host, q.Host) || r.SNI != "" && !nameMatches(r.SNI, q.SNI) {
		return false
	}
	return r.Path == "" || regexp.MustCompile(pathRegexp(r.Path)).MatchString(q.Path)
}
