package lab

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"time"

	"github.com/mcnlab/mcnlab/controller"
	"github.com/mcnlab/mcnlab/controller/api"
	"github.com/mcnlab/mcnlab/controller/cloud"
	_ "github.com/mcnlab/mcnlab/controller/cloud/providers" // links the providers in (cloud.Register)
	"github.com/mcnlab/mcnlab/controller/console"
	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/controller/store"
	"github.com/mcnlab/mcnlab/topologies"
)

// API returns a client of the lab's controller with the admin token.
func API(lab string) (*api.Client, error) {
	url, token, err := api.ControllerEndpoint(lab)
	if err != nil {
		return nil, err
	}
	return api.NewClient(url, token), nil
}

// Providers builds a provider for every account of a plan: the lab's
// emulated cloud for credentials "lab" (from the lab's record, or
// endpoint when set), the SDK's default chain or a profile otherwise. The
// caller closes them (CloseProviders).
func Providers(ctx context.Context, cp *intent.Plan, lab, endpoint string) (map[string]cloud.Provider, error) {
	out := map[string]cloud.Provider{}
	for _, a := range cp.Accounts {
		creds := a.Account.Credentials
		var ep *cloud.Endpoint
		if creds == "" || creds == "lab" {
			c := DevEndpoint(endpoint, a.Region)
			if endpoint == "" {
				if lab == "" {
					return nil, fmt.Errorf("account %s uses the lab's emulated cloud: give --lab NAME of a running lab or --endpoint URL", a.Account.Name)
				}
				var err error
				if c, err = ReadEndpoint(lab, string(a.Account.Provider)); err != nil {
					return nil, err
				}
			}
			ep = &c
		}
		p, err := controller.NewProvider(ctx, a, cp.Topology.Name, ep)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("account %s: %w", a.Account.Name, err), CloseProviders(out))
		}
		out[a.Account.Name] = p
	}
	return out, nil
}

// CloseProviders closes every provider that Providers made; the error
// joins theirs.
func CloseProviders(ps map[string]cloud.Provider) error {
	var errs []error
	for name, p := range ps {
		if err := p.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close provider of account %s: %w", name, err))
		}
	}
	return errors.Join(errs...)
}

// RunController is the controller daemon of a lab (`mcnlab controller
// run`, which StartController starts): it serves the controller's API,
// at the address and with the admin token it had before if it can, until
// ctx ends.
func RunController(ctx context.Context, lab string) error {
	src, err := os.ReadFile(TopologyFile(lab))
	if err != nil {
		return fmt.Errorf("controller of lab %s: %w", lab, err)
	}
	t, err := topologies.Parse(TopologyFile(lab), src)
	if err != nil {
		return err
	}
	cp, err := intent.Compile(t)
	if err != nil {
		return err
	}
	providers, err := Providers(ctx, cp, lab, "")
	if err != nil {
		return err
	}
	defer CloseProviders(providers)
	st, err := store.Open(DBFile(lab))
	if err != nil {
		return err
	}
	defer st.Close()
	ca, err := vpnCA(lab, cp)
	if err != nil {
		return err
	}
	ctl := controller.New(cp, controller.Options{Gateways: Nodes{Lab: lab}, Firewalls: Nodes{Lab: lab}, Egress: Nodes{Lab: lab}, Flows: Nodes{Lab: lab}, Diagnostics: Nodes{Lab: lab}, Providers: providers, Store: st, Log: os.Stderr,
		ThreatLists: ThreatLists(lab), VPN: Nodes{Lab: lab}, VPNCA: ca})
	defer ctl.Close()

	// The API keeps its address across restarts, so clients keep working.
	addr := "127.0.0.1:0"
	token := ""
	if u, tok, err := api.ControllerEndpoint(lab); err == nil {
		if pu, err := url.Parse(u); err == nil {
			addr = pu.Host
		}
		if _, ok, _ := st.TokenRole(tok); ok {
			token = tok
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			return fmt.Errorf("controller API: %w", err)
		}
	}
	if token == "" {
		if token, err = st.CreateToken(store.RoleAdmin, fmt.Sprintf("admin-%d", time.Now().UnixNano())); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 2)
	h, err := withVPN(console.With(api.NewHandler(controller.NewBackend(ctl, lab), st)), "http://"+ln.Addr().String(), cp, ctl, ca)
	if err != nil {
		ln.Close()
		return err
	}
	go func() { errc <- api.Serve(ctx, ln, h) }()
	if err := api.WriteEndpoint(lab, "http://"+ln.Addr().String(), token); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "controller of lab %s: API on http://%s\n", lab, ln.Addr())
	go func() { errc <- ctl.Run(ctx) }()
	err = <-errc
	cancel()
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
