package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	cmaws "github.com/mcnlab/mcnlab/cloudmock/aws"
	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/cloudmock/realize"
	ctlcloud "github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/emulator/state"
	mcnlab "github.com/mcnlab/mcnlab/lab"
	"github.com/mcnlab/mcnlab/topologies"
)

func newCloudmock() *cobra.Command {
	c := &cobra.Command{Use: "cloudmock", Short: "The emulated clouds' control-plane APIs"}
	c.AddCommand(newCloudmockServe(), newCloudmockEnv())
	return c
}

// serveLong is the help of cloudmock serve.
const serveLong = `Serve cloudmock's AWS EC2 Query API (version 2016-11-15, Signature V4) and,
on the same address, its Direct Connect API (JSON 1.1) on a loopback address.
Each --account gives an account ID and its access key; each account sees only
its own resources. Accounts may come instead from the environment variable
` + mcnlab.AccountsEnv + ` (ACCOUNT_ID:ACCESS_KEY_ID:SECRET_ACCESS_KEY, one per
line), which other users cannot read as they can read a command line; a lab's
deploy passes its cloud a random key that way. With --lab and neither, the
account 111111111111 gets a random key, recorded (0600) in the lab's
cloud.json for the lab's commands. Without --lab and neither, the account
111111111111 has the published development key AKIDMCNLAB / mcnlab-secret.
Point the AWS CLI at it with
  AWS_ACCESS_KEY_ID=KEY AWS_SECRET_ACCESS_KEY=SECRET aws --region us-east-1 \
    --endpoint-url http://ADDR ec2 describe-vpcs

With --lab, each --circuit is a private line of the lab: a Direct Connect
connection NAME of the first --account, whose site end is the interface
INTERFACE that cloudmock creates in the lab's namespace NAMESPACE (mcn-...)
while a private virtual interface on the line is available. With --provider
gcp it is a Dedicated Interconnect NAME of the project instead, the
interface made while a VLAN attachment on it is active; with --provider
azure the line of the first subscription that the ExpressRoute circuit
NAME claims, the interface made while the circuit's private peering has
a connection from an ExpressRoute gateway.

With --lab, each --uplink links an on-prem site to the lab's emulated
internet: cloudmock creates the interface INTERFACE in the lab's namespace
NAMESPACE (mcn-..., the site's edge router) with the site's public address
ADDRESS/LEN, the internet's end (u-NAME) holding the prefix's first usable
address, and the site's default route via it. The site then reaches the
elastic IPs of instances behind internet gateways, and they reach it. Use a
/30 of 198.51.100.0/24 per site, as 198.51.100.2/30, 198.51.100.6/30, ...`

// serveFlags are the flags of cloudmock serve.
type serveFlags struct {
	listen, region, lab, addrFile, statePath  string
	join                                      bool
	accounts, circuits, apiLines, uplinkSpecs []string
	quotaSpecs                                []string
	accountsChanged                           bool // --account was given
	internetFile                              string
	provider                                  string   // aws or azure
	also                                      []string // --also PROVIDER=ADDR: more clouds on the same model (cloudmock_multi.go)
	ociRegionFlag                             string   // --oci-region (cloudmock_oci.go)
}

