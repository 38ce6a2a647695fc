package main

import (
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"regexp"
	"strings"

	"github.com/spf13/cobra"

	cmazure "github.com/mcnlab/mcnlab/cloudmock/azure"
	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/cloudmock/realize"
	ctlcloud "github.com/mcnlab/mcnlab/controller/cloud"
	mcnlab "github.com/mcnlab/mcnlab/lab"
)

// serveAzureLong is what cloudmock serve's help says of --provider azure.
const serveAzureLong = `

With --provider azure it serves Azure Resource Manager (Microsoft.Network,
resource groups, the identity endpoint that az and azidentity use) over
HTTPS with the lab's certificate authority, so it needs --lab. Each
--account (or each word of ` + mcnlab.AccountsEnv + `) is
SUBSCRIPTION_ID:CLIENT_ID:CLIENT_SECRET (a service principal and the one
subscription it may use); without one, a random subscription and
service principal are made and recorded (0600) in the lab's cloud.json, which
'mcnlab cloudmock env --provider azure' reads.`

// guidPattern is a subscription ID's form.
var guidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// parseAzureAccounts parses SUBSCRIPTION_ID:CLIENT_ID:CLIENT_SECRET values.
func parseAzureAccounts(specs []string) ([]cmazure.Principal, error) {
	var out []cmazure.Principal
	for _, s := range specs {
		f := strings.SplitN(s, ":", 3)
		if len(f) != 3 || !guidPattern.MatchString(f[0]) || f[1] == "" || f[2] == "" {
			return nil, fmt.Errorf("--account %q: want SUBSCRIPTION_ID:CLIENT_ID:CLIENT_SECRET with a GUID subscription ID", s)
		}
		out = append(out, cmazure.Principal{Subscription: f[0], ClientID: f[1], Secret: f[2]})
	}
	return out, nil
}

// runAzure serves ARM for --provider azure until cmd's context ends: the
// model made real in --lab's namespaces, over HTTPS with the lab's CA.
func (f *serveFlags) runAzure(cmd *cobra.Command) error {
	if f.lab == "" {
		return errors.New("--provider azure needs --lab: ARM is served over HTTPS with the lab's certificate authority")
	}
	uplinks, err := f.uplinksOf("azure", "Azure")
	if err != nil {
		return err
	}
	in, err := parseInternet(f.internetFile, f.lab)
	if err != nil {
		return err
	}
	specs := f.accounts
	generated := !cmd.Flags().Changed("account")
	if env := os.Getenv(mcnlab.AccountsEnv); generated && env != "" {
		// A lab's deploy passes the subscription and its principal here,
		// out of the process list.
		specs, generated = strings.Fields(env), false
	}
	var principals []cmazure.Principal
	if generated {
		c := mcnlab.NewAzureCredentials()
		principals = []cmazure.Principal{{Subscription: c.AccountID, ClientID: c.Credentials.KeyID, Secret: c.Credentials.Secret}}
	} else {
		var err error
		if principals, err = parseAzureAccounts(specs); err != nil {
			return err
		}
	}
	if f.region == "us-east-1" {
		f.region = "eastus"
	}
	cloud := model.New()
	var cs *cloudState
	if f.statePath != "" {
		var err error
		if cs, err = openCloudState(f.statePath, cloud); err != nil {
			return err
		}
		defer cs.store.Close()
	}
	srv, err := azureServer(cloud, principals, cs)
	if err != nil {
		return err
	}
	if cs != nil {
		cs.store.Start(cloud)
	}
	// Each --circuit is a private line of the (first) subscription, which
	// the ExpressRoute circuit of its name claims (cloudmock/azure
	// expressroute.go): the lab is the circuit's connectivity provider.
	// Azure: https://learn.microsoft.com/en-us/azure/expressroute/expressroute-workflows — the connectivity provider provisions the circuit; its serviceProviderProvisioningState becomes Provisioned
	lines, err := parseCircuits(f.circuits, principals[0].Subscription)
	if err != nil {
		return err
	}
	// A lab's cloud restarted on its state file adopts the dataplane its
	// predecessor made, as the AWS cloud does.
	cl, err := startCloudLab(cmd.Context(), f.lab, f.join, f.join && cs != nil && cs.loaded, cloud, lines, uplinks, in)
	if err != nil {
		return err
	}
	defer cl.close()
	if _, err := mcnlab.LoadCA(f.lab); errors.Is(err, fs.ErrNotExist) {
		_, err = mcnlab.MakeCA(f.lab)
	}
	tlsCfg, err := mcnlab.ServerTLS(f.lab)
	if err != nil {
		return err
	}
	handler := cl.r.InForce(srv)
	if cs != nil {
		handler = cs.store.Durable(handler) // answered once saved
	}
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return fmt.Errorf("cloudmock serve: %w", err)
	}
	if err := f.recordAzure(cmd, ln, generated, principals[0]); err != nil {
		ln.Close()
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "cloudmock: Azure Resource Manager on https://%s (%d subscriptions, realized in lab %s); Ctrl-C stops it\n", ln.Addr(), len(principals), f.lab)
	return f.serveOn(cmd, tls.NewListener(ln, tlsCfg), handler, serveSetup{})
}

// azureServer adds the principals' subscriptions that cloud does not hold
// yet (one of the state file keeps its objects) and makes ARM's front-end
// for them, with the token signing key of the state file cs, if any.
func azureServer(cloud *model.Cloud, principals []cmazure.Principal, cs *cloudState) (*cmazure.Server, error) {
	for _, p := range principals {
		if _, err := cloud.Account(p.Subscription); err != nil {
			cloud.AddAccount(model.Account{ID: p.Subscription, Provider: model.ProviderAzure})
		}
	}
	srv := cmazure.New(cloud, cmazure.LabTenant, principals...)
	if cs != nil {
		if err := keepAzureKey(cs, srv); err != nil {
			return nil, err
		}
	}
	return srv, nil
}

