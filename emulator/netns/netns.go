// Package netns runs code inside a named network namespace safely: only on a
// fresh goroutine whose OS thread is locked for the whole call, and a thread
// that cannot be switched back is left locked so that it dies with its
// goroutine instead of leaking the namespace into unrelated code (the
// pattern of Cilium's pkg/netns).
package netns

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// Dir is where named namespaces are bind-mounted, as iproute2 does.
const Dir = "/run/netns"

// Path returns the bind-mount path of the named namespace.
func Path(name string) string { return filepath.Join(Dir, name) }

// Exists reports whether a namespace with that name is mounted.
func Exists(name string) bool {
	_, err := os.Stat(Path(name))
	return err == nil
}

// Create makes a new named network namespace without switching the caller's
// thread into it. It fails if the name is taken.
func Create(name string) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		// The thread is not unlocked: NewNamed switches it into the new
		// namespace; switching back could fail, and a dying locked thread is
		// the safe outcome either way.
		orig, err := netns.Get()
		if err != nil {
			errc <- fmt.Errorf("create netns %s: get current: %w", name, err)
			return
		}
		defer orig.Close()
		h, err := netns.NewNamed(name)
		if err != nil {
			errc <- fmt.Errorf("create netns %s: %w", name, err)
			return
		}
		h.Close()
		if err := netns.Set(orig); err != nil {
			errc <- fmt.Errorf("create netns %s: restore thread: %w", name, err)
			return
		}
		runtime.UnlockOSThread()
		errc <- nil
	}()
	return <-errc
}

// Delete unmounts and removes the named namespace, and its files in
// EtcDir before it. The kernel frees it, and every link inside it, once no
// process or open handle holds it. Deleting a namespace that does not
// exist is not an error.
func Delete(name string) error {
	if err := removeEtc(name); err != nil {
		return err
	}
	p := Path(name)
	if err := unix.Unmount(p, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.ENOENT) && !errors.Is(err, unix.EINVAL) {
		return fmt.Errorf("delete netns %s: unmount: %w", name, err)
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("delete netns %s: %w", name, err)
	}
	return nil
}

// Open returns a handle on the named namespace; the caller closes it.
func Open(name string) (netns.NsHandle, error) {
	h, err := netns.GetFromPath(Path(name))
	if err != nil {
		return netns.None(), fmt.Errorf("open netns %s: %w", name, err)
	}
	return h, nil
}

// Do runs fn on a fresh, locked OS thread switched into the named namespace
// and returns fn's error. If the thread cannot be switched back, it stays
// locked and exits with its goroutine.
func Do(name string, fn func() error) error {
	target, err := Open(name)
	if err != nil {
		return err
	}
	defer target.Close()
	return DoHandle(target, fn)
}

// DoHandle is Do for an already open namespace handle.
func DoHandle(target netns.NsHandle, fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			errc <- fmt.Errorf("get current netns: %w", err)
			return
		}
		defer orig.Close()
		if err := netns.Set(target); err != nil {
			errc <- fmt.Errorf("enter netns: %w", err)
			return
		}
		ferr := fn()
		if err := netns.Set(orig); err != nil {
			// Leave the thread locked: it dies with this goroutine.
			errc <- errors.Join(ferr, fmt.Errorf("restore netns: %w", err))
			return
		}
		runtime.UnlockOSThread()
		errc <- ferr
	}()
	return <-errc
}

// Netlink returns a netlink handle whose requests act in the named
// namespace; the caller closes it. The namespace itself need not stay open.
func Netlink(name string) (*netlink.Handle, error) {
	h, err := Open(name)
	if err != nil {
		return nil, err
	}
	defer h.Close()
	nl, err := netlink.NewHandleAt(h)
	if err != nil {
		return nil, fmt.Errorf("netlink handle in %s: %w", name, err)
	}
	return nl, nil
}