func newCloudmockServe() *cobra.Command {
	f := &serveFlags{}
	serve := &cobra.Command{
		Use:   "serve [--listen ADDR] [--account ID:KEY:SECRET]... [--lab NAME [--circuit NAME=NAMESPACE:INTERFACE]... [--uplink NAME=NAMESPACE:INTERFACE:ADDRESS/LEN]...]",
		Short: "Serve the AWS EC2 and Direct Connect APIs on loopback for the AWS SDKs and CLI (--endpoint-url)",
		Long:  serveLong + serveAzureLong + serveGCPLong + serveOCILong + serveMultiLong,
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return f.run(cmd) },
	}
	serve.Flags().StringVar(&f.listen, "listen", "127.0.0.1:4566", "loopback address to serve on")
	serve.Flags().StringVar(&f.provider, "provider", "aws", "whose API to serve: aws (EC2, Direct Connect; plain HTTP), azure (ARM over HTTPS; needs --lab), gcp (Compute Engine; plain HTTP) or oci (Core Services, signed requests; plain HTTP)")
	serve.Flags().StringVar(&f.region, "region", "us-east-1", "the region the API answers for")
	serve.Flags().StringVar(&f.lab, labFlag, "", "make the cloud real in the namespaces of lab `NAME` (VPC routers, instances, gateways; instances of image "+realize.GatewayImage+" run mcnlab gateway); every call returns once its change is in force")
	serve.Flags().StringVar(&f.statePath, "state", "", "keep the cloud in the database `FILE` (created 0600 if missing, loaded if present): after a restart, even after SIGKILL, every object, ID, tag and quota is as before, and each call is answered once saved; --account and --quota apply to accounts the file does not hold yet")
	serve.Flags().StringVar(&f.addrFile, "addr-file", "", "write the address it listens on (host:port) to this file once listening (useful with --listen 127.0.0.1:0)")
	serve.Flags().BoolVar(&f.join, "join", false, "with --lab: join a lab that mcnlab deploy made (record the cloud's namespaces beside the lab's, remove only those when stopping)")
	serve.Flags().StringArrayVar(&f.accounts, "account", []string{mcnlab.DevAccount}, "ACCOUNT_ID:ACCESS_KEY_ID:SECRET_ACCESS_KEY (repeatable; visible to every user in the process list: prefer "+mcnlab.AccountsEnv+")")
	serve.Flags().StringArrayVar(&f.quotaSpecs, "quota", nil, "KEY=N: raise an AWS quota of every --account to N, as a quota increase does, such as vpcs-per-region=20 (repeatable; keys as under quotas: in a topology's account, see topologies/FORMAT.md)")
	serve.Flags().StringArrayVar(&f.apiLines, "line", nil, "NAME: a Direct Connect connection of the first --account that exists in the API only, ending nowhere (for plan and apply against the model; repeatable)")
	serve.Flags().StringArrayVar(&f.circuits, "circuit", nil, "NAME=NAMESPACE:INTERFACE[:REGION]: a private line of the lab (a Direct Connect connection of the first --account, or with --provider gcp a Dedicated Interconnect of the project, or with --provider azure the line an ExpressRoute circuit NAME claims, at a location of REGION, else of --region) ending on INTERFACE in the lab's namespace NAMESPACE (repeatable; needs --lab)")
	serve.Flags().StringArrayVar(&f.uplinkSpecs, "uplink", nil, "NAME=NAMESPACE:INTERFACE:ADDRESS/LEN: an on-prem site's link to the lab's emulated internet, INTERFACE in the lab's namespace NAMESPACE holding the site's public ADDRESS/LEN (a /30 of 198.51.100.0/24) with a default route to the internet (repeatable; needs --lab)")
	serve.Flags().DurationVar(&flowLogInterval, "flow-log-interval", 0, "with --lab: aggregate every VPC flow log's records over this interval instead of its MaxAggregationInterval (60 or 600 s), to see records sooner")
	serve.Flags().StringVar(&f.ociRegionFlag, "oci-region", "", "the region OCI's Core Services answer for (one of OCI's; default --region when it is OCI's, else us-ashburn-1)")
	serve.Flags().StringArrayVar(&f.also, "also", nil, "PROVIDER=ADDR: also serve this provider's API (aws, azure, gcp or oci) on ADDR, on the same model and dataplane as --provider's (repeatable; needs --lab and --join; accounts as PROVIDER/ACCOUNT words of "+mcnlab.AccountsEnv+")")
	serve.Flags().StringVar(&f.internetFile, "internet", "", "serve the internet block of topology `FILE` in the lab's emulated internet: its resolver and web hosts, with certificates from the lab's CA, and a resolver in every VPC answering its names (needs --lab)")
	return serve
}

