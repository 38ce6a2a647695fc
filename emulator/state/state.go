// Package state keeps what a lab made, on disk under /run/mcnlab/<lab>/, so
// that destroy needs no topology file and removes exactly what was recorded,
// even after the deploying process was killed. Every kernel object is written
// here before it is created. The package touches no kernel state itself.
package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/mcnlab/mcnlab/topologies"
	"golang.org/x/sys/unix"
)

// DefaultRoot is where labs keep their state; tmpfs, so a reboot (which also
// clears every namespace) clears it too.
const DefaultRoot = "/run/mcnlab"

// Root is the state root in use; tests may point it elsewhere.
var Root = DefaultRoot

// Phase is where a lab is in its life.
type Phase string

// Lab phases.
const (
	PhaseDeploying  Phase = "deploying"
	PhaseReady      Phase = "ready"
	PhaseFailed     Phase = "failed"
	PhaseDestroying Phase = "destroying"
)

// Lab is the recorded state of one lab.
type Lab struct {
	Name     string    `json:"name"`
	Topology string    `json:"topology"` // absolute path of the topology file deployed, "" when generated
	Created  time.Time `json:"created"`
	Phase    Phase     `json:"phase"`
	Error    string    `json:"error,omitempty"`
	// Owner is the process that deploys (or supervises) the lab.
	Owner Process `json:"owner"`
	// Nodes, in topology order, each with its namespace.
	Nodes []Node `json:"nodes"`
	// Links, in topology order.
	Links []Link `json:"links"`
	// Daemons are processes the lab started outside its namespaces (its
	// emulated cloud, its controller); destroy stops them first.
	Daemons []Daemon `json:"daemons,omitempty"`
}

// Daemon is a process of the lab that runs outside its namespaces.
type Daemon struct {
	Name    string  `json:"name"`
	Process Process `json:"process"`
}

// Node is a namespace of the lab.
type Node struct {
	Name      string `json:"name"`
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	// Foreign marks a namespace that another lab or process created under
	// this node's name while the deploy ran: it is never removed.
	Foreign bool `json:"foreign,omitempty"`
	// VXLAN are the node's point-to-point overlays; they live inside its
	// namespace and go away with it.
	VXLAN []VXLAN `json:"vxlan,omitempty"`
}

// VXLAN is a point-to-point VXLAN interface inside a node's namespace.
type VXLAN struct {
	Interface string `json:"interface"`
	VNI       uint32 `json:"vni"`
	Local     string `json:"local"`
	Remote    string `json:"remote"`
	Port      uint16 `json:"port"`
	Address   string `json:"address"`
	MTU       int    `json:"mtu"`
}

// Link is a veth pair between two node interfaces; it lives inside the two
// namespaces and goes away with them.
type Link struct {
	A    LinkEnd `json:"a"`
	B    LinkEnd `json:"b"`
	MTU  int     `json:"mtu"`
	Rate uint64  `json:"rate,omitempty"`
}

// LinkEnd is one end of a link: the friendly names from the topology and the
// kernel interface name inside the node's namespace.
type LinkEnd struct {
	Node      string `json:"node"`
	Interface string `json:"interface"`
	Kernel    string `json:"kernel"`
	Address   string `json:"address,omitempty"`
}

// Process identifies a process by PID and its start time (clock ticks since
// boot, from /proc/PID/stat), so that a recycled PID is never mistaken for it.
type Process struct {
	PID   int    `json:"pid"`
	Start uint64 `json:"start"`
}

// Self returns the calling process.
func Self() Process {
	st, _ := StartTime(os.Getpid())
	return Process{PID: os.Getpid(), Start: st}
}

// Alive reports whether the recorded process still runs (same PID, same start).
func (p Process) Alive() bool {
	if p.PID <= 0 {
		return false
	}
	st, err := StartTime(p.PID)
	return err == nil && st == p.Start
}

