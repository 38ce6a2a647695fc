package main

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/spf13/cobra"

	cmgcp "github.com/mcnlab/mcnlab/cloudmock/gcp"
	"github.com/mcnlab/mcnlab/cloudmock/model"
	ctlcloud "github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/emulator/state"
	mcnlab "github.com/mcnlab/mcnlab/lab"
)

// serveGCPLong is what cloudmock serve's help says of --provider gcp.
const serveGCPLong = `

With --provider gcp it serves the Compute Engine API v1 (networks,
subnetworks, firewalls, routes, addresses, instances, routers with BGP
peers and Cloud NAT, HA VPN gateways, external VPN gateways, VPN tunnels,
interconnects and VLAN attachments, operations; /compute/v1/) over plain
HTTP,
which gcloud and the Google client libraries accept. Each --account is
PROJECT_ID:TOKEN (a bearer token and the one project it may use), or each
word of ` + mcnlab.AccountsEnv + `; without one, a random project and token
are made. --join realizes in a lab that a deploy made. With --lab the project, the
endpoint and the token (in a 0600 file) are recorded in the lab's state
for 'mcnlab cloudmock env --provider gcp', and the lab realizes the
networks (one router across regions), firewall rules (by priority at each
instance, with the implied rules), routes (tag-scoped) and instances (with
external IPs into the emulated internet). --state FILE keeps the projects'
resources in FILE, as for AWS and Azure: a cloud restarted on it has them.`

// projectPattern is a GCP project ID's form.
// GCP: https://cloud.google.com/resource-manager/docs/creating-managing-projects#before_you_begin — 6 to 30 lowercase letters, digits or hyphens, starting with a letter, not ending with a hyphen
var projectPattern = regexp.MustCompile(`^[a-z][-a-z0-9]{4,28}[a-z0-9]$`)

// parseGCPAccounts parses PROJECT_ID:TOKEN values.
func parseGCPAccounts(specs []string) (map[string]string, []string, error) {
	tokens := map[string]string{}
	var projects []string
	for _, s := range specs {
		p, tok, ok := strings.Cut(s, ":")
		if !ok || !projectPattern.MatchString(p) || tok == "" {
			return nil, nil, fmt.Errorf("--account %q: want PROJECT_ID:TOKEN with a project ID of 6 to 30 lowercase letters, digits and hyphens", s)
		}
		tokens[tok] = p
		projects = append(projects, p)
	}
	return tokens, projects, nil
}

// gcpTokenFile is where serve keeps a lab's GCP token for gcloud
// (CLOUDSDK_AUTH_ACCESS_TOKEN_FILE).
func gcpTokenFile(lab string) string { return filepath.Join(state.Dir(lab), "gcp.token") }

// runGCP serves the Compute Engine API for --provider gcp until cmd's
// context ends.
func (f *serveFlags) runGCP(cmd *cobra.Command) error {
	uplinks, err := f.uplinksOf("gcp", "GCP")
	if err != nil {
		return err
	}
	in, err := parseInternet(f.internetFile, f.lab)
	if err != nil {
		return err
	}
	if f.join && f.lab == "" {
		return errors.New("--provider gcp: --join needs --lab")
	}
	if len(f.circuits) > 0 && f.lab == "" {
		return errors.New("--circuit needs --lab: a private line is realized in a lab's namespaces")
	}
	var tokens map[string]string
	var projects []string
	specs, given := f.accounts, cmd.Flags().Changed("account")
	if env := os.Getenv(mcnlab.AccountsEnv); !given && env != "" {
		// A lab's deploy passes the project and its token here, out of
		// the process list.
		specs, given = strings.Fields(env), true
	}
	if given {
		var err error
		if tokens, projects, err = parseGCPAccounts(specs); err != nil {
			return err
		}
	} else {
		p, tok := "mcnlab-"+hex.EncodeToString(randomBytes(4)), hex.EncodeToString(randomBytes(24))
		tokens, projects = map[string]string{tok: p}, []string{p}
	}
	cloud := model.New()
	var cs *cloudState
	if f.statePath != "" {
		// The model, with every resource's wire form in its attributes,
		// is the whole of the project's state (operations are not kept:
		// a client waits on one right after its call).
		var err error
		if cs, err = openCloudState(f.statePath, cloud); err != nil {
			return err
		}
		defer cs.store.Close()
	}
	for _, p := range projects {
		if _, err := cloud.Account(p); err != nil { // a project of the state file keeps its objects
			cloud.AddAccount(model.Account{ID: p, Provider: model.ProviderGCP})
		}
	}
	var handler http.Handler = cmgcp.New(cloud, cmgcp.Config{Tokens: tokens})
	if cs != nil {
		cs.store.Start(cloud)
	}
	realized := "model only"
	if f.lab != "" {
		// The lab realizes the projects' networks, subnets, firewall rules,
		// routes and instances; a call's change is in the dataplane when
		// it returns (InForce). A cloud restarted on its state file adopts
		// the dataplane its predecessor made, as the AWS and Azure clouds do.
		// Each --circuit is a Dedicated Interconnect of the (first)
		// project, on which VLAN attachments bind its Cloud Routers.
		// GCP: https://cloud.google.com/network-connectivity/docs/interconnect/concepts/dedicated-overview — a Dedicated Interconnect is a physical connection between the on-premises network and Google's
		lines, err := parseCircuits(f.circuits, projects[0])
		if err != nil {
			return err
		}
		cl, err := startCloudLab(cmd.Context(), f.lab, f.join, f.join && cs != nil && cs.loaded, cloud, lines, uplinks, in)
		if err != nil {
			return err
		}
		defer cl.close()
		handler, realized = cl.r.InForce(handler), "realized in lab "+f.lab
	}
	if cs != nil {
		handler = cs.store.Durable(handler) // answered once saved
	}
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return fmt.Errorf("cloudmock serve: %w", err)
	}
	if f.lab != "" {
		if err := recordGCPLab(f.lab, ln.Addr().String(), projects[0], tokenOf(tokens, projects[0])); err != nil {
			ln.Close()
			return err
		}
	}
	if f.addrFile != "" {
		if err := writeFileAtomic(f.addrFile, []byte(ln.Addr().String())); err != nil {
			ln.Close()
			return fmt.Errorf("cloudmock serve: --addr-file: %w", err)
		}
	}
	fmt.Fprintf(cmd.OutOrStdout(), "cloudmock: Compute Engine API on http://%s/compute/v1/ (%d projects, %s); Ctrl-C stops it\n", ln.Addr(), len(projects), realized)
	return f.serveOn(cmd, ln, handler, serveSetup{})
}

