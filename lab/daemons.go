package lab

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/topologies"
)

// startRootDaemon starts argv detached (own session) in the root network
// namespace, with env added to its environment, output appended to logPath
// (0600).
func startRootDaemon(argv []string, logPath string, env ...string) (state.Process, error) {
	logf, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return state.Process{}, fmt.Errorf("start %s: %w", argv[1], err)
	}
	defer logf.Close()
	c := exec.Command(argv[0], argv[1:]...)
	c.Stdout, c.Stderr = logf, logf
	c.Env = append(append(os.Environ(), StateRootEnv+"="+state.Root), env...)
	c.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := c.Start(); err != nil {
		return state.Process{}, fmt.Errorf("start %s: %w", argv[1], err)
	}
	start, err := state.StartTime(c.Process.Pid)
	go c.Wait() //nolint:errcheck // reaps it if it dies while we run
	if err != nil {
		return state.Process{}, fmt.Errorf("start %s: read start time of pid %d: %w", argv[1], c.Process.Pid, err)
	}
	return state.Process{PID: c.Process.Pid, Start: start}, nil
}

// RecordDaemon records (or replaces) the lab's daemon called name.
func RecordDaemon(lab, name string, p state.Process) error {
	rec, err := state.Load(lab)
	if err != nil {
		return err
	}
	// In place, so the order destroy stops them in stays the order they
	// were first started in.
	for i, d := range rec.Daemons {
		if d.Name == name {
			rec.Daemons[i].Process = p
			return state.Save(rec)
		}
	}
	rec.Daemons = append(rec.Daemons, state.Daemon{Name: name, Process: p})
	return state.Save(rec)
}

// DaemonOf returns the lab's recorded daemon called name.
func DaemonOf(lab, name string) (state.Process, bool) {
	rec, err := state.Load(lab)
	if err != nil {
		return state.Process{}, false
	}
	return recordedDaemon(rec, name)
}

// recordedDaemon returns the daemon called name in rec.
func recordedDaemon(rec *state.Lab, name string) (state.Process, bool) {
	for _, d := range rec.Daemons {
		if d.Name == name {
			return d.Process, true
		}
	}
	return state.Process{}, false
}

// ForgetDaemon removes the daemon called name from the lab's record: a
// daemon stopped on purpose, which the supervisor must leave stopped.
func ForgetDaemon(lab, name string) error {
	rec, err := state.Load(lab)
	if err != nil {
		return err
	}
	for i, d := range rec.Daemons {
		if d.Name == name {
			rec.Daemons = append(rec.Daemons[:i], rec.Daemons[i+1:]...)
			return state.Save(rec)
		}
	}
	return nil
}

// DeadDaemon says which of the lab's recorded daemons (its cloud, its
// controller) has died, with the end of its log, or nil.
func DeadDaemon(lab string) error {
	rec, err := state.Load(lab)
	if err != nil {
		return err
	}
	for _, d := range rec.Daemons {
		if d.Name == SupervisorDaemon || d.Process.Alive() {
			continue
		}
		logPath := LogFile(lab, d.Name)
		return fmt.Errorf("the lab's %s (pid %d) died; its log %s ends:\n%s", d.Name, d.Process.PID, logPath, Tail(logPath, 15))
	}
	return nil
}

// waitFor polls cond until it holds, p dies, or ctx ends.
func waitFor(ctx context.Context, what string, p state.Process, logPath string, cond func() bool) error {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for !cond() {
		if p.PID != 0 && !p.Alive() {
			return fmt.Errorf("%s: the process died; its log %s ends:\n%s", what, logPath, Tail(logPath, 15))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w; log %s ends:\n%s", what, ctx.Err(), logPath, Tail(logPath, 15))
		case <-t.C:
		}
	}
	return nil
}

// Tail returns the last n lines of a file (a daemon's log).
func Tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	lines := 0
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == '\n' && i != len(b)-1 {
			lines++
			if lines == n {
				return string(b[i+1:])
			}
		}
	}
	return string(b)
}

// StartCloud starts the lab's emulated cloud (`mcnlab cloudmock serve
// --lab LAB --join`) with the sites' private lines and a new random key,
// records it, and waits until its API answers: the emulated AWS, Azure
// GCP or OCI for a topology whose lab accounts are of that provider, and one
// process serving each of them for a topology with lab accounts of
// several (startMultiCloud).
func StartCloud(ctx context.Context, lab string, cp *intent.Plan, o Options) error {
	ps := labProviders(cp)
	switch {
	case isMultiCloud(cp):
		return startMultiCloud(ctx, lab, cp, o)
	case ps[gcpProvider]:
		return startGCPCloud(ctx, lab, cp, o)
	case ps[ociProvider]:
		return startOCICloud(ctx, lab, cp, o)
	case ps[azureProvider]:
		return startAzureCloud(ctx, lab, cp, o)
	}
	return startCloudAs(ctx, lab, cp, NewCredentials(), "127.0.0.1:0", o)
}

