package l7proxy

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"

	vnetns "github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// startTimeout bounds squid's start up to its ports listening.
const startTimeout = 20 * time.Second

// restartBackoff is how long the supervisor waits before starting again
// a squid that exited by itself.
const restartBackoff = time.Second

// Squid runs and supervises squid in one network namespace. Safe for
// concurrent use; Close it.
type Squid struct {
	dir    string
	ns     int // duplicated namespace fd
	ports  Ports
	logger *slog.Logger

	mu      sync.Mutex // guards the fields below and serializes Apply and Close
	policy  *Policy    // the policy squid runs with; nil: stopped
	proc    *process
	closed  bool
	stopSup chan struct{} // closes the supervisor of proc
}

// process is one squid run.
type process struct {
	pid  int
	done chan struct{} // closed once it has exited and been reaped
}

// New returns a stopped Squid for the namespace open as nsFd (the caller
// may close it), keeping its files in dir (created, owned by squid's
// user). logger may be nil.
func New(nsFd int, dir string, logger *slog.Logger) (*Squid, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	fd, err := unix.FcntlInt(uintptr(nsFd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("l7proxy: duplicate namespace fd: %w", err)
	}
	return &Squid{dir: dir, ns: fd, ports: DefaultPorts, logger: logger}, nil
}

// PID is the running squid's process ID; 0 while none runs.
func (s *Squid) PID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil || exited(s.proc) {
		return 0
	}
	return s.proc.pid
}

// Ports are where squid listens.
func (s *Squid) Ports() Ports { return s.ports }

// Dir is where squid's files are.
func (s *Squid) Dir() string { return s.dir }

// Apply makes squid run with p: it writes squid.conf and (re)starts squid
// when p differs from the running policy or squid is not running, and
// returns once both ports listen (or ctx ends: then squid is stopped).
func (s *Squid) Apply(ctx context.Context, p Policy) error {
	conf, err := Conf(p, s.dir, s.ports)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("l7proxy: closed")
	}
	if s.policy != nil && s.proc != nil && samePolicy(*s.policy, p) && !exited(s.proc) {
		return nil
	}
	if err := s.stopLocked(); err != nil {
		return err
	}
	if err := CheckSquid(); err != nil {
		return err
	}
	if err := s.prepare(conf); err != nil {
		return err
	}
	proc, err := s.start()
	if err != nil {
		return err
	}
	if err := s.waitReady(ctx, proc); err != nil {
		kill(proc)
		return err
	}
	s.policy, s.proc = &p, proc
	s.stopSup = make(chan struct{})
	go s.supervise(proc, s.stopSup)
	return nil
}

// Stop stops squid; idempotent.
func (s *Squid) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopLocked()
}

// stopLocked stops the supervisor, then squid.
func (s *Squid) stopLocked() error {
	if s.stopSup != nil {
		close(s.stopSup)
		s.stopSup = nil
	}
	s.policy = nil
	if s.proc == nil {
		return nil
	}
	err := kill(s.proc)
	s.proc = nil
	s.removeShm()
	return err
}

// Close stops squid and releases the namespace; idempotent.
func (s *Squid) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	err := s.stopLocked()
	unix.Close(s.ns)
	return err
}

// Decisions reads the access log and names each line's rule by the
// running policy (none: the log is left from a stopped squid).
func (s *Squid) Decisions() ([]Decision, error) {
	s.mu.Lock()
	var p Policy
	if s.policy != nil {
		p = *s.policy
	}
	s.mu.Unlock()
	f, err := os.Open(filepath.Join(s.dir, AccessLog))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("l7proxy: %w", err)
	}
	defer f.Close()
	return ParseLog(f, p)
}

// prepare writes squid.conf and its certificate into the directory, owned
// by squid's user (it drops root after reading its configuration).
func (s *Squid) prepare(conf string) error {
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return fmt.Errorf("l7proxy: %w", err)
	}
	if _, err := os.Stat(filepath.Join(s.dir, CertFile)); errors.Is(err, os.ErrNotExist) {
		pem, err := selfSigned()
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(s.dir, CertFile), pem, 0o600); err != nil {
			return fmt.Errorf("l7proxy: %w", err)
		}
	}
	if err := os.WriteFile(filepath.Join(s.dir, ConfFile), []byte(conf), 0o644); err != nil {
		return fmt.Errorf("l7proxy: %w", err)
	}
	u, err := user.Lookup("proxy") // Debian's squid runs as proxy
	if err != nil {
		return nil
	}
	for d := filepath.Dir(s.dir); ; d = filepath.Dir(d) {
		if st, err := os.Stat(d); err == nil && st.Mode().Perm()&0o001 == 0 {
			return fmt.Errorf("l7proxy: squid runs as user proxy and cannot reach %s: %s is mode %o", s.dir, d, st.Mode().Perm())
		}
		if d == filepath.Dir(d) {
			break
		}
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	for _, f := range []string{"", CertFile, AccessLog, CacheLog} {
		if err := os.Lchown(filepath.Join(s.dir, f), uid, gid); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("l7proxy: %w", err)
		}
	}
	return nil
}