// StartTime reads a process's start time from /proc/PID/stat.
func StartTime(pid int) (uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name may hold spaces and parentheses: fields start after the last ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("parse /proc/%d/stat: no ')'", pid)
	}
	f := strings.Fields(s[i+1:])
	// starttime is field 22 of stat; f[0] is field 3.
	if len(f) < 20 {
		return 0, fmt.Errorf("parse /proc/%d/stat: %d fields", pid, len(f))
	}
	return strconv.ParseUint(f[19], 10, 64)
}

// ErrBadName says that a lab name is not one a lab can have. Every function
// of this package that takes a lab name refuses such a name with it before it
// touches the file system, so that no name ("../..", "a/b", "") reaches a path
// outside the lab's own directory under Root.
var ErrBadName = errors.New("bad lab name")

// CheckName says whether lab is a name a lab can have (the topology format's
// rule: 1 to 24 of a-z, 0-9 and '-'); the error wraps ErrBadName and says
// what would be valid.
func CheckName(lab string) error {
	if err := topologies.CheckLabName("lab", lab); err != nil {
		return nameError(strings.TrimPrefix(err.Error(), "lab: "))
	}
	return nil
}

// nameError is CheckName's error: the format's own words, matching ErrBadName.
type nameError string

func (e nameError) Error() string        { return string(e) }
func (e nameError) Is(target error) bool { return target == ErrBadName }

// Dir is the state directory of a lab. For a name that CheckName refuses it
// returns a path inside Root that no lab can have (and nothing creates), so a
// caller that forgot to check never reaches outside Root.
func Dir(lab string) string {
	if CheckName(lab) != nil {
		return filepath.Join(Root, ".invalid")
	}
	return filepath.Join(Root, lab)
}

func file(lab string) string { return filepath.Join(Dir(lab), "state.json") }

// ErrNotFound says that no state is recorded for a lab.
var ErrNotFound = errors.New("no such lab")

// ErrExists says that a lab of that name is already recorded.
var ErrExists = errors.New("lab exists")

// Create makes the lab's state directory with its state file in it, in one
// step: the directory is filled under a temporary name and renamed into
// place without replacing anything, so a lab directory always holds its
// state.json (Load and Remove tell a lab from any other directory by it). It
// fails with ErrExists when the name is taken, which is how two deploys of
// one name are told apart.
func Create(l *Lab) error {
	if err := CheckName(l.Name); err != nil {
		return err
	}
	if err := os.MkdirAll(Root, 0o755); err != nil {
		return fmt.Errorf("create state root %s: %w", Root, err)
	}
	tmp, err := os.MkdirTemp(Root, ".create-"+l.Name+"-")
	if err != nil {
		return fmt.Errorf("create state of lab %s: %w", l.Name, err)
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("create state of lab %s: %w", l.Name, err)
	}
	if err := write(filepath.Join(tmp, "state.json"), l); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	err = unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, Dir(l.Name), unix.RENAME_NOREPLACE)
	if (errors.Is(err, os.ErrExist) || errors.Is(err, unix.ENOTEMPTY)) && clearDebris(l.Name) {
		err = unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, Dir(l.Name), unix.RENAME_NOREPLACE)
	}
	if err != nil {
		os.RemoveAll(tmp)
		if errors.Is(err, os.ErrExist) || errors.Is(err, unix.ENOTEMPTY) {
			return fmt.Errorf("lab %s: %w", l.Name, ErrExists)
		}
		return fmt.Errorf("create state of lab %s: %w", l.Name, err)
	}
	return nil
}

// lockFiles are the files lock makes in a lab's directory.
var lockFiles = map[string]bool{"lock": true, "daemons.lock": true}