// RestartCloud starts the lab's cloud again after it died: on its state
// file (the model comes back with every ID; the namespaces, links and
// gateway daemons it made are adopted, not remade, so traffic keeps
// flowing), with the account key and the loopback address it had, so that
// the controller, which keeps running, reaches it as before.
func RestartCloud(ctx context.Context, lab string, cp *intent.Plan, o Options) error {
	if isMultiCloud(cp) {
		return restartMultiCloud(ctx, lab, cp, o)
	}
	if labProviders(cp)[gcpProvider] {
		return restartGCPCloud(ctx, lab, cp, o)
	}
	if labProviders(cp)[ociProvider] {
		return restartOCICloud(ctx, lab, cp, o)
	}
	if labProviders(cp)[azureProvider] {
		return restartAzureCloud(ctx, lab, cp, o)
	}
	prev, err := ReadEndpoint(lab, cloudProvider)
	if err != nil {
		return err
	}
	u, err := url.Parse(prev.URL)
	if err != nil || u.Host == "" || prev.Credentials.KeyID == "" {
		return fmt.Errorf("restart the cloud of lab %s: %s records no address and key (%q)", lab, EndpointsFile(lab), prev.URL)
	}
	return startCloudAs(ctx, lab, cp, prev, u.Host, o)
}

// startCloudAs is StartCloud with the account's key and the address to
// listen on given (RestartCloud reuses the dead cloud's). The cloud keeps
// its model in the lab's CloudStateFile.
func startCloudAs(ctx context.Context, lab string, cp *intent.Plan, creds cloud.Endpoint, listen string, o Options) error {
	self, err := o.self()
	if err != nil {
		return err
	}
	addrFile := cloudAddrFile(lab)
	// A cloud that died (the supervisor restarts it) left its address.
	if err := os.Remove(addrFile); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	argv := []string{self, "cloudmock", "serve", "--lab", lab, "--join", "--listen", listen, "--addr-file", addrFile, "--state", CloudStateFile(lab)}
	argv = append(argv, awsCloudArgs(lab, cp)...)
	addr, err := runCloud(ctx, lab, argv, accountsOf(creds))
	if err != nil {
		return err
	}
	creds.URL, creds.Region, creds.Regions = "http://"+string(addr), cp.Accounts[0].Region, cloudRegions(cp)
	if _, err := os.Stat(CAFile(lab)); err == nil {
		creds.CAFile = CAFile(lab)
	}
	return WriteEndpoint(lab, cloudProvider, creds)
}

// awsCloudArgs are the flags of the emulated AWS that serve the plan's
// sites and the emulated internet: the accounts' quotas, each site's
// private line to an AWS transit (Direct Connect), the uplinks
// (uplinkArgs), and the topology's internet block (internetArgs).
func awsCloudArgs(lab string, cp *intent.Plan) []string {
	argv := QuotaArgs(cp.Topology.Cloud.Accounts)
	argv = append(argv, circuitArgs(lab, cp, topologies.ProviderAWS)...)
	argv = append(argv, uplinkArgs(lab, cp)...)
	return append(argv, internetArgs(lab, cp)...)
}

// circuitArgs are the --circuit flags of the private lines of the plan's
// sites whose transit is provider's, each at a location of its transit's
// region.
func circuitArgs(lab string, cp *intent.Plan, provider topologies.Provider) []string {
	var argv []string
	for _, s := range cp.Topology.Cloud.Sites {
		if _, ok := cp.Uplink(s.Name); !ok && cp.LineProvider(s.Name) == provider {
			argv = append(argv, "--circuit", s.Name+"="+emulator.NamespaceName(lab, s.Name)+":"+intent.LineInterface+":"+cp.LineRegion(s.Name))
		}
	}
	return argv
}

// uplinkArgs are the flags that link to the emulated internet each site
// that reaches its transit by tunnel, each laptop and each site2cloud
// branch: what every cloud's process serves, as the internet is the
// lab's, not one provider's.
func uplinkArgs(lab string, cp *intent.Plan) []string {
	var argv []string
	for _, s := range cp.Topology.Cloud.Sites {
		if up, ok := cp.Uplink(s.Name); ok {
			argv = append(argv, "--uplink", s.Name+"="+emulator.NamespaceName(lab, s.Name)+":"+intent.UplinkInterface+":"+up.String())
		}
	}
	for _, l := range cp.Laptops() {
		argv = append(argv, "--uplink", l.Name+"="+emulator.NamespaceName(lab, l.Name)+":"+intent.UplinkInterface+":"+l.Uplink.String())
	}
	for _, s := range cp.S2CSites() {
		argv = append(argv, "--uplink", s.Name+"="+emulator.NamespaceName(lab, s.Name)+":"+intent.UplinkInterface+":"+s.Uplink.String())
	}
	return argv
}