// serveSetup is what serve's flags parse into, checked before anything
// is made.
type serveSetup struct {
	creds     []cmaws.Credential
	generated bool   // creds is a random key made for the lab
	account   string // the first account's ID, whose the private lines are
	lines     []realize.Circuit
	uplinks   []realize.Uplink
	lim       model.Limits
	internet  *topologies.Internet // --internet's
}

// parse checks the flags and parses them.
func (f *serveFlags) parse() (serveSetup, error) {
	var s serveSetup
	accounts := f.accounts
	if !f.accountsChanged {
		if env := os.Getenv(mcnlab.AccountsEnv); env != "" {
			accounts = strings.Fields(env)
		} else if f.lab != "" {
			c := mcnlab.NewCredentials()
			accounts = []string{c.AccountID + ":" + c.Credentials.KeyID + ":" + c.Credentials.Secret}
			s.generated = true
		}
	}
	var err error
	if s.creds, err = parseAccounts(accounts); err != nil {
		return s, err
	}
	if len(f.circuits) > 0 && f.lab == "" {
		return s, errors.New("--circuit needs --lab: a private line is realized in a lab's namespaces")
	}
	if len(f.uplinkSpecs) > 0 && f.lab == "" {
		return s, errors.New("--uplink needs --lab: an uplink is realized in a lab's namespaces")
	}
	if s.uplinks, err = parseUplinks(f.uplinkSpecs); err != nil {
		return s, err
	}
	if s.internet, err = parseInternet(f.internetFile, f.lab); err != nil {
		return s, err
	}
	if len(s.creds) > 0 {
		s.account = s.creds[0].AccountID
	}
	if s.lines, err = parseCircuits(f.circuits, s.account); err != nil {
		return s, err
	}
	host, _, err := net.SplitHostPort(f.listen)
	if err != nil {
		return s, fmt.Errorf("--listen %q: %w", f.listen, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return s, fmt.Errorf("--listen %q: cloudmock serves on loopback only (127.0.0.0/8, [::1] or localhost)", f.listen)
	}
	s.lim, err = quotaLimits(f.quotaSpecs)
	return s, err
}

// run serves until cmd's context ends: the model (kept in --state), made
// real in --lab's namespaces, its API on --listen.
func (f *serveFlags) run(cmd *cobra.Command) error {
	f.accountsChanged = cmd.Flags().Changed("account")
	if len(f.also) > 0 {
		return f.runMulti(cmd)
	}
	switch f.provider {
	case "aws":
	case "azure":
		return f.runAzure(cmd)
	case "gcp":
		return f.runGCP(cmd)
	case "oci":
		return f.runOCI(cmd)
	default:
		return fmt.Errorf("--provider %q: cloudmock serve serves aws, azure, gcp or oci", f.provider)
	}
	s, err := f.parse()
	if err != nil {
		return err
	}
	cloud := model.New()
	awsCfg := cmaws.Config{Region: f.region, Credentials: s.creds}
	var cs *cloudState
	if f.statePath != "" {
		if cs, err = openCloudState(f.statePath, cloud); err != nil {
			return err
		}
		defer cs.store.Close()
		awsCfg.Tokens, awsCfg.Remember = cs.tokens, cs.rememberToken
	}
	addAccounts(cloud, s.creds, s.lim)
	var handler http.Handler = cmaws.New(cloud, awsCfg)
	for _, name := range f.apiLines {
		if _, err := cloud.ProvisionDXConnection(s.account, name, nil); err != nil {
			return fmt.Errorf("--line %q: %w", name, err)
		}
	}
	if cs != nil {
		cs.store.Start(cloud)
	}
	if f.lab != "" {
		// A lab's cloud restarted on its state file adopts the
		// dataplane its predecessor made.
		adopt := f.join && cs != nil && cs.loaded
		cl, err := startCloudLab(cmd.Context(), f.lab, f.join, adopt, cloud, s.lines, s.uplinks, s.internet)
		if err != nil {
			return err
		}
		defer cl.close()
		handler = cl.r.InForce(handler)
	}
	if cs != nil {
		handler = cs.store.Durable(handler) // answered once saved
	}
	ln, err := f.listenAndRecord(cmd, s)
	if err != nil {
		return err
	}
	return f.serveOn(cmd, ln, handler, s)
}

// listenAndRecord listens on --listen and says where: in --addr-file,
// and, for a lab's random key, in the lab's endpoint record.
func (f *serveFlags) listenAndRecord(cmd *cobra.Command, s serveSetup) (net.Listener, error) {
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return nil, fmt.Errorf("cloudmock serve: %w", err)
	}
	if f.addrFile != "" {
		// Written once listening, so that whoever waits for the
		// file can connect at once (and --listen may take port 0).
		if err := writeFileAtomic(f.addrFile, []byte(ln.Addr().String())); err != nil {
			ln.Close()
			return nil, fmt.Errorf("cloudmock serve: --addr-file: %w", err)
		}
	}
	if s.generated && !f.join {
		c := s.creds[0]
		if err := mcnlab.WriteEndpoint(f.lab, "aws", ctlcloud.Endpoint{URL: "http://" + ln.Addr().String(), Region: f.region,
			AccountID: c.AccountID, Credentials: ctlcloud.Credentials{KeyID: c.AccessKeyID, Secret: c.SecretAccessKey}}); err != nil {
			ln.Close()
			return nil, fmt.Errorf("cloudmock serve: %w", err)
		}
		fmt.Fprintf(cmd.OutOrStdout(), "cloudmock: account %s's random key is in %s (0600)\n", c.AccountID, mcnlab.EndpointsFile(f.lab))
	}
	return ln, nil
}

