package emulator

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// GatewayConfigFile is where a gateway node's daemon keeps the
// configuration last PUT to it (`mcnlab gateway --config`), so that a
// restarted gateway comes back configured. It holds the private key (0600).
func GatewayConfigFile(lab, node string) string {
	return filepath.Join(NodeDir(lab, node), "gateway.json")
}

// GatewayLog is the log file of a gateway node's daemon.
func GatewayLog(lab, node string) string {
	return filepath.Join(NodeDir(lab, node), "gateway.log")
}

// GatewayArgv is the command line that starts a gateway node's daemon:
// program (this binary, or what Options.GatewayCommand names) followed by
// `gateway --socket … --name … --config …`. Starting it again with
// StartDaemon in the node's namespace restarts the gateway with the
// configuration it last had.
func GatewayArgv(lab, node string, program []string) []string {
	return append(append([]string{}, program...), "gateway",
		"--socket", GatewaySocket(lab, node), "--name", node, "--config", GatewayConfigFile(lab, node))
}

// NodePIDs returns the processes running in a node's network namespace
// (the caller's own process excluded), in /proc order.
func NodePIDs(lab, node string) ([]int, error) {
	return NamespacePIDs(NamespaceName(lab, node))
}

// NamespacePIDs returns the processes running in network namespace ns
// (the caller's own process excluded), in /proc order.
func NamespacePIDs(ns string) ([]int, error) {
	ino, err := nsInode(ns)
	if err != nil {
		return nil, err
	}
	m, err := pidsByNetns()
	if err != nil {
		return nil, err
	}
	return m[ino], nil
}

// GatewayPID returns the PID of the gateway daemon of a node: the process
// in the node's namespace whose command line serves the node's management
// socket. It fails if there is none or more than one.
func GatewayPID(lab, node string) (int, error) { return GatewayPIDOf(lab, node, node) }

// GatewayPIDOf is GatewayPID for a gateway whose socket is named by id
// rather than by its node: a cloud instance's (node i-…, id its instance
// ID).
func GatewayPIDOf(lab, node, id string) (int, error) {
	pids, err := NodePIDs(lab, node)
	if err != nil {
		return 0, fmt.Errorf("gateway %s: %w", node, err)
	}
	want := []byte("\x00--socket\x00" + GatewaySocket(lab, id) + "\x00")
	var found []int
	for _, pid := range pids {
		cl, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
		if err != nil {
			continue // gone
		}
		if bytes.Contains(cl, want) {
			found = append(found, pid)
		}
	}
	switch len(found) {
	case 0:
		return 0, fmt.Errorf("gateway %s: no gateway process in namespace %s", node, NamespaceName(lab, node))
	case 1:
		return found[0], nil
	}
	return 0, fmt.Errorf("gateway %s: %d gateway processes in namespace %s: %v", node, len(found), NamespaceName(lab, node), found)
}
