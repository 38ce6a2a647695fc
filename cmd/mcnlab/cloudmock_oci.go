package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	cmoci "github.com/mcnlab/mcnlab/cloudmock/oci"
	ctlcloud "github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/emulator/state"
	mcnlab "github.com/mcnlab/mcnlab/lab"
	"github.com/mcnlab/mcnlab/topologies"
)

// serveOCILong is what cloudmock serve's help says of --provider oci.
const serveOCILong = `

With --provider oci it serves OCI's Core Services networking API
(/20160918/: vcns, subnets, securityLists, networkSecurityGroups,
routeTables, internetGateways, natGateways, dhcps, drgs, drgAttachments,
drgRouteTables, drgRouteDistributions, workRequests, and the Identity
compartments and tenancy) over plain HTTP, which the OCI
SDKs accept; every request's HTTP signature is verified against the
user's public key. Each --account is TENANCY_OCID:USER_OCID:PUBLIC_KEY_PEM
(a file); without one, a random tenancy and user with a new RSA key are
made, which needs --lab: the API key (0600) and an OCI config file naming
it are written under the lab's state. --region is the region the
resources are made in when it is OCI's (us-ashburn-1 otherwise; or
--oci-region). With --lab and --join (a lab that a deploy made, which
passes its tenancy, user and public key file in ` + mcnlab.AccountsEnv + `)
the lab realizes the VCNs, subnets, route tables (rules to gateways and
to private IPs), security lists and NSGs (a packet passes where either
allows it), gateways and instances; without --join the objects are kept
in the model only.`

// ociUser is one --account of --provider oci.
type ociUser struct {
	user cmoci.User
	key  *rsa.PrivateKey // generated keys only
}

// parseOCIAccounts parses TENANCY_OCID:USER_OCID:PUBLIC_KEY_PEM values.
func parseOCIAccounts(specs []string) ([]ociUser, error) {
	var out []ociUser
	for _, s := range specs {
		parts := strings.SplitN(s, ":", 3)
		if len(parts) != 3 || !strings.HasPrefix(parts[0], "ocid1.tenancy.") || !strings.HasPrefix(parts[1], "ocid1.user.") {
			return nil, fmt.Errorf("--account %q: want TENANCY_OCID:USER_OCID:PUBLIC_KEY_PEM (ocid1.tenancy...., ocid1.user...., a PEM file)", s)
		}
		raw, err := os.ReadFile(parts[2])
		if err != nil {
			return nil, fmt.Errorf("--account %q: %w", s, err)
		}
		key, err := parsePublicKey(raw)
		if err != nil {
			return nil, fmt.Errorf("--account %q: %s: %w", s, parts[2], err)
		}
		out = append(out, ociUser{user: cmoci.User{Tenancy: parts[0], User: parts[1], Key: key}})
	}
	return out, nil
}

