package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	cmaws "github.com/mcnlab/mcnlab/cloudmock/aws"
	cmgcp "github.com/mcnlab/mcnlab/cloudmock/gcp"
	"github.com/mcnlab/mcnlab/cloudmock/model"
	cmoci "github.com/mcnlab/mcnlab/cloudmock/oci"
	mcnlab "github.com/mcnlab/mcnlab/lab"
)

// serveMultiLong is what cloudmock serve's help says of --also.
const serveMultiLong = `

With --also PROVIDER=ADDR (repeatable; aws, azure, gcp or oci, each once, none
the --provider) one process serves several clouds on one model, made real
in --lab's one dataplane: each provider's API listens on its own address
(--provider's on --listen), and their instances' public addresses share
the lab's emulated internet, so that gateways in different clouds reach
each other. Accounts come only from ` + mcnlab.AccountsEnv + `, each word
PROVIDER/ACCOUNT as that provider's --account takes it (aws/ID:KEY:SECRET,
azure/SUBSCRIPTION_ID:CLIENT_ID:CLIENT_SECRET, gcp/PROJECT_ID:TOKEN,
oci/TENANCY_OCID:USER_OCID:PUBLIC_KEY_PEM, OCI's region --oci-region);
--addr-file gets a line "PROVIDER HOST:PORT" per provider. --circuit,
--line and --quota are AWS's and need aws among the providers; --uplink
links a site to the one internet whichever clouds are served;
--internet serves every cloud's VPCs; --state keeps every cloud's model in
one file.`

// multiServe is one provider's part of a multi-cloud serve: its API
// handler and where it listens.
type multiServe struct {
	provider string
	listen   string
	handler  http.Handler
	tls      bool // Azure: ARM over HTTPS with the lab's CA
	ln       net.Listener
}

// parseAlso parses --also PROVIDER=ADDR values; --provider is first.
func (f *serveFlags) parseAlso() ([]*multiServe, error) {
	out := []*multiServe{{provider: f.provider, listen: f.listen}}
	for _, a := range f.also {
		p, addr, ok := strings.Cut(a, "=")
		if !ok || addr == "" {
			return nil, fmt.Errorf("--also %q: want PROVIDER=ADDR, as azure=127.0.0.1:0", a)
		}
		out = append(out, &multiServe{provider: p, listen: addr})
	}
	seen := map[string]bool{}
	for _, m := range out {
		switch {
		case !slices.Contains([]string{"aws", "azure", "gcp", "oci"}, m.provider):
			return nil, fmt.Errorf("--also: provider %q: one process serves aws, azure, gcp and oci together", m.provider)
		case seen[m.provider]:
			return nil, fmt.Errorf("--also: provider %s given twice", m.provider)
		}
		seen[m.provider] = true
		if err := loopbackOnly(m.listen); err != nil {
			return nil, fmt.Errorf("--also %s: %w", m.provider, err)
		}
	}
	if _, err := f.ociRegion(); seen["oci"] && err != nil {
		return nil, err
	}
	if f.lab == "" || !f.join {
		return nil, errors.New("--also needs --lab and --join: the clouds share the dataplane of a lab that mcnlab deploy made")
	}
	return out, nil
}

// loopbackOnly refuses a listen address off loopback.
func loopbackOnly(listen string) error {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return fmt.Errorf("listen %q: %w", listen, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("listen %q: cloudmock serves on loopback only (127.0.0.0/8, [::1] or localhost)", listen)
	}
	return nil
}

// accountsByProvider splits AccountsEnv's PROVIDER/ACCOUNT words.
func accountsByProvider() (map[string][]string, error) {
	env := os.Getenv(mcnlab.AccountsEnv)
	out := map[string][]string{}
	for _, w := range strings.Fields(env) {
		p, acct, ok := strings.Cut(w, "/")
		if !ok || acct == "" {
			return nil, fmt.Errorf("%s: with --also each word is PROVIDER/ACCOUNT, not %q", mcnlab.AccountsEnv, w)
		}
		out[p] = append(out[p], acct)
	}
	return out, nil
}

// runMulti serves --provider and every --also on one model, realized in
// --lab, until cmd's context ends.
func (f *serveFlags) runMulti(cmd *cobra.Command) error {
	serves, err := f.parseAlso()
	if err != nil {
		return err
	}
	accts, err := accountsByProvider()
	if err != nil {
		return err
	}
	has := func(p string) bool {
		return slices.ContainsFunc(serves, func(m *multiServe) bool { return m.provider == p })
	}
	for p := range accts {
		if !has(p) {
			return fmt.Errorf("%s: accounts of %s, which is not served (--provider, --also)", mcnlab.AccountsEnv, p)
		}
	}
	// AWS's flags, parsed as for --provider aws alone.
	f.accounts, f.accountsChanged = accts["aws"], true
	if !has("aws") && len(f.circuits)+len(f.apiLines)+len(f.quotaSpecs) > 0 {
		return errors.New("--also: --circuit, --line and --quota are AWS's: serve aws too")
	}
	s, err := f.parse()
	if err != nil {
		return err
	}
	cloud := model.New()
	var cs *cloudState
	if f.statePath != "" {
		if cs, err = openCloudState(f.statePath, cloud); err != nil {
			return err
		}
		defer cs.store.Close()
	}
	for _, m := range serves {
		if m.handler, err = f.multiHandler(m, cloud, cs, s, accts[m.provider]); err != nil {
			return err
		}
	}
	if cs != nil {
		cs.store.Start(cloud)
	}
	cl, err := startCloudLab(cmd.Context(), f.lab, true, cs != nil && cs.loaded, cloud, s.lines, s.uplinks, s.internet)
	if err != nil {
		return err
	}
	defer cl.close()
	return f.serveMulti(cmd, serves, cl, cs)
}