// serveOn serves handler on ln until cmd's context ends.
func (f *serveFlags) serveOn(cmd *cobra.Command, ln net.Listener, handler http.Handler, s serveSetup) error {
	// ReadTimeout bounds a request's headers and body together where
	// the lab's realizer wraps the handler, whose own body deadline
	// (cmaws.DefaultBodyReadTimeout) cannot reach the connection then.
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: cmaws.DefaultBodyReadTimeout}
	where := "model only"
	if f.lab != "" {
		where = "realized in lab " + f.lab
	}
	if len(s.lines) > 0 {
		where += fmt.Sprintf(", %d private lines", len(s.lines))
	}
	if len(s.uplinks) > 0 {
		where += fmt.Sprintf(", %d uplinks", len(s.uplinks))
	}
	if f.provider == "aws" {
		fmt.Fprintf(cmd.OutOrStdout(), "cloudmock: AWS EC2 and Direct Connect APIs on http://%s (region %s, %d accounts, %s); Ctrl-C stops it\n", ln.Addr(), f.region, len(s.creds), where)
	}
	go func() {
		<-cmd.Context().Done()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func parseAccounts(specs []string) ([]cmaws.Credential, error) {
	var out []cmaws.Credential
	for _, s := range specs {
		f := strings.SplitN(s, ":", 3)
		if len(f) != 3 || len(f[0]) != 12 || strings.Trim(f[0], "0123456789") != "" || f[1] == "" || f[2] == "" {
			return nil, fmt.Errorf("--account %q: want ACCOUNT_ID:ACCESS_KEY_ID:SECRET_ACCESS_KEY with a 12-digit account ID", s)
		}
		out = append(out, cmaws.Credential{AccountID: f[0], AccessKeyID: f[1], SecretAccessKey: f[2]})
	}
	return out, nil
}

// parseCircuits parses --circuit NAME=NAMESPACE:INTERFACE[:REGION] values
// into private lines of account (in REGION, else the default region); the
// realizer checks the names further.
func parseCircuits(specs []string, account string) ([]realize.Circuit, error) {
	var out []realize.Circuit
	for _, s := range specs {
		name, end, ok := strings.Cut(s, "=")
		ns, rest, ok2 := strings.Cut(end, ":")
		ifname, region, _ := strings.Cut(rest, ":")
		if !ok || !ok2 || name == "" || ns == "" || ifname == "" {
			return nil, fmt.Errorf("--circuit %q: want NAME=NAMESPACE:INTERFACE[:REGION]", s)
		}
		out = append(out, realize.Circuit{Name: name, Account: account, Namespace: ns, Interface: ifname, Region: region})
	}
	return out, nil
}

// parseUplinks parses --uplink NAME=NAMESPACE:INTERFACE:ADDRESS/LEN values
// and checks them as the realizer will (realize.CheckUplinks), before
// anything needs root.
func parseUplinks(specs []string) ([]realize.Uplink, error) {
	var out []realize.Uplink
	for _, s := range specs {
		name, end, ok := strings.Cut(s, "=")
		f := strings.SplitN(end, ":", 3)
		if !ok || name == "" || len(f) != 3 || f[0] == "" || f[1] == "" || f[2] == "" {
			return nil, fmt.Errorf("--uplink %q: want NAME=NAMESPACE:INTERFACE:ADDRESS/LEN, as dc1=mcn-lab-dc1:wan0:198.51.100.2/30", s)
		}
		addr, err := netip.ParsePrefix(f[2])
		if err != nil {
			return nil, fmt.Errorf("--uplink %q: address: %w", s, err)
		}
		out = append(out, realize.Uplink{Name: name, Namespace: f[0], Interface: f[1], Address: addr})
	}
	if err := realize.CheckUplinks(out); err != nil {
		return nil, fmt.Errorf("--uplink: %w", err)
	}
	return out, nil
}

// cloudLab is a lab whose namespaces a realizer makes from the cloud model.
type cloudLab struct {
	r    *realize.Realizer
	rec  *state.Lab
	lock *state.Lock // nil when joined
	// joined: the lab belongs to a deploy; the cloud's namespaces are kept
	// in the state part "cloud" and only they are removed at the end.
	joined bool
	mu     sync.Mutex // guards rec
}

// startCloudLab records the lab (its namespaces are added to its state
// before each is created) and starts the realizer with the lab's private
// lines and uplinks. With join, the lab is one that deploy made
// (joinCloudLab).
func startCloudLab(ctx context.Context, lab string, join, adopt bool, cloud *model.Cloud, circuits []realize.Circuit, uplinks []realize.Uplink, in *topologies.Internet) (*cloudLab, error) {
	if err := needRoot("cloudmock serve --lab"); err != nil {
		return nil, err
	}
	if err := topologies.CheckLabName("--lab", lab); err != nil {
		return nil, err
	}
	if join {
		return joinCloudLab(ctx, lab, adopt, cloud, circuits, uplinks, in)
	}
	rec, lock, err := newLabRecord(lab)
	if err != nil {
		return nil, err
	}
	cl := &cloudLab{rec: rec, lock: lock}
	gw, err := cloudGatewayCommand()
	if err != nil {
		cl.lock.Unlock()
		state.Remove(lab)
		return nil, err
	}
	opts, err := withInternet(lab, realize.Options{Lab: lab, Record: cl.record, Forget: cl.forget, GatewayCommand: gw, Logf: cloudLog.Printf,
		Circuits: circuits, Uplinks: uplinks, FlowLogDir: flowLogDir(lab), FlowLogInterval: flowLogInterval}, in)
	if err == nil {
		cl.r, err = realize.New(ctx, cloud, opts)
	}
	if err != nil {
		cl.lock.Unlock()
		emulator.Destroy(context.Background(), lab, nil)
		return nil, err
	}
	return cl, nil
}

// flowLogDir is where a lab's flow logs are also written, a file per flow
// log (realize.FlowLogFile): flowlogs/ in the lab's state directory, which
// destroy removes with the rest.
func flowLogDir(lab string) string { return filepath.Join(state.Dir(lab), "flowlogs") }

// flowLogInterval is cloudmock serve's --flow-log-interval
// (realize.Options.FlowLogInterval).
var flowLogInterval time.Duration

// cloudLog is where the lab's cloud logs the events of its dataplane that
// no API call answers (a gateway restarted): its stderr, the lab's
// cloud.log.
var cloudLog = log.New(os.Stderr, "cloudmock: ", log.LstdFlags|log.Lmicroseconds)

// cloudGatewayCommand is the program that instances launched with
// realize.GatewayImage run as `mcnlab gateway`: this binary, or the slim
// mcnlab-gateway beside it (emulator.GatewayProgram). Tests, which run a
// test binary, point it at a built mcnlab.
var cloudGatewayCommand = func() ([]string, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find mcnlab binary for gateway instances: %w", err)
	}
	return emulator.GatewayProgram(self), nil
}

