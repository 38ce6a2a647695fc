package l7proxy

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Decision is one line of squid's access log with the rule that made it.
type Decision struct {
	Time    time.Time `json:"time"`
	Request           // what squid saw
	// Status is the HTTP status squid answered (HTTP; 403 when denied),
	// 0 for TLS.
	Status int `json:"status,omitempty"`
	// Denied says whether squid refused it: an HTTP 403 from squid, or a
	// TLS connection squid terminated.
	Denied bool `json:"denied"`
	// Rule is the name of the rule that decided ("": none matched, so it
	// passed, or squid itself refused it: see Reason).
	Rule string `json:"rule,omitempty"`
	// Reason says why squid refused what no rule denied.
	Reason string `json:"reason,omitempty"`
}

// ReasonHostCheck is the Reason of a request or TLS name that squid
// refused (HTTP 409) because the name does not resolve to the address the
// client connected to: squid requires that of intercepted CONNECTs, and
// so of every allowed TLS name.
const ReasonHostCheck = "the name does not resolve to the destination address (squid's host check)"

// ParseLog reads the access log's lines (format logFormat) and names, for
// each, the rule of p that decided it. Lines that are not requests of
// the two ports (squid's own, malformed) are skipped. A spliced TLS
// connection logs twice: once for its first step (by address, NONE_NONE),
// skipped, and once as the tunnel (TCP_TUNNEL) at its end; a terminated
// one once, when squid cuts it.
func ParseLog(r io.Reader, p Policy) ([]Decision, error) {
	var out []Decision
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		d, ok := parseLine(sc.Text())
		if !ok {
			continue
		}
		rule, deny := p.Decide(d.Request)
		if d.Reason == "" && d.Denied == deny {
			// Otherwise the line is of an earlier policy, or squid
			// refused it itself: name no rule rather than a wrong one.
			d.Rule = rule
		}
		out = append(out, d)
	}
	if err := sc.Err(); err != nil {
		return out, fmt.Errorf("l7proxy: read access log: %w", err)
	}
	return out, nil
}

// parseLine reads one line: "1700000000.123 10.1.1.10 10.3.1.10 GET
// www.example.com /admin - 403 TCP_DENIED -".
func parseLine(line string) (Decision, bool) {
	f := strings.Fields(line)
	if len(f) != 10 {
		return Decision{}, false
	}
	secs, err := strconv.ParseFloat(f[0], 64)
	client, err1 := netip.ParseAddr(f[1])
	server, err2 := netip.ParseAddr(f[2])
	if err != nil || err1 != nil || err2 != nil {
		return Decision{}, false
	}
	whole, frac := math.Modf(secs)
	d := Decision{Time: time.Unix(int64(whole), int64(frac*1e9)).UTC()}
	d.Client, d.Server = client.Unmap(), server.Unmap()
	status, _ := strconv.Atoi(f[7])
	method, result, bump := f[3], f[8], f[9]
	switch {
	case method == "-":
		return Decision{}, false // a connection closed before any request
	case method == "CONNECT" && bump == "splice" && result == "NONE_NONE":
		return Decision{}, false // the first step of a spliced connection
	case method == "CONNECT":
		d.Protocol = TLS
		d.SNI = dash(f[6])
		d.Denied = bump == "terminate" || status == 409
	default:
		d.Protocol = HTTP
		d.Host, d.Path, d.Status = dash(f[4]), dash(f[5]), status
		d.Denied = result == "TCP_DENIED" || status == 409
	}
	if status == 409 {
		d.Reason = ReasonHostCheck
	}
	return d, true
}

func dash(s string) string {
	if s == "-" {
		return ""
	}
	return s
}
