package emulator

import (
	"errors"
	"os"

	"github.com/mcnlab/mcnlab/emulator/state"
)

// NamespaceProcesses returns the processes (PID and start time) running in
// the named network namespace, found by the namespace's inode against
// /proc/*/ns/net: those a process that died had started there, which a
// successor adopts. A namespace that does not exist has none.
func NamespaceProcesses(ns string) ([]state.Process, error) {
	if _, err := nsInode(ns); errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return namespaceProcesses([]string{ns})
}