// joinCloudLab starts the realizer in a lab that a deploy made. With adopt
// (the cloud was restored from its state file), the namespaces a cloud of
// this lab that died left stay recorded and the realizer adopts them.
func joinCloudLab(ctx context.Context, lab string, adopt bool, cloud *model.Cloud, circuits []realize.Circuit, uplinks []realize.Uplink, in *topologies.Internet) (*cloudLab, error) {
	if _, err := state.Load(lab); err != nil {
		return nil, fmt.Errorf("--join: %w", err)
	}
	cl := &cloudLab{rec: &state.Lab{Name: lab}, joined: true}
	// A cloud of this lab that died (the supervisor starts this one in its
	// place) left its namespaces, and what runs in them: they go first.
	left, err := state.Part(lab, "cloud")
	if err != nil {
		return nil, fmt.Errorf("--join: %w", err)
	}
	cl.rec.Nodes = left
	if !adopt {
		cl.removeJoined()
	}
	gw, err := cloudGatewayCommand()
	if err != nil {
		return nil, err
	}
	opts, err := withInternet(lab, realize.Options{Lab: lab, Record: cl.record, Forget: cl.forget, GatewayCommand: gw, Logf: cloudLog.Printf,
		Circuits: circuits, Uplinks: uplinks, Adopt: adopt, FlowLogDir: flowLogDir(lab), FlowLogInterval: flowLogInterval}, in)
	if err == nil {
		cl.r, err = realize.New(ctx, cloud, opts)
	}
	if err != nil {
		cl.removeJoined()
		return nil, err
	}
	if adopt {
		// Before the API serves, so no call makes a namespace meanwhile.
		cl.removeUnadopted(left, cl.r.Namespaces())
	}
	return cl, nil
}

