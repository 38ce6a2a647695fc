package emulator

import (
	"context"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/internal/roottest"
)

// frrOwnConfig is a host behind an frr node that brings its own bgpd
// configuration, CONFIG.
const frrOwnConfig = `
name: x
version: 1
nodes:
  h1: {kind: host}
  dc:
    kind: frr
    config: |
CONFIG
links:
  - endpoints: [{node: h1, interface: eth0, address: 10.0.1.10/24}, {node: dc, interface: eth0, address: 10.0.1.1/24}]
`

// deployFRR deploys frrOwnConfig with config (indented into the YAML) and
// returns the lab and deploy's error; the lab is destroyed at the end.
func deployFRR(t *testing.T, prefix, config string) (string, error) {
	t.Helper()
	roottest.Require(t)
	needDaemons(t)
	roottest.UseTempState(t)
	lab := roottest.LabName(t, prefix)
	var indented string
	for _, line := range strings.Split(strings.TrimSuffix(config, "\n"), "\n") {
		indented += "      " + line + "\n"
	}
	src := strings.Replace(frrOwnConfig, "CONFIG\n", indented, 1)
	plan, err := NewPlan(lab, parseTopology(t, src))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = Destroy(context.Background(), lab, nil); roottest.AssertGone(t, lab) })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return lab, Deploy(ctx, plan, Options{})
}

// TestFRRRefusedConfigFailsDeploy gives an frr node a configuration with
// lines bgpd refuses: deploy fails with FRR's own words for each line,
// naming the node, and rolls back (it used to deploy "ready" with a bgpd
// that had skipped them).
func TestFRRRefusedConfigFailsDeploy(t *testing.T) {
	lab, err := deployFRR(t, "fc", "hostname dc\nrouter bgp 65001\n neighbor 10.0.1.10 remote-as\n this is not frr\n!\nip forwarding\n")
	want := "deploy lab " + lab + ": node dc: FRR's bgpd refuses its config (nodes.dc.config):\n" +
		// FRR 8.4 (Debian 12) calls an incomplete command alone
		// "Command returned Incomplete"; here, with a line it does not
		// know after it, "No such command".
		"  No such command on config line 3:  neighbor 10.0.1.10 remote-as\n" +
		"  No such command on config line 4:  this is not frr\n" +
		// a zebra command, which bgpd does not know
		"  No such command on config line 6: ip forwarding" +
		" (rolled back: nothing of the lab is left)"
	if err == nil || err.Error() != want {
		t.Fatalf("deploy with a config FRR refuses:\n%v\nwant\n%s", err, want)
	}
	roottest.AssertGone(t, lab)
}

// TestFRRControlSocketIsPrivate deploys an frr node with a configuration
// bgpd accepts, and checks that bfdd's control socket, which bfdd creates
// with mode 0777, lies in a directory only FRR's user may enter.
func TestFRRControlSocketIsPrivate(t *testing.T) {
	lab, err := deployFRR(t, "fs", "hostname dc\nrouter bgp 65001\n bgp router-id 10.0.1.1\n neighbor 10.0.1.10 remote-as 65002\n")
	if err != nil {
		t.Fatal(err)
	}
	sock := BFDControlSocket(lab, "dc")
	var fi fs.FileInfo
	deadline := time.Now().Add(10 * time.Second)
	for fi, err = os.Stat(sock); err != nil && time.Now().Before(deadline); fi, err = os.Stat(sock) {
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("bfdd's control socket: %v", err)
	}
	if fi.Mode().Type() != fs.ModeSocket {
		t.Errorf("%s is %s, not a socket", sock, fi.Mode())
	}
	t.Logf("%s: mode %s (bfdd's own)", sock, fi.Mode())
	dir, err := os.Stat(filepath.Dir(sock))
	if err != nil {
		t.Fatal(err)
	}
	u, err := user.Lookup("frr")
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	if dir.Mode().Perm() != 0o700 || int(dir.Sys().(*syscall.Stat_t).Uid) != uid {
		t.Errorf("%s has mode %s, owner uid %d; want 0700 (drwx------) owned by frr (%d)", filepath.Dir(sock), dir.Mode(), dir.Sys().(*syscall.Stat_t).Uid, uid)
	}
}
