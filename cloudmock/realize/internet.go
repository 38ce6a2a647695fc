package realize

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"

	"github.com/mcnlab/mcnlab/emulator/internet"
)

// The emulated internet's services (Options.Internet): the realizer runs
// them in the internet namespace, on addresses it puts on that
// namespace's lo next to InternetServer, whenever the namespace exists
// (made, or adopted after a cloud restart), and closes them before the
// namespace goes: an open socket would keep a deleted namespace, and the
// links inside it, alive. They run in the cloud process, so they stop when
// it dies and come back with the realizer that adopts its dataplane.
// The VPC resolvers that answer the same names are in resolver.go.

// services are the internet's servers and the VPC resolvers the realizer
// runs. Owned by the worker goroutine (and by Close after it stopped).
type services struct {
	// zone answers the internet's names; nil without Options.Internet.
	zone *internet.Zone
	// inet runs in inetNS, the internet namespace it was started in.
	inet   *internet.Internet
	inetNS *liveNS
	// resolvers are the VPC resolvers, by network ID (resolver.go).
	resolvers map[string]*vpcResolver
}

// newServices checks the internet's configuration and builds its zone.
func newServices(cfg *internet.Config) (services, error) {
	s := services{resolvers: map[string]*vpcResolver{}}
	if cfg == nil {
		return s, nil
	}
	if !cfg.DNS.IsValid() {
		return s, errors.New("internet: no resolver address (Config.DNS)")
	}
	z, err := internet.NewZone(cfg.Records)
	if err != nil {
		return s, fmt.Errorf("internet: %w", err)
	}
	s.zone = z
	return s, nil
}

// internetAddrs are the addresses the internet's services and hosts take
// on the internet namespace's lo: the resolver's, every web host's, every
// address a name resolves to, and Options.InternetAddresses.
func (r *Realizer) internetAddrs() []netip.Addr {
	cfg := r.opts.Internet
	out := []netip.Addr{cfg.DNS}
	for _, h := range cfg.Hosts {
		out = append(out, h.Address)
	}
	for _, addrs := range cfg.Records {
		out = append(out, addrs...)
	}
	out = append(out, r.opts.InternetAddresses...)
	slices.SortFunc(out, netip.Addr.Compare)
	return slices.Compact(out)
}

// ensureServices starts what of the internet's services and the VPC
// resolvers is not running where it should, and writes the instances'
// resolv.conf; it runs after every pass's ensure.
func (r *Realizer) ensureServices(snap *snapshot, p *plan) error {
	if r.opts.Internet == nil {
		return nil
	}
	if err := r.ensureInternetServers(); err != nil {
		return err
	}
	return r.ensureResolvers(snap, p)
}

// ensureInternetServers starts the internet's servers in the internet
// namespace when they do not run there (it was made or adopted since).
func (r *Realizer) ensureInternetServers() error {
	svc, l := &r.svc, r.live.inet
	if l == nil || (svc.inet != nil && svc.inetNS == l) {
		return nil
	}
	if err := svc.closeInternet(); err != nil {
		r.logf("stop the internet's servers: %v", err)
	}
	lo, err := l.link("lo")
	if err != nil {
		return fmt.Errorf("realize: internet services: %w", err)
	}
	for _, a := range r.internetAddrs() {
		if err := l.addAddr(lo, netip.PrefixFrom(a, a.BitLen())); err != nil {
			return fmt.Errorf("realize: internet services: %w", err)
		}
	}
	in, err := internet.Start(l.name, *r.opts.Internet)
	if err != nil {
		return fmt.Errorf("realize: %w", err)
	}
	svc.inet, svc.inetNS = in, l
	return nil
}

// closeInternet stops the internet's servers, if they run.
func (s *services) closeInternet() error {
	if s.inet == nil {
		return nil
	}
	err := s.inet.Close()
	s.inet, s.inetNS = nil, nil
	return err
}

// close stops every service; the realizer's namespaces go next.
func (s *services) close() error {
	errs := []error{s.closeInternet()}
	for id := range s.resolvers {
		errs = append(errs, s.stopResolver(id))
	}
	return errors.Join(errs...)
}
