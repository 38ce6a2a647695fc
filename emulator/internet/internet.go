package internet

import (
	"errors"
	"fmt"
	"log"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"sync"

	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/topologies"
)

// The ports the services listen on unless Config.Ports says otherwise.
const (
	PortDNS   = 53
	PortHTTP  = 80
	PortHTTPS = 443
)

// Ports overrides the well-known ports (zero keeps PortDNS, PortHTTP,
// PortHTTPS), for tests that run without the right to bind them.
type Ports struct {
	DNS, HTTP, HTTPS uint16
}

// Config is what an internet serves.
type Config struct {
	// DNS is the resolver's address; the zone is served there on UDP and
	// TCP. Invalid (zero) runs no resolver.
	DNS netip.Addr
	// Records are the addresses of each DNS name (see NewZone).
	Records map[string][]netip.Addr
	// Hosts are the web hosts.
	Hosts []Host
	// CA issues the HTTPS certificates; needed when a host serves HTTPS.
	CA CA
	// Ports overrides the well-known ports (tests).
	Ports Ports
	// ErrorLog receives the servers' own errors; nil discards them.
	ErrorLog *log.Logger
}

// FromTopology is the Config of a topology's internet block, with ca to
// issue certificates: the resolver at in.DNS answering every host's names
// (a shared name with all its hosts' addresses), and a web host for each
// server that serves HTTP or HTTPS. Clients get DNS records only.
func FromTopology(in *topologies.Internet, ca CA) Config {
	cfg := Config{DNS: in.DNS, Records: map[string][]netip.Addr{}, CA: ca}
	for _, h := range in.Hosts {
		for _, n := range h.Names {
			cfg.Records[n] = append(cfg.Records[n], h.Address)
		}
		if h.Role != topologies.RoleServer || len(h.Serve) == 0 {
			continue
		}
		cfg.Hosts = append(cfg.Hosts, Host{
			Name: h.Name, Address: h.Address, Names: slices.Clone(h.Names),
			HTTP: h.Serves(topologies.ServeHTTP), HTTPS: h.Serves(topologies.ServeHTTPS),
		})
	}
	return cfg
}

// Internet is a running set of the internet's services.
type Internet struct {
	dns  *DNSServer // nil without a resolver
	webs []*WebServer
	once sync.Once
	err  error
}

// Start serves cfg inside the named network namespace ("" for the
// caller's own): it builds the zone and the sites (issuing every
// certificate) first, then opens every socket inside the namespace on one
// locked OS thread (emulator/netns.Do), then serves. The resolver's and
// the hosts' addresses must be on an interface of the namespace already.
// On failure nothing is left running or open.
func Start(namespace string, cfg Config) (*Internet, error) {
	var zone *Zone
	if cfg.DNS.IsValid() {
		z, err := NewZone(cfg.Records)
		if err != nil {
			return nil, fmt.Errorf("start internet: %w", err)
		}
		zone = z
	}
	webs := make([]*Web, 0, len(cfg.Hosts))
	for _, h := range cfg.Hosts {
		w, err := NewWeb(h, cfg.CA)
		if err != nil {
			return nil, fmt.Errorf("start internet: %w", err)
		}
		webs = append(webs, w)
	}
	ls, err := listenAll(namespace, cfg, webs)
	if err != nil {
		return nil, fmt.Errorf("start internet in %s: %w", nsName(namespace), err)
	}
	in := &Internet{}
	if zone != nil {
		if in.dns, err = ServeDNS(zone, ls.dnsUDP, ls.dnsTCP); err != nil {
			ls.closeWeb()
			return nil, fmt.Errorf("start internet in %s: %w", nsName(namespace), err)
		}
	}
	for i, w := range webs {
		s, err := ServeWeb(w, ls.web[i][0], ls.web[i][1], cfg.ErrorLog)
		if err != nil {
			ls.web = ls.web[i+1:]
			ls.closeWeb()
			return nil, errors.Join(fmt.Errorf("start internet in %s: %w", nsName(namespace), err), in.Close())
		}
		in.webs = append(in.webs, s)
	}
	return in, nil
}

// nsName names a namespace in errors.
func nsName(ns string) string {
	if ns == "" {
		return "the current namespace"
	}
	return ns
}

// listeners are the sockets of an internet, before serving.
type listeners struct {
	dnsUDP net.PacketConn
	dnsTCP net.Listener
	web    [][2]net.Listener // per site: HTTP, HTTPS (nil when not served)
}

// closeAll closes every socket opened.
func (ls *listeners) closeAll() {
	if ls.dnsUDP != nil {
		ls.dnsUDP.Close()
	}
	if ls.dnsTCP != nil {
		ls.dnsTCP.Close()
	}
	ls.closeWeb()
}

// closeWeb closes the web sockets.
func (ls *listeners) closeWeb() {
	for _, pair := range ls.web {
		for _, l := range pair {
			if l != nil {
				l.Close()
			}
		}
	}
}

// listenAll opens the sockets of cfg inside namespace, all or none.
func listenAll(namespace string, cfg Config, webs []*Web) (*listeners, error) {
	ls := &listeners{}
	open := func() error {
		if cfg.DNS.IsValid() {
			addr := hostPort(cfg.DNS, cfg.Ports.DNS, PortDNS)
			pc, err := net.ListenPacket("udp", addr)
			if err != nil {
				return fmt.Errorf("dns: %w", err)
			}
			ls.dnsUDP = pc
			if ls.dnsTCP, err = net.Listen("tcp", addr); err != nil {
				return fmt.Errorf("dns: %w", err)
			}
		}
		ports := [2]uint16{cfg.Ports.HTTP, cfg.Ports.HTTPS}
		defaults := [2]uint16{PortHTTP, PortHTTPS}
		for _, w := range webs {
			h := w.Host()
			ls.web = append(ls.web, [2]net.Listener{})
			for i, on := range [2]bool{h.HTTP, h.HTTPS} {
				if !on {
					continue
				}
				l, err := net.Listen("tcp", hostPort(h.Address, ports[i], defaults[i]))
				if err != nil {
					return fmt.Errorf("web host %s: %w", h.Name, err)
				}
				ls.web[len(ls.web)-1][i] = l
			}
		}
		return nil
	}
	var err error
	if namespace == "" {
		err = open()
	} else {
		err = netns.Do(namespace, open)
	}
	if err != nil {
		ls.closeAll()
		return nil, err
	}
	return ls, nil
}

// hostPort joins an address and a port, def when port is zero.
func hostPort(a netip.Addr, port, def uint16) string {
	if port == 0 {
		port = def
	}
	return net.JoinHostPort(a.String(), strconv.Itoa(int(port)))
}

// DNS returns the resolver; nil when the internet runs none.
func (in *Internet) DNS() *DNSServer { return in.dns }

// Web returns the server of the named host; nil when there is none.
func (in *Internet) Web(name string) *WebServer {
	for _, s := range in.webs {
		if s.Web().Host().Name == name {
			return s
		}
	}
	return nil
}

// Close stops every service, closes every socket and waits for the
// servers' goroutines. It is idempotent.
func (in *Internet) Close() error {
	in.once.Do(func() {
		var errs []error
		if in.dns != nil {
			errs = append(errs, in.dns.Close())
		}
		for _, s := range in.webs {
			errs = append(errs, s.Close())
		}
		in.err = errors.Join(errs...)
	})
	return in.err
}