// save records the cloud's namespaces.
func (cl *cloudLab) save() error {
	if cl.joined {
		return state.SavePart(cl.rec.Name, "cloud", cl.rec.Nodes)
	}
	return state.Save(cl.rec)
}

// removeJoined deletes what the realizer recorded and did not remove.
func (cl *cloudLab) removeJoined() {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	for _, n := range cl.rec.Nodes {
		if strings.HasPrefix(n.Namespace, emulator.NamespaceName(cl.rec.Name, "")) {
			_ = emulator.KillNamespace(n.Namespace)
			_ = netns.Delete(n.Namespace)
		}
	}
	cl.rec.Nodes = nil
	_ = cl.save()
}

func (cl *cloudLab) record(ns string) error {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	name := strings.TrimPrefix(ns, emulator.NamespaceName(cl.rec.Name, ""))
	kind := "cloud"
	if strings.HasPrefix(name, "i-") {
		kind = "instance"
	}
	cl.rec.Nodes = append(cl.rec.Nodes, state.Node{Name: name, Kind: kind, Namespace: ns})
	return cl.save()
}

func (cl *cloudLab) forget(ns string) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	cl.rec.Nodes = slices.DeleteFunc(cl.rec.Nodes, func(n state.Node) bool { return n.Namespace == ns })
	_ = cl.save()
}

// close removes what the realizer made, then the lab.
func (cl *cloudLab) close() {
	cl.r.Close()
	if cl.joined {
		cl.removeJoined()
		return
	}
	cl.lock.Unlock()
	emulator.Destroy(context.Background(), cl.rec.Name, nil)
}

// writeFileAtomic writes b to path through a temporary file and a rename,
// so that a reader never sees it half written.
// writeFileAtomic writes b to path (0600) through a rename.
func writeFileAtomic(path string, b []byte) error {
	if err := os.WriteFile(path+".tmp", b, 0o600); err != nil {
		return err
	}
	return os.Rename(path+".tmp", path)
}