// recordAzure writes --addr-file and, for generated credentials, the
// lab's endpoint record.
func (f *serveFlags) recordAzure(cmd *cobra.Command, ln net.Listener, generated bool, p cmazure.Principal) error {
	if f.addrFile != "" {
		if err := writeFileAtomic(f.addrFile, []byte(ln.Addr().String())); err != nil {
			return fmt.Errorf("cloudmock serve: --addr-file: %w", err)
		}
	}
	if !generated || f.join {
		return nil
	}
	if err := mcnlab.WriteEndpoint(f.lab, "azure", ctlcloud.Endpoint{URL: "https://" + ln.Addr().String(), Region: f.region,
		AccountID: p.Subscription, Tenant: cmazure.LabTenant, Credentials: ctlcloud.Credentials{KeyID: p.ClientID, Secret: p.Secret}, CAFile: mcnlab.CAFile(f.lab)}); err != nil {
		return fmt.Errorf("cloudmock serve: %w", err)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "cloudmock: subscription %s's service principal is in %s (0600)\n", p.Subscription, mcnlab.EndpointsFile(f.lab))
	return nil
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return b
}

// azureEnvLong is what cloudmock env's help says of --provider azure.
const azureEnvLong = `

For Azure (--provider azure) it prints lines that register the lab's cloud
with az and log in to it, following ../shared/background/cloud-clients.md:

  export AZURE_CONFIG_DIR=...      az's configuration: the one already set,
                                   else ~/.azure-mcnlab-LAB (so that the
                                   lab's cloud and login stay out of ~/.azure)
  export REQUESTS_CA_BUNDLE=...    the lab's certificate authority, which az
                                   (MSAL and ARM) trusts through it
  export AZURE_CORE_COLLECT_TELEMETRY=false
  az cloud register/update ...     the cloud mcnlab-LAB: the lab's ARM with
                                   its ADFS-shaped authority (read from
                                   /metadata/endpoints) and the profile
                                   2020-09-01-hybrid, which Debian's az 2.45
                                   needs for az network
  az cloud set, az login --service-principal, az account set
                                   the lab's subscription and principal

Running them takes az some seconds.`

// azureEnv is the shell text that points az at lab's Azure cloud lc.
func azureEnv(lab string, lc ctlcloud.Endpoint) (string, error) {
	if !strings.HasPrefix(lc.URL, "https://") || lc.CAFile == "" || lc.AccountID == "" || lc.Credentials.KeyID == "" || lc.Credentials.Secret == "" {
		return "", fmt.Errorf("lab %s: its Azure record in %s lacks the HTTPS URL, CA, subscription or service principal", lab, mcnlab.EndpointsFile(lab))
	}
	cloudName := "mcnlab-" + lab
	q := shellQuote
	var b strings.Builder
	fmt.Fprintf(&b, "# lab %s: emulated Azure cloud at %s, subscription %s\n", lab, lc.URL, lc.AccountID)
	fmt.Fprintf(&b, "export AZURE_CONFIG_DIR=\"${AZURE_CONFIG_DIR:-$HOME/.azure-mcnlab-%s}\"\n", lab)
	fmt.Fprintf(&b, "export REQUESTS_CA_BUNDLE=%s\n", q(lc.CAFile))
	b.WriteString("export AZURE_CORE_COLLECT_TELEMETRY=false\n")
	reg := fmt.Sprintf("-n %s --endpoint-resource-manager %s --profile 2020-09-01-hybrid", q(cloudName), q(lc.URL+"/"))
	fmt.Fprintf(&b, "if az cloud show -n %s >/dev/null 2>&1; then az cloud update %s --only-show-errors >/dev/null; else az cloud register %s --only-show-errors >/dev/null; fi\n", q(cloudName), reg, reg)
	fmt.Fprintf(&b, "az cloud set -n %s --only-show-errors >/dev/null\n", q(cloudName))
	fmt.Fprintf(&b, "az login --service-principal --username %s --password=%s --tenant %s --only-show-errors >/dev/null\n", q(lc.Credentials.KeyID), q(lc.Credentials.Secret), q(cmazure.LabTenant))
	fmt.Fprintf(&b, "az account set --subscription %s --only-show-errors\n", q(lc.AccountID))
	return b.String(), nil
}

// uplinksOf checks the site flags of a cloud other than AWS's: its
// process serves the sites' uplinks to the lab's internet, not AWS's
// quotas or API-ordered lines, nor private lines (--circuit) but on GCP,
// Azure and OCI (runGCP, runAzure, runOCI).
func (f *serveFlags) uplinksOf(provider, name string) ([]realize.Uplink, error) {
	circuits := len(f.circuits)
	if provider == "gcp" || provider == "azure" || provider == "oci" {
		circuits = 0
	}
	if circuits+len(f.apiLines)+len(f.quotaSpecs) > 0 {
		return nil, fmt.Errorf("--provider %s: --circuit, --line and --quota are AWS's (not served for %s yet)", provider, name)
	}
	if len(f.uplinkSpecs) > 0 && f.lab == "" {
		return nil, errors.New("--uplink needs --lab: an uplink is realized in a lab's namespaces")
	}
	return parseUplinks(f.uplinkSpecs)
}