// clearDebris removes a lab's directory that is no lab (it has no state
// file) and holds nothing but lock files that no live process holds: what
// a process that was killed while it destroyed the lab can leave behind
// (it had the lock open when the directory's other files went). It
// reports whether the directory is gone. Anything else in the directory
// (or a lock still held) keeps it, and the name stays taken.
func clearDebris(lab string) bool {
	dir := Dir(lab)
	if st, err := os.Lstat(dir); err != nil || !st.IsDir() || isLab(lab) {
		return false
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range ents {
		if !lockFiles[e.Name()] || !e.Type().IsRegular() {
			return false
		}
	}
	for _, e := range ents {
		f, err := os.OpenFile(filepath.Join(dir, e.Name()), os.O_RDWR, 0)
		if err != nil {
			return false
		}
		held := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil
		f.Close()
		if held {
			return false
		}
	}
	for _, e := range ents {
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
			return false
		}
	}
	// rmdir, not RemoveAll: a file that appeared meanwhile keeps it.
	return os.Remove(dir) == nil
}

// Save writes the lab's state atomically (write, fsync-free rename: the
// state lives on tmpfs). The lab must exist: Save never makes a directory.
func Save(l *Lab) error {
	if err := CheckName(l.Name); err != nil {
		return err
	}
	if !isLab(l.Name) {
		return fmt.Errorf("write state of lab %s: %w", l.Name, ErrNotFound)
	}
	return write(file(l.Name), l)
}

func write(path string, l *Lab) error {
	b, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		return fmt.Errorf("encode state of lab %s: %w", l.Name, err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("write state of lab %s: %w", l.Name, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write state of lab %s: %w", l.Name, err)
	}
	return nil
}

// isLab reports whether Root holds a directory of that (valid) name with a
// state file in it: only such a directory is a lab of ours.
func isLab(lab string) bool {
	st, err := os.Lstat(Dir(lab))
	if err != nil || !st.IsDir() {
		return false
	}
	st, err = os.Lstat(file(lab))
	return err == nil && st.Mode().IsRegular()
}

// Load reads a lab's state.
func Load(lab string) (*Lab, error) {
	if err := CheckName(lab); err != nil {
		return nil, err
	}
	if !isLab(lab) {
		// A directory without a state file is not a lab (Create makes both
		// at once).
		return nil, fmt.Errorf("lab %s: %w", lab, ErrNotFound)
	}
	b, err := os.ReadFile(file(lab))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("lab %s: %w", lab, ErrNotFound)
		}
		return nil, fmt.Errorf("read state of lab %s: %w", lab, err)
	}
	var l Lab
	if err := json.Unmarshal(b, &l); err != nil {
		return nil, fmt.Errorf("decode state of lab %s (%s): %w", lab, file(lab), err)
	}
	parts, err := filepath.Glob(filepath.Join(Dir(lab), "part-*.json"))
	if err != nil {
		return nil, fmt.Errorf("read state parts of lab %s: %w", lab, err)
	}
	seen := map[string]bool{}
	for _, n := range l.Nodes {
		seen[n.Namespace] = true
	}
	for _, f := range parts {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read state part %s: %w", f, err)
		}
		var nodes []Node
		if err := json.Unmarshal(b, &nodes); err != nil {
			return nil, fmt.Errorf("decode state part %s: %w", f, err)
		}
		for _, n := range nodes {
			if !seen[n.Namespace] {
				seen[n.Namespace] = true
				l.Nodes = append(l.Nodes, n)
			}
		}
	}
	return &l, nil
}

// SavePart records namespaces that a second process of the lab (its
// emulated cloud) creates, in a file of their own (part-NAME.json) so that
// two writers never overwrite each other. Load merges every part into
// Lab.Nodes.
func SavePart(lab, part string, nodes []Node) error {
	if err := CheckName(lab); err != nil {
		return err
	}
	if !isLab(lab) {
		return fmt.Errorf("write state part %s of lab %s: %w", part, lab, ErrNotFound)
	}
	if strings.ContainsAny(part, "/\x00") || part == "" || part == "." || part == ".." {
		return fmt.Errorf("write state part %q of lab %s: bad part name", part, lab)
	}
	b, err := json.MarshalIndent(nodes, "", "  ")
	if err != nil {
		return fmt.Errorf("encode state part %s of lab %s: %w", part, lab, err)
	}
	f := filepath.Join(Dir(lab), "part-"+part+".json")
	if err := os.WriteFile(f+".tmp", b, 0o644); err != nil {
		return fmt.Errorf("write state part %s of lab %s: %w", part, lab, err)
	}
	if err := os.Rename(f+".tmp", f); err != nil {
		return fmt.Errorf("write state part %s of lab %s: %w", part, lab, err)
	}
	return nil
}