// internetArgs is the flag that serves the topology's internet block
// (its servers and the VPCs' resolvers), if it has one.
func internetArgs(lab string, cp *intent.Plan) []string {
	if cp.Topology.Internet == nil {
		return nil
	}
	return []string{"--internet", TopologyFile(lab)}
}

// accountsOf is the account of creds as AWS's and Azure's `cloudmock
// serve` take it in AccountsEnv: ID:KEY_ID:SECRET.
func accountsOf(creds cloud.Endpoint) string {
	return creds.AccountID + ":" + creds.Credentials.KeyID + ":" + creds.Credentials.Secret
}

// runCloud starts the lab's cloud daemon argv, which writes the address
// it listens on to the lab's cloudAddrFile, with accounts in
// its environment (out of the process list), records it, and waits until
// it listens; it returns the address.
func runCloud(ctx context.Context, lab string, argv []string, accounts string) (string, error) {
	logPath := LogFile(lab, CloudDaemon)
	p, err := startRootDaemon(argv, logPath, AccountsEnv+"="+accounts)
	if err != nil {
		return "", err
	}
	if err := RecordDaemon(lab, CloudDaemon, p); err != nil {
		return "", errors.Join(err, syscall.Kill(p.PID, syscall.SIGTERM))
	}
	ctx, cancel := context.WithTimeout(ctx, cloudReadyTimeout)
	defer cancel()
	var addr []byte
	if err := waitFor(ctx, "emulated cloud", p, logPath, func() bool {
		addr, err = os.ReadFile(cloudAddrFile(lab))
		return err == nil
	}); err != nil {
		return "", err
	}
	return string(addr), nil
}

// StartController starts the lab's controller (`mcnlab controller run`),
// records it, and waits until its API answers.
func StartController(ctx context.Context, lab string, o Options) error {
	self, err := o.self()
	if err != nil {
		return err
	}
	logPath := LogFile(lab, ControllerDaemon)
	p, err := startRootDaemon([]string{self, "controller", "run", "--lab", lab}, logPath)
	if err != nil {
		return err
	}
	if err := RecordDaemon(lab, ControllerDaemon, p); err != nil {
		return errors.Join(err, syscall.Kill(p.PID, syscall.SIGTERM))
	}
	ctx, cancel := context.WithTimeout(ctx, cloudReadyTimeout)
	defer cancel()
	return waitFor(ctx, "controller", p, logPath, func() bool {
		// The previous controller, if any, has exited: whatever answers
		// at the recorded address is the new one.
		c, err := API(lab)
		if err != nil {
			return false
		}
		_, err = c.Status(ctx)
		return err == nil
	})
}

// StopController stops the lab's recorded controller and waits for it to
// exit. It is no longer recorded, so the lab's supervisor leaves it
// stopped. The caller holds the lab's daemons lock (state.LockDaemons).
func StopController(lab string) error {
	p, ok := DaemonOf(lab, ControllerDaemon)
	if !ok {
		return nil
	}
	if err := ForgetDaemon(lab, ControllerDaemon); err != nil {
		return err
	}
	if !p.Alive() {
		return nil
	}
	if err := emulator.StopProcess(p, 10*time.Second); err != nil {
		return fmt.Errorf("stop controller of lab %s: %w", lab, err)
	}
	return nil
}

// StartSupervisor starts the lab's supervisor (`mcnlab supervise`) and
// records it; destroy stops it before the other daemons.
func StartSupervisor(lab string, o Options) error {
	self, err := o.self()
	if err != nil {
		return err
	}
	p, err := startRootDaemon([]string{self, "supervise", "--lab", lab}, LogFile(lab, SupervisorDaemon))
	if err != nil {
		return err
	}
	if err := RecordDaemon(lab, SupervisorDaemon, p); err != nil {
		return errors.Join(err, syscall.Kill(p.PID, syscall.SIGTERM))
	}
	return nil
}

// Plan compiles the topology a cloud lab runs (the copy in its state).
func Plan(lab string) (*intent.Plan, error) {
	src, err := os.ReadFile(TopologyFile(lab))
	if err != nil {
		return nil, fmt.Errorf("lab %s: %w", lab, err)
	}
	t, err := topologies.Parse(TopologyFile(lab), src)
	if err != nil {
		return nil, err
	}
	return intent.Compile(t)
}
