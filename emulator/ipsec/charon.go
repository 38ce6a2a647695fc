package ipsec

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"time"
)

// Where Debian installs strongSwan (strongswan-charon, strongswan-swanctl,
// libcharon-extra-plugins for kernel-libipsec).
var (
	CharonBin  = "/usr/lib/ipsec/charon"
	SwanctlBin = "/usr/sbin/swanctl"
	LibIPsec   = "/usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so"
)

// TUN is the TUN device of kernel-libipsec in a charon's namespace, over
// which it carries the ESP it does in the process.
const TUN = "ipsec0"

// Packages are the Debian packages a lab charon needs.
const Packages = "strongswan-charon strongswan-swanctl libcharon-extra-plugins libstrongswan-standard-plugins"

// CharonArgv is the command line that runs charon with the files in dir
// (strongswan.conf, its socket and log). charon insists on the pid file
// /var/run/charon.pid, so each runs in a mount namespace of its own with a
// tmpfs on /run, into which dir is bound back (through a descriptor opened
// before the tmpfs hides it); the machine's /run is untouched. The process
// is charon itself (unshare and sh exec it).
func CharonArgv(dir string) []string {
	q := shellQuote(dir)
	script := "exec 3<" + q + " && mount -t tmpfs mcnlab-charon /run && mkdir -p " + q +
		" && mount --no-canonicalize --bind /proc/self/fd/3 " + q + " && exec 3<&- && STRONGSWAN_CONF=" +
		shellQuote(dir+"/strongswan.conf") + " exec " + shellQuote(CharonBin)
	return []string{"unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", script}
}

// shellQuote quotes s for /bin/sh.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// Missing says what is missing to run a lab charon, "" if nothing is.
func Missing() string {
	for _, f := range []string{CharonBin, SwanctlBin, LibIPsec} {
		if _, err := os.Stat(f); err != nil {
			return fmt.Sprintf("strongSwan is not installed (%s missing; apt-get install %s)", f, Packages)
		}
	}
	return ""
}

// Swanctl runs swanctl against the charon whose files are in dir and
// returns its output (its control socket is a file: no namespace needed).
func Swanctl(ctx context.Context, dir string, args ...string) (string, error) {
	args = append(args, "--uri", ViciURI(dir))
	var stderr strings.Builder
	cmd := exec.CommandContext(ctx, SwanctlBin, args...)
	// The credentials of --load-all come from dir's x509, private and
	// x509ca (InstallCerts).
	cmd.Env = append(os.Environ(), "SWANCTL_DIR="+dir)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out), fmt.Errorf("swanctl %s: %w: %s", strings.Join(args, " "), err, lastLine(stderr.String()+string(out)))
	}
	return string(out), nil
}

// lastLine is the last line of s that says something; swanctl's own
// errors come after charon's plugin loader's notes.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// Alive is a charon's alive for Load: true until exited is closed.
func Alive(exited <-chan struct{}) func() bool {
	return func() bool {
		select {
		case <-exited:
			return false
		default:
			return true
		}
	}
}

// Load waits until the charon in dir answers on its control socket, then
// loads dir/swanctl.conf; alive reports whether charon still runs.
func Load(ctx context.Context, dir string, alive func() bool) error {
	for {
		_, err := Swanctl(ctx, dir, "--load-all", "--file", dir+"/swanctl.conf")
		if err == nil {
			return nil
		}
		if !alive() {
			return fmt.Errorf("charon in %s exited: %w", dir, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("load %s/swanctl.conf: %w (last: %w)", dir, ctx.Err(), err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// SA is one IKE SA of `swanctl --list-sas`, with its child SAs.
type SA struct {
	Name, State string
	// Remote is the peer's address.
	Remote string
	// Children are the child SAs by name, with their state (INSTALLED,
	// REKEYING, ...).
	Children map[string]string
}

// saRE and childRE are the header lines of an IKE SA and of a child SA in
// `swanctl --list-sas`: `NAME: #1, ESTABLISHED, IKEv2, ...` and
// `  NAME: #2, reqid 1, INSTALLED, TUNNEL-in-UDP, ESP:...`; the peer's
// address is on `  remote 'ID' @ ADDR[PORT]`.
var (
	saRE     = regexp.MustCompile(`^([a-z][a-z0-9-]*): #[0-9]+, ([A-Z_]+), IKEv[12]`)
	remoteRE = regexp.MustCompile(`^  remote '[^']*' @ ([0-9.]+)\[[0-9]+\]`)
	childRE  = regexp.MustCompile(`^  ([a-z][a-z0-9-]*): #[0-9]+, reqid [0-9]+, ([A-Z_]+),`)
)

// ParseSAs reads the output of `swanctl --list-sas`. Lines it does not
// know are skipped; a child or remote line before any SA is an error.
func ParseSAs(out string) ([]SA, error) {
	var sas []SA
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if m := saRE.FindStringSubmatch(line); m != nil {
			sas = append(sas, SA{Name: m[1], State: m[2], Children: map[string]string{}})
			continue
		}
		m := childRE.FindStringSubmatch(line)
		r := remoteRE.FindStringSubmatch(line)
		if (m != nil || r != nil) && len(sas) == 0 {
			return nil, fmt.Errorf("swanctl output: %q before any IKE SA", line)
		}
		switch {
		case m != nil:
			sas[len(sas)-1].Children[m[1]] = m[2]
		case r != nil:
			sas[len(sas)-1].Remote = r[1]
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("swanctl output: %w", err)
	}
	return sas, nil
}

// Up reports whether sas hold an ESTABLISHED IKE SA of the connection with
// its child SA INSTALLED.
func Up(sas []SA, conn string) bool {
	for _, s := range sas {
		if s.Name == conn && s.State == "ESTABLISHED" && s.Children[conn] == "INSTALLED" {
			return true
		}
	}
	return false
}

// WaitUp polls the charon in dir until conn is Up, or ctx ends.
func WaitUp(ctx context.Context, dir, conn string) error {
	var last error
	for {
		out, err := Swanctl(ctx, dir, "--list-sas")
		if err == nil {
			var sas []SA
			if sas, err = ParseSAs(out); err == nil && Up(sas, conn) {
				return nil
			}
			if err == nil {
				err = fmt.Errorf("not established yet: %s", strings.TrimSpace(out))
			}
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("tunnel %s (charon in %s): %w", conn, dir, errors.Join(ctx.Err(), last))
		case <-time.After(100 * time.Millisecond):
		}
	}
}