// multiHandler adds m's accounts to cloud and returns its API.
func (f *serveFlags) multiHandler(m *multiServe, cloud *model.Cloud, cs *cloudState, s serveSetup, specs []string) (http.Handler, error) {
	switch m.provider {
	case "aws":
		cfg := cmaws.Config{Region: f.region, Credentials: s.creds}
		if cs != nil {
			cfg.Tokens, cfg.Remember = cs.tokens, cs.rememberToken
		}
		addAccounts(cloud, s.creds, s.lim)
		return cmaws.New(cloud, cfg), nil
	case "azure":
		principals, err := parseAzureAccounts(specs)
		if err != nil {
			return nil, err
		}
		m.tls = true
		return azureServer(cloud, principals, cs)
	case "oci":
		users, err := parseOCIAccounts(specs)
		if err != nil {
			return nil, err
		}
		region, err := f.ociRegion()
		if err != nil {
			return nil, err
		}
		var cfg []cmoci.User
		for _, u := range users {
			if _, err := cloud.Account(u.user.Tenancy); err != nil {
				cloud.AddAccount(model.Account{ID: u.user.Tenancy, Provider: model.ProviderOCI})
			}
			cfg = append(cfg, u.user)
		}
		return cmoci.New(cloud, cmoci.Config{Users: cfg, Region: region}), nil
	default: // gcp
		tokens, projects, err := parseGCPAccounts(specs)
		if err != nil {
			return nil, err
		}
		for _, p := range projects {
			if _, err := cloud.Account(p); err != nil { // a project of the state file keeps its objects
				cloud.AddAccount(model.Account{ID: p, Provider: model.ProviderGCP})
			}
		}
		if len(projects) > 0 {
			// gcloud's token file ('mcnlab cloudmock env --provider gcp').
			if err := os.WriteFile(gcpTokenFile(f.lab), []byte(tokenOf(tokens, projects[0])), 0o600); err != nil {
				return nil, fmt.Errorf("cloudmock serve: write the lab's GCP token: %w", err)
			}
		}
		return cmgcp.New(cloud, cmgcp.Config{Tokens: tokens}), nil
	}
}

// serveMulti listens for every provider, writes --addr-file once all
// listen, and serves until cmd's context ends or one server fails.
func (f *serveFlags) serveMulti(cmd *cobra.Command, serves []*multiServe, cl *cloudLab, cs *cloudState) error {
	var tlsCfg *tls.Config
	var lines strings.Builder
	defer func() {
		for _, m := range serves {
			if m.ln != nil {
				m.ln.Close()
			}
		}
	}()
	for _, m := range serves {
		ln, err := net.Listen("tcp", m.listen)
		if err != nil {
			return fmt.Errorf("cloudmock serve: %s: %w", m.provider, err)
		}
		m.ln = ln
		fmt.Fprintf(&lines, "%s %s\n", m.provider, ln.Addr())
		if m.tls {
			if tlsCfg == nil {
				if _, err := mcnlab.LoadCA(f.lab); errors.Is(err, fs.ErrNotExist) {
					_, err = mcnlab.MakeCA(f.lab)
				}
				if tlsCfg, err = mcnlab.ServerTLS(f.lab); err != nil {
					return err
				}
			}
			m.ln = tls.NewListener(ln, tlsCfg)
		}
	}
	if f.addrFile != "" {
		if err := writeFileAtomic(f.addrFile, []byte(lines.String())); err != nil {
			return fmt.Errorf("cloudmock serve: --addr-file: %w", err)
		}
	}
	fmt.Fprintf(cmd.OutOrStdout(), "cloudmock: %s realized in lab %s on one dataplane; Ctrl-C stops it\n", strings.ReplaceAll(strings.TrimSpace(lines.String()), "\n", ", "), f.lab)
	errc := make(chan error, len(serves))
	srvs := make([]*http.Server, len(serves))
	for i, m := range serves {
		h := cl.r.InForce(m.handler)
		if cs != nil {
			h = cs.store.Durable(h) // answered once saved
		}
		srvs[i] = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: cmaws.DefaultBodyReadTimeout}
		go func(srv *http.Server, ln net.Listener) { errc <- srv.Serve(ln) }(srvs[i], m.ln)
	}
	var err error
	select {
	case <-cmd.Context().Done():
	case err = <-errc:
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, srv := range srvs {
		srv.Shutdown(ctx)
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