// Part returns the namespaces recorded in one state part (SavePart); none
// when the part was never written.
func Part(lab, part string) ([]Node, error) {
	if err := CheckName(lab); err != nil {
		return nil, err
	}
	if strings.ContainsAny(part, "/\x00") || part == "" || part == "." || part == ".." {
		return nil, fmt.Errorf("read state part %q of lab %s: bad part name", part, lab)
	}
	b, err := os.ReadFile(filepath.Join(Dir(lab), "part-"+part+".json"))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("read state part %s of lab %s: %w", part, lab, err)
	}
	var nodes []Node
	if err := json.Unmarshal(b, &nodes); err != nil {
		return nil, fmt.Errorf("decode state part %s of lab %s: %w", part, lab, err)
	}
	return nodes, nil
}

// Remove deletes a lab's state directory. It removes only a directory of
// ours: a valid lab name directly under Root, holding a state file; anything
// else is left alone (a lab already gone is not an error), but for the
// lock files a killed destroy can leave (clearDebris).
func Remove(lab string) error {
	if err := CheckName(lab); err != nil {
		return err
	}
	if !isLab(lab) {
		clearDebris(lab)
		return nil
	}
	if err := os.RemoveAll(Dir(lab)); err != nil {
		return fmt.Errorf("remove state of lab %s: %w", lab, err)
	}
	return nil
}

// List returns the names of every lab with recorded state, sorted.
func List() ([]string, error) {
	ents, err := os.ReadDir(Root)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("list labs in %s: %w", Root, err)
	}
	var labs []string
	for _, e := range ents {
		if e.IsDir() && CheckName(e.Name()) == nil && isLab(e.Name()) {
			labs = append(labs, e.Name())
		}
	}
	sort.Strings(labs)
	return labs, nil
}

// Lock is an exclusive advisory lock on a lab, held by whoever changes it
// (a deploy, a destroy). The kernel drops it when the holder dies.
type Lock struct{ f *os.File }

// ErrLocked says that another live process holds the lab's lock.
var ErrLocked = errors.New("lab is locked by another mcnlab process")

// TryLock takes the lab's lock without waiting.
func TryLock(lab string) (*Lock, error) {
	l, err := lock(lab, "lock", syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return nil, fmt.Errorf("lab %s: %w", lab, ErrLocked)
	}
	return l, err
}

// LockDaemons takes the lab's daemons lock, waiting for it: whoever starts,
// stops or restarts the lab's daemons (deploy, `controller stop`, the
// supervisor) holds it, so that a daemon stopped on purpose is never taken
// for one that died.
func LockDaemons(lab string) (*Lock, error) {
	return lock(lab, "daemons.lock", syscall.LOCK_EX)
}

// lock takes the flock how on the file name (0600) in the lab's directory.
func lock(lab, name string, how int) (*Lock, error) {
	if err := CheckName(lab); err != nil {
		return nil, err
	}
	if !isLab(lab) {
		return nil, fmt.Errorf("lock %s of lab %s: %w", name, lab, ErrNotFound)
	}
	f, err := os.OpenFile(filepath.Join(Dir(lab), name), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s of lab %s: %w", name, lab, err)
	}
	if err := syscall.Flock(int(f.Fd()), how); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s of lab %s: %w", name, lab, err)
	}
	return &Lock{f: f}, nil
}

// Unlock releases the lock. It is safe to call more than once.
func (l *Lock) Unlock() {
	if l == nil || l.f == nil {
		return
	}
	l.f.Close()
	l.f = nil
}