// parsePublicKey reads an RSA public key in PEM (PKIX or PKCS#1).
func parsePublicKey(raw []byte) (*rsa.PublicKey, error) {
	b, _ := pem.Decode(raw)
	if b == nil {
		return nil, errors.New("no PEM block")
	}
	if k, err := x509.ParsePKCS1PublicKey(b.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKIXPublicKey(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("not an RSA public key: %w", err)
	}
	rk, ok := k.(*rsa.PublicKey)
	if !ok {
		return nil, errors.New("not an RSA public key")
	}
	return rk, nil
}

// ociKeyFile and ociConfigFile are where serve keeps a lab's OCI API key
// and the OCI config file that names it.
func ociKeyFile(lab string) string    { return mcnlab.OCIKeyFile(lab) }
func ociConfigFile(lab string) string { return mcnlab.OCIConfigFile(lab) }

// ociConfig is an OCI SDK/CLI config file with one DEFAULT profile.
func ociConfig(u cmoci.User, region, keyFile string) string {
	return mcnlab.OCIConfig(u.Tenancy, u.User, cmoci.Fingerprint(u.Key), region, keyFile)
}

// ociRegion is --oci-region, else --region when it is one of OCI's, else
// us-ashburn-1.
func (f *serveFlags) ociRegion() (string, error) {
	p, _ := model.LookupProfile(model.ProviderOCI)
	switch {
	case f.ociRegionFlag != "" && !slices.Contains(p.Regions, f.ociRegionFlag):
		return "", fmt.Errorf("--oci-region %q: not one of OCI's regions (%s)", f.ociRegionFlag, strings.Join(p.Regions, ", "))
	case f.ociRegionFlag != "":
		return f.ociRegionFlag, nil
	case slices.Contains(p.Regions, f.region):
		return f.region, nil
	}
	return "us-ashburn-1", nil
}

// ociUsers are the users of --provider oci: --account's, else the words
// of AccountsEnv (a lab's deploy passes them there), else a new tenancy
// and user with a new RSA key (which needs --lab without --join: its API
// key is written under the lab's state).
func (f *serveFlags) ociUsers(cmd *cobra.Command) ([]ociUser, error) {
	specs, given := f.accounts, cmd.Flags().Changed("account")
	if env := os.Getenv(mcnlab.AccountsEnv); !given && env != "" {
		specs, given = strings.Fields(env), true
	}
	if given {
		return parseOCIAccounts(specs)
	}
	if f.lab == "" || f.join {
		return nil, errors.New("--provider oci without --account needs --lab (and no --join): the API key it makes is written under the lab's state")
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("cloudmock serve: make an API key: %w", err)
	}
	return []ociUser{{key: key, user: cmoci.User{Tenancy: model.OCIID(model.KindAccount, ""),
		User: "ocid1.user.oc1.." + strings.ToLower(fmt.Sprintf("%x", randomBytes(16))), Key: &key.PublicKey}}}, nil
}

// runOCI serves Core Services for --provider oci until cmd's context
// ends: kept in the model only, or, with --lab and --join, realized in the
// lab that a deploy made (its VCNs, subnets, route tables, security lists
// and NSGs, gateways and instances, the gateway images running mcnlab
// gateway), a call's change in the dataplane when it returns (InForce).
func (f *serveFlags) runOCI(cmd *cobra.Command) error {
	uplinks, err := f.uplinksOf("oci", "OCI")
	if err != nil {
		return err
	}
	in, err := parseInternet(f.internetFile, f.lab)
	if err != nil {
		return err
	}
	switch {
	case f.statePath != "" && !f.join:
		return errors.New("--provider oci: --state needs --lab and --join (the model is kept; lifecycle states, work requests and retry tokens live beside it and start afresh)")
	case f.join && f.lab == "":
		return errors.New("--provider oci: --join needs --lab")
	case !f.join && (len(uplinks) > 0 || in != nil || len(f.circuits) > 0):
		return errors.New("--provider oci: --uplink, --internet and --circuit need --join: the lab that a deploy made")
	}
	region, err := f.ociRegion()
	if err != nil {
		return err
	}
	users, err := f.ociUsers(cmd)
	if err != nil {
		return err
	}
	// Each --circuit is a private line of the (first) tenancy, on which
	// a private virtual circuit's cross-connect mapping names it
	// (cloudmock/realize ocivc.go).
	// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/fastconnect.htm — colocation: the customer's router and Oracle's meet over a cross-connect
	lines, err := parseCircuits(f.circuits, users[0].user.Tenancy)
	if err != nil {
		return err
	}
	cloud := model.New()
	var cs *cloudState
	if f.statePath != "" {
		// The model is the tenancy's state; a cloud restarted on it
		// adopts the dataplane its predecessor made.
		if cs, err = openCloudState(f.statePath, cloud); err != nil {
			return err
		}
		defer cs.store.Close()
	}
	var cfgUsers []cmoci.User
	for _, u := range users {
		if _, err := cloud.Account(u.user.Tenancy); err != nil { // a tenancy of the state file keeps its objects
			cloud.AddAccount(model.Account{ID: u.user.Tenancy, Provider: model.ProviderOCI})
		}
		cfgUsers = append(cfgUsers, u.user)
	}
	var handler http.Handler = cmoci.New(cloud, cmoci.Config{Users: cfgUsers, Region: region})
	if cs != nil {
		cs.store.Start(cloud)
	}
	realized := "model only"
	if f.join {
		cl, err := startCloudLab(cmd.Context(), f.lab, true, cs != nil && cs.loaded, cloud, lines, uplinks, in)
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
	if f.lab != "" && !f.join {
		done, err := f.recordOCILab(ln, users[0], region)
		if err != nil {
			ln.Close()
			return err
		}
		defer done()
	}
	if f.addrFile != "" {
		if err := writeFileAtomic(f.addrFile, []byte(ln.Addr().String())); err != nil {
			ln.Close()
			return fmt.Errorf("cloudmock serve: --addr-file: %w", err)
		}
	}
	fmt.Fprintf(cmd.OutOrStdout(), "cloudmock: OCI Core Services on http://%s/20160918/ (%d tenancies, %s, %s); Ctrl-C stops it\n", ln.Addr(), len(users), region, realized)
	return f.serveOn(cmd, ln, handler, serveSetup{})
}

// recordOCILab makes the state record of a lab of OCI alone, kept in the
// model only: its config file and API key, and its endpoint.
func (f *serveFlags) recordOCILab(ln net.Listener, u ociUser, region string) (func(), error) {
	files := map[string][]byte{ociConfigFile(f.lab): []byte(ociConfig(u.user, region, ociKeyFile(f.lab)))}
	if u.key != nil {
		files[ociKeyFile(f.lab)] = pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(u.key)})
	}
	return recordModelLab(f.lab, "oci", files, ctlcloud.Endpoint{URL: "http://" + ln.Addr().String(), AccountID: u.user.Tenancy,
		Region: region, Credentials: ctlcloud.Credentials{KeyID: u.user.KeyID()}})
}

