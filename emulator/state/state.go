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

// Dir is the state directory of a lab.
func Dir(lab string) string { return filepath.Join(Root, lab) }

func file(lab string) string { return filepath.Join(Dir(lab), "state.json") }

// ErrNotFound says that no state is recorded for a lab.
var ErrNotFound = errors.New("no such lab")

// ErrExists says that a lab of that name is already recorded.
var ErrExists = errors.New("lab exists")

// Create makes the lab's state directory; it fails with ErrExists when the
// name is taken, which is how two deploys of one name are told apart.
func Create(l *Lab) error {
	if err := os.MkdirAll(Root, 0o755); err != nil {
		return fmt.Errorf("create state root %s: %w", Root, err)
	}
	if err := os.Mkdir(Dir(l.Name), 0o755); err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("lab %s: %w", l.Name, ErrExists)
		}
		return fmt.Errorf("create state of lab %s: %w", l.Name, err)
	}
	return Save(l)
}

// Save writes the lab's state atomically (write, fsync-free rename: the
// state lives on tmpfs).
func Save(l *Lab) error {
	b, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		return fmt.Errorf("encode state of lab %s: %w", l.Name, err)
	}
	tmp := file(l.Name) + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("write state of lab %s: %w", l.Name, err)
	}
	if err := os.Rename(tmp, file(l.Name)); err != nil {
		return fmt.Errorf("write state of lab %s: %w", l.Name, err)
	}
	return nil
}

// Load reads a lab's state.
func Load(lab string) (*Lab, error) {
	b, err := os.ReadFile(file(lab))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			if _, derr := os.Stat(Dir(lab)); derr == nil {
				// Killed between mkdir and the first write: nothing was created.
				return &Lab{Name: lab, Phase: PhaseDeploying}, nil
			}
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

// Remove deletes a lab's state directory.
func Remove(lab string) error {
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
		if e.IsDir() {
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
	f, err := os.OpenFile(filepath.Join(Dir(lab), "lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock lab %s: %w", lab, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("lab %s: %w", lab, ErrLocked)
		}
		return nil, fmt.Errorf("lock lab %s: %w", lab, err)
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