// Service is squid's service name (-n): its shared memory segments
// (/dev/shm/SERVICE-*.shm) are named after it, and the machine's IPC
// namespace is shared by every firewall's squid, so each has its own,
// from its directory.
func (s *Squid) Service() string {
	h := fnv.New32a()
	h.Write([]byte(s.dir))
	return fmt.Sprintf("mcnl7%08x", h.Sum32())
}

// removeShm removes the shared memory segments a squid of this service
// that was killed left behind: squid refuses to start over them.
func (s *Squid) removeShm() {
	left, _ := filepath.Glob("/dev/shm/" + s.Service() + "-*.shm")
	for _, f := range left {
		os.Remove(f)
	}
}

// squidPath is Debian's squid binary.
func squidPath() string {
	if p, err := exec.LookPath("squid"); err == nil {
		return p
	}
	return "/usr/sbin/squid"
}

// start starts squid in the namespace, in the foreground (-N), from a
// goroutine locked to a thread switched into the namespace, which waits
// for it: the thread lives as long as squid, so squid's parent-death
// signal (SIGKILL) fires only when this process dies.
func (s *Squid) start() (*process, error) {
	out, err := os.OpenFile(filepath.Join(s.dir, OutputFile), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("l7proxy: %w", err)
	}
	s.removeShm()
	cmd := exec.Command(squidPath(), "-N", "-n", s.Service(), "-f", filepath.Join(s.dir, ConfFile))
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	started := make(chan error, 1)
	p := &process{done: make(chan struct{})}
	go func() {
		defer close(p.done)
		runtime.LockOSThread() // never unlocked: the thread may be in the namespace
		if err := vnetns.Set(vnetns.NsHandle(s.ns)); err != nil {
			started <- fmt.Errorf("l7proxy: enter namespace: %w", err)
			return
		}
		if err := cmd.Start(); err != nil {
			started <- fmt.Errorf("l7proxy: start squid: %w", err)
			return
		}
		p.pid = cmd.Process.Pid
		started <- nil
		cmd.Wait() //nolint:errcheck // its exit is seen through done; squid.out and cache.log say why
	}()
	err = <-started
	out.Close()
	if err != nil {
		return nil, err
	}
	s.logger.Info("squid started", "pid", p.pid, "dir", s.dir)
	return p, nil
}

// waitReady polls squid's namespace's TCP table until both ports listen.
func (s *Squid) waitReady(ctx context.Context, p *process) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		ok, err := Listening(p.pid, s.ports.HTTP, s.ports.TLS)
		if ok {
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("l7proxy: squid exited before listening (%s): %s%s", s.dir, tail(filepath.Join(s.dir, OutputFile)), tail(filepath.Join(s.dir, CacheLog)))
		case <-ctx.Done():
			return fmt.Errorf("l7proxy: squid not listening on %d and %d: %w (last read: %v)", s.ports.HTTP, s.ports.TLS, ctx.Err(), err)
		case <-tick.C:
		}
	}
}

// supervise starts squid again, after restartBackoff, whenever it exits
// by itself, until stop closes.
func (s *Squid) supervise(p *process, stop chan struct{}) {
	for {
		select {
		case <-stop:
			return
		case <-p.done:
		}
		select {
		case <-stop: // stopped on purpose
			return
		default:
		}
		s.logger.Warn("squid exited; starting it again", "pid", p.pid, "output", tail(filepath.Join(s.dir, OutputFile)))
		select {
		case <-stop:
			return
		case <-time.After(restartBackoff):
		}
		s.mu.Lock()
		if s.stopSup != stop {
			s.mu.Unlock()
			return
		}
		np, err := s.start()
		if err == nil {
			err = s.waitReady(context.Background(), np)
		}
		if err != nil {
			s.logger.Error("squid restart failed", "err", err)
			if np != nil {
				kill(np)
			}
			s.mu.Unlock()
			return
		}
		s.proc, p = np, np
		s.mu.Unlock()
	}
}

// kill stops a squid run by its PID: SIGTERM, then SIGKILL after 5 s;
// it returns once the process has been reaped.
func kill(p *process) error {
	for _, step := range []struct {
		sig   syscall.Signal
		grace time.Duration
	}{{syscall.SIGTERM, 5 * time.Second}, {syscall.SIGKILL, 5 * time.Second}} {
		if exited(p) {
			return nil
		}
		if err := syscall.Kill(p.pid, step.sig); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("l7proxy: stop squid pid %d: %w", p.pid, err)
		}
		select {
		case <-p.done:
			return nil
		case <-time.After(step.grace):
		}
	}
	return fmt.Errorf("l7proxy: squid pid %d still running after SIGKILL", p.pid)
}

func exited(p *process) bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func samePolicy(a, b Policy) bool {
	if len(a.Rules) != len(b.Rules) {
		return false
	}
	for i := range a.Rules {
		if a.Rules[i] != b.Rules[i] {
			return false
		}
	}
	return slices.Equal(a.Resolvers, b.Resolvers)
}

// tail is the end of a file, for errors.
func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 600 {
		b = b[len(b)-600:]
	}
	return string(b)
}