// recordModelLab makes lab's state record for a cloud kept in the model
// only (a lab of the cloud alone, with no namespaces), writes its secret
// files (0600) and records the provider's endpoint; done removes them.
func recordModelLab(lab, provider string, files map[string][]byte, ep ctlcloud.Endpoint) (done func(), err error) {
	if err := needRoot("cloudmock serve --lab"); err != nil {
		return nil, err
	}
	if err := topologies.CheckLabName("--lab", lab); err != nil {
		return nil, err
	}
	_, lock, err := newLabRecord(lab)
	if err != nil {
		return nil, err
	}
	done = func() { lock.Unlock(); state.Remove(lab) }
	for path, b := range files {
		if err := os.WriteFile(path, b, 0o600); err != nil {
			done()
			return nil, fmt.Errorf("cloudmock serve: write the lab's %s credentials: %w", provider, err)
		}
	}
	if err := mcnlab.WriteEndpoint(lab, provider, ep); err != nil {
		done()
		return nil, fmt.Errorf("cloudmock serve: %w", err)
	}
	return done, nil
}

// newLabRecord creates lab's state record (ready, owned by this process)
// and locks it.
func newLabRecord(lab string) (*state.Lab, *state.Lock, error) {
	rec := &state.Lab{Name: lab, Created: time.Now().UTC(), Phase: state.PhaseReady, Owner: state.Self()}
	if err := state.Create(rec); err != nil {
		if errors.Is(err, state.ErrExists) {
			return nil, nil, fmt.Errorf("lab %s exists already; destroy it with `mcnlab destroy --lab %s` or pick another name", lab, lab)
		}
		return nil, nil, err
	}
	lock, err := state.TryLock(lab)
	if err != nil {
		state.Remove(lab)
		return nil, nil, err
	}
	return rec, lock, nil
}

// ociEnvLong is what cloudmock env's help says of --provider oci.
const ociEnvLong = `

For OCI (--provider oci) it prints lines that point the OCI SDKs at the
lab's Core Services, following ../shared/background/cloud-clients.md:

  export OCI_CONFIG_FILE=...      the lab's OCI config file (0600), naming
                                  its tenancy, user, key fingerprint, region
                                  and API key file (0600)
  export OCI_CLI_PROFILE=DEFAULT  the profile in it
  export MCNLAB_OCI_ENDPOINT=...  the lab's endpoint: the SDKs take it in
                                  code (Go: client.Host; TypeScript:
                                  client.endpoint), as the comments show`

// ociEnv is the shell text that points the OCI SDKs at lab's OCI cloud lc.
// OCI: https://docs.oracle.com/en-us/iaas/Content/API/Concepts/sdkconfig.htm — the SDKs read the config file at OCI_CONFIG_FILE (else ~/.oci/config) and its profile
func ociEnv(lab string, lc ctlcloud.Endpoint) (string, error) {
	if lc.URL == "" || lc.AccountID == "" {
		return "", fmt.Errorf("lab %s: its OCI record in %s lacks the endpoint or the tenancy", lab, mcnlab.EndpointsFile(lab))
	}
	q := shellQuote
	var b strings.Builder
	fmt.Fprintf(&b, "# lab %s: emulated OCI Core Services at %s, tenancy %s, region %s\n", lab, lc.URL, lc.AccountID, lc.Region)
	b.WriteString("# Go: p, _ := common.ConfigurationProviderFromFile(os.Getenv(\"OCI_CONFIG_FILE\"), \"\"); c, _ := core.NewVirtualNetworkClientWithConfigurationProvider(p); c.Host = os.Getenv(\"MCNLAB_OCI_ENDPOINT\")\n")
	b.WriteString("# TypeScript: new common.ConfigFileAuthenticationDetailsProvider(process.env.OCI_CONFIG_FILE, process.env.OCI_CLI_PROFILE); client.endpoint = process.env.MCNLAB_OCI_ENDPOINT\n")
	fmt.Fprintf(&b, "export OCI_CONFIG_FILE=%s\n", q(ociConfigFile(lab)))
	b.WriteString("export OCI_CLI_PROFILE=DEFAULT\n")
	fmt.Fprintf(&b, "export MCNLAB_OCI_ENDPOINT=%s\n", q(lc.URL))
	return b.String(), nil
}