func tokenOf(tokens map[string]string, project string) string {
	for t, p := range tokens {
		if p == project {
			return t
		}
	}
	return ""
}

// recordGCPLab records the endpoint and token of lab's GCP project in
// the lab's state (startCloudLab made it; destroying the lab removes them).
func recordGCPLab(lab, addr, project, token string) error {
	if err := os.WriteFile(gcpTokenFile(lab), []byte(token), 0o600); err != nil {
		return fmt.Errorf("cloudmock serve: write the lab's GCP token: %w", err)
	}
	if err := mcnlab.WriteEndpoint(lab, "gcp", ctlcloud.Endpoint{URL: "http://" + addr + "/compute/v1/", AccountID: project,
		Credentials: ctlcloud.Credentials{Secret: token}}); err != nil {
		return fmt.Errorf("cloudmock serve: %w", err)
	}
	return nil
}

// gcpEnvLong is what cloudmock env's help says of --provider gcp.
const gcpEnvLong = `

For GCP (--provider gcp) it prints lines that point gcloud at the lab's
Compute Engine API, following ../shared/background/cloud-clients.md:

  export CLOUDSDK_CONFIG=...        gcloud's configuration: the one already
                                    set, else ~/.config/gcloud-mcnlab-LAB
  export CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE=...   the lab's endpoint
  export CLOUDSDK_CORE_PROJECT=...  the lab's project
  export CLOUDSDK_AUTH_ACCESS_TOKEN_FILE=...  the lab's token (0600)
  export CLOUDSDK_CORE_CHECK_GCE_METADATA=false (and prompts, updates and
                                    usage reporting off)

and, as comments, how the Go and Python client libraries take the endpoint.`

// gcpEnv is the shell text that points gcloud at lab's GCP cloud lc.
func gcpEnv(lab string, lc ctlcloud.Endpoint) (string, error) {
	if !strings.HasSuffix(lc.URL, "/compute/v1/") || lc.AccountID == "" {
		return "", fmt.Errorf("lab %s: its GCP record in %s lacks the endpoint or the project", lab, mcnlab.EndpointsFile(lab))
	}
	q := shellQuote
	root := strings.TrimSuffix(lc.URL, "compute/v1/")
	var b strings.Builder
	fmt.Fprintf(&b, "# lab %s: emulated GCP Compute Engine API at %s, project %s\n", lab, lc.URL, lc.AccountID)
	fmt.Fprintf(&b, "# Go: compute.NewService(ctx, option.WithEndpoint(%s), option.WithTokenSource(...the token in $CLOUDSDK_AUTH_ACCESS_TOKEN_FILE...))\n", q(lc.URL))
	fmt.Fprintf(&b, "# Python: discovery.build(\"compute\", \"v1\", http=httplib2.Http(), discoveryServiceUrl=%s)\n", q(root+"discovery/v1/apis/{api}/{apiVersion}/rest"))
	fmt.Fprintf(&b, "export CLOUDSDK_CONFIG=\"${CLOUDSDK_CONFIG:-$HOME/.config/gcloud-mcnlab-%s}\"\n", lab)
	fmt.Fprintf(&b, "export CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE=%s\n", q(lc.URL))
	fmt.Fprintf(&b, "export CLOUDSDK_CORE_PROJECT=%s\n", q(lc.AccountID))
	fmt.Fprintf(&b, "export CLOUDSDK_AUTH_ACCESS_TOKEN_FILE=%s\n", q(gcpTokenFile(lab)))
	b.WriteString("export CLOUDSDK_CORE_CHECK_GCE_METADATA=false CLOUDSDK_CORE_DISABLE_USAGE_REPORTING=true CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK=true CLOUDSDK_SURVEY_DISABLE_PROMPTS=true CLOUDSDK_CORE_DISABLE_PROMPTS=1\n")
	return b.String(), nil
}
