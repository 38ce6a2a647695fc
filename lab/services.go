package lab

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/emulator/probe"
	"github.com/mcnlab/mcnlab/topologies"
)

// ServiceCell is one of a cloud lab's security service verdicts
// (intent.ServiceVerdict) and what reach saw of it.
type ServiceCell struct {
	intent.ServiceVerdict
	// Seen is "allowed" or "denied" when probed, "error: ..." when the
	// probe failed otherwise, and "" when not probed: a GuardDuty probe
	// from a listed address would get the address blocked.
	Seen string
}

// mismatch reports whether the cell was probed and seen otherwise than
// expected.
func (c ServiceCell) mismatch() bool { return c.Seen != "" && c.Seen != verdictWord(c.Allow) }

func verdictWord(allow bool) string {
	if allow {
		return "allowed"
	}
	return "denied"
}

// serviceProbeTimeout bounds one service probe: a dropped connection is
// one that has not opened by then.
const serviceProbeTimeout = 2 * time.Second

// probeServices probes the services' verdicts that a probe does not
// change: FQDN egress over HTTPS from the workload to the internet host's
// address with the name as SNI (verified against the lab CA), FireNet with
// ICMP and TCP connections between the workloads, or from a workload to
// an internet host (a connection refused by the far host reached it);
// mapped site2cloud with pings to the virtual addresses.
func probeServices(ctx context.Context, lab string, cp *intent.Plan, ns map[string]string, addr map[string]netip.Addr) ([]ServiceCell, error) {
	var roots *x509.CertPool
	var cells []ServiceCell
	for _, v := range cp.ServiceVerdicts() {
		cells = append(cells, ServiceCell{ServiceVerdict: v})
		if v.Service == "fqdn-egress" && roots == nil {
			ca, err := LoadCA(lab)
			if err != nil {
				return nil, err
			}
			roots = ca.Pool()
		}
	}
	hosts := map[string]netip.Addr{}
	if in := cp.Topology.Internet; in != nil {
		for _, h := range in.Hosts {
			hosts[h.Name] = h.Address
		}
	}
	var wg sync.WaitGroup
	for i := range cells {
		c := &cells[i]
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch c.Service {
			case "fqdn-egress":
				c.Seen = seenOf(httpsProbe(ctx, ns[c.From], hosts[c.To], strings.TrimPrefix(c.Probe, "https://"), roots))
			case "firenet":
				dst, ok := addr[c.To]
				if !ok {
					dst = hosts[c.To] // egress to an internet host
				}
				c.Seen = firenetProbe(ns[c.From], dst, c.Probe)
			case "site2cloud":
				// From a site's host node, or a workload, to a
				// virtual address.
				from, ok := ns[c.From]
				if !ok {
					from = emulator.NamespaceName(lab, c.From)
				}
				dst, err := netip.ParseAddr(c.To)
				if err != nil {
					c.Seen = "error: " + err.Error()
					return
				}
				c.Seen = firenetProbe(from, dst, c.Probe)
			}
		}()
	}
	wg.Wait()
	return cells, nil
}

// seenOf words a connection's outcome: allowed when it was answered,
// denied when it was reset or not opened in time.
func seenOf(err error) string {
	var ne net.Error
	switch {
	case err == nil:
		return "allowed"
	case errors.Is(err, syscall.ECONNRESET), errors.As(err, &ne) && ne.Timeout():
		return "denied"
	}
	return "error: " + err.Error()
}

// httpsProbe opens a TLS connection from namespace ns to dst:443 for name
// and reads the answer to a GET.
func httpsProbe(ctx context.Context, ns string, dst netip.Addr, name string, roots *x509.CertPool) error {
	var c net.Conn
	err := netns.Do(ns, func() (err error) {
		d := net.Dialer{Timeout: serviceProbeTimeout}
		c, err = d.DialContext(ctx, "tcp4", netip.AddrPortFrom(dst, 443).String())
		return err
	})
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(serviceProbeTimeout))
	tc := tls.Client(c, &tls.Config{ServerName: name, RootCAs: roots})
	if err := tc.Handshake(); err != nil {
		return err
	}
	if _, err := fmt.Fprintf(tc, "GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", name); err != nil {
		return err
	}
	b, err := io.ReadAll(tc)
	if len(b) == 0 {
		return fmt.Errorf("no answer: %w", err)
	}
	return nil
}

// firenetProbe sends probe ("icmp", "tcp/22") from namespace ns to dst: a
// ping answered, or a connection opened or refused by the far host, is
// allowed; "" for a protocol it does not probe (udp).
func firenetProbe(ns string, dst netip.Addr, probeName string) string {
	proto, port, _ := strings.Cut(probeName, "/")
	switch proto {
	case string(topologies.ProtoICMP):
		p, err := probe.NewPinger(ns)
		if err != nil {
			return "error: " + err.Error()
		}
		defer p.Close()
		for seq := 1; seq <= pingAttempts; seq++ {
			if _, err := p.Ping(dst, seq, pingTimeout); err == nil {
				return "allowed"
			}
		}
		return "denied"
	case string(topologies.ProtoTCP):
		n, _ := strconv.Atoi(port)
		err := netns.Do(ns, func() error {
			c, err := net.DialTimeout("tcp4", netip.AddrPortFrom(dst, uint16(n)).String(), serviceProbeTimeout)
			if err == nil {
				c.Close()
			}
			return err
		})
		if errors.Is(err, syscall.ECONNREFUSED) {
			return "allowed" // the far host answered
		}
		return seenOf(err)
	}
	return ""
}

// PrintServices writes the security services' expected verdicts with
// their reasons and, when seen is set (reach), what was seen.
func PrintServices(out io.Writer, vs []intent.ServiceVerdict, seen []string) {
	if len(vs) == 0 {
		return
	}
	fmt.Fprintln(out)
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	head := "SERVICE\tFROM\tTO\tPROBE\tEXPECTED\t"
	if seen != nil {
		head += "SEEN\t"
	}
	fmt.Fprintln(w, head+"REASON")
	for i, v := range vs {
		row := fmt.Sprintf("%s\t%s\t%s\t%s\t%s\t", v.Service, v.From, v.To, v.Probe, verdictWord(v.Allow))
		if seen != nil {
			s := seen[i]
			if s == "" {
				s = "not probed"
			} else if s != verdictWord(v.Allow) {
				s = "! " + s
			}
			row += s + "\t"
		}
		fmt.Fprintln(w, row+v.Reason)
	}
	w.Flush()
}
