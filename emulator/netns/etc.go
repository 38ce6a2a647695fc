package netns

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// EtcDir is where a named namespace's own configuration files live, as
// iproute2 keeps them: `ip netns exec NAME` bind-mounts each file of
// /etc/netns/NAME over the file of the same name in /etc (resolv.conf,
// hosts), in a mount namespace of its own. Delete removes the directory
// with the namespace, so its files are recorded by the namespace's name.
const EtcDir = "/etc/netns"

// etcPath returns the directory of the named namespace's files.
func etcPath(name string) string { return filepath.Join(EtcDir, name) }

// WriteEtc writes the file of the named namespace that stands for
// /etc/<file> inside it (BindEtc), unless it holds data already; it
// reports whether it wrote. The file is replaced atomically.
func WriteEtc(name, file string, data []byte) (bool, error) {
	if badName(name) || badName(file) {
		return false, fmt.Errorf("netns %q: file %q: not a namespace and file name", name, file)
	}
	dir := etcPath(name)
	p := filepath.Join(dir, file)
	if old, err := os.ReadFile(p); err == nil && string(old) == string(data) {
		return false, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, fmt.Errorf("netns %s: %w", name, err)
	}
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return false, fmt.Errorf("netns %s: %w", name, err)
	}
	if err := os.Rename(tmp, p); err != nil {
		os.Remove(tmp)
		return false, fmt.Errorf("netns %s: %w", name, err)
	}
	return true, nil
}

// badName reports a name that is no single path element.
func badName(name string) bool {
	return name == "" || name == "." || name == ".." || strings.ContainsRune(name, '/')
}

// removeEtc removes the named namespace's files and their directory.
func removeEtc(name string) error {
	if badName(name) {
		return fmt.Errorf("delete netns %q: not a namespace name", name)
	}
	if err := os.RemoveAll(etcPath(name)); err != nil {
		return fmt.Errorf("delete netns %s: files: %w", name, err)
	}
	return nil
}

// BindEtc gives the calling thread a private mount namespace in which each
// file of the named namespace's EtcDir is bind-mounted over its namesake in
// /etc, as `ip netns exec` does, so that a command it then executes reads
// the namespace's resolv.conf. The caller has locked its OS thread and
// entered the network namespace, and executes the command next (the thread
// is no good for anything else afterwards). A namespace without files
// changes nothing.
func BindEtc(name string) error {
	if badName(name) {
		return fmt.Errorf("netns %q: not a namespace name", name)
	}
	ents, err := os.ReadDir(etcPath(name))
	if errors.Is(err, os.ErrNotExist) || (err == nil && len(ents) == 0) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("netns %s: files: %w", name, err)
	}
	if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
		return fmt.Errorf("netns %s: new mount namespace: %w", name, err)
	}
	// Mounts made here must not propagate back to the host's namespace.
	if err := unix.Mount("", "/", "none", unix.MS_SLAVE|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("netns %s: make / a slave mount: %w", name, err)
	}
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue
		}
		src, dst := filepath.Join(etcPath(name), e.Name()), filepath.Join("/etc", e.Name())
		if _, err := os.Stat(dst); err != nil {
			continue // ip netns exec skips a file with no namesake too
		}
		if err := unix.Mount(src, dst, "none", unix.MS_BIND, ""); err != nil {
			return fmt.Errorf("netns %s: bind %s over %s: %w", name, src, dst, err)
		}
	}
	return nil
}
