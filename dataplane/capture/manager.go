package capture

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Sentinel errors of a Manager, besides ErrInvalid.
var (
	// ErrNotFound says that no capture has the ID.
	ErrNotFound = errors.New("no such capture")
	// ErrRunning says that the capture's file is not complete yet.
	ErrRunning = errors.New("capture still running")
	// ErrBusy says that too many captures run already.
	ErrBusy = errors.New("too many captures running")
)

// Managed limits: a managed capture's file fits one answer of the
// management API (16 MiB), a few run at once and the last few finished
// ones are kept.
const (
	ManagedMaxBytes = 15 << 20
	maxRunning      = 4
	maxKept         = 16
)

// Request asks a Manager for a capture; it is the body of the APIs'
// start calls.
type Request struct {
	Interface string `json:"interface"`
	Filter    string `json:"filter,omitempty"`
	Count     int    `json:"count,omitempty"`
	// Duration is a Go duration ("10s"); empty means until stopped.
	Duration string `json:"duration,omitempty"`
}

// Options checks r and returns the capture's options; errors wrap
// ErrInvalid.
func (r Request) Options() (Options, error) {
	if r.Interface == "" {
		return Options{}, fmt.Errorf("%w: interface is required", ErrInvalid)
	}
	f, err := ParseFilter(r.Filter)
	if err != nil {
		return Options{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	o := Options{Interface: r.Interface, Filter: f, Count: r.Count, MaxBytes: ManagedMaxBytes}
	if r.Duration != "" {
		if o.Duration, err = time.ParseDuration(r.Duration); err != nil || o.Duration <= 0 {
			return Options{}, fmt.Errorf("%w: duration %q: want a positive Go duration such as 10s", ErrInvalid, r.Duration)
		}
	}
	if r.Count < 0 {
		return Options{}, fmt.Errorf("%w: count %d is negative", ErrInvalid, r.Count)
	}
	return o, nil
}

// Info describes a managed capture.
type Info struct {
	ID string `json:"id"`
	Request
	// State is running, done (a limit or a stop ended it) or failed.
	State   string    `json:"state"`
	Error   string    `json:"error,omitempty"`
	Started time.Time `json:"started"`
	Ended   time.Time `json:"ended,omitzero"`
	Result
}

// Capture states.
const (
	StateRunning = "running"
	StateDone    = "done"
	StateFailed  = "failed"
)

// Manager runs captures in the background in the namespace of the thread
// that calls Start (a gateway daemon's own) and keeps their files in
// memory. It is safe for concurrent use; Close stops every capture.
type Manager struct {
	mu   sync.Mutex
	seq  int
	jobs map[string]*job
}

type job struct {
	info   Info
	cancel context.CancelFunc
	done   chan struct{}
	file   bytes.Buffer // written by the capture's goroutine until done
}

// Start opens the capture of r and runs it until a limit or Stop.
func (m *Manager) Start(r Request) (Info, error) {
	o, err := r.Options()
	if err != nil {
		return Info{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	running := 0
	for _, j := range m.jobs {
		if j.info.State == StateRunning {
			running++
		}
	}
	if running >= maxRunning {
		return Info{}, fmt.Errorf("%w: %d captures run already; stop one", ErrBusy, running)
	}
	c, err := Open(o)
	if err != nil {
		return Info{}, err
	}
	if m.jobs == nil {
		m.jobs = map[string]*job{}
	}
	m.seq++
	ctx, cancel := context.WithCancel(context.Background())
	j := &job{info: Info{ID: strconv.Itoa(m.seq), Request: r, State: StateRunning, Started: time.Now()},
		cancel: cancel, done: make(chan struct{})}
	m.jobs[j.info.ID] = j
	m.forget()
	go func() {
		defer close(j.done)
		res, err := c.Run(ctx, &j.file)
		err = errors.Join(err, c.Close())
		cancel()
		m.mu.Lock()
		defer m.mu.Unlock()
		j.info.Result, j.info.Ended, j.info.State = res, time.Now(), StateDone
		if err != nil {
			j.info.State, j.info.Error = StateFailed, err.Error()
		}
	}()
	return j.info, nil
}

// forget drops the oldest finished captures beyond maxKept; m.mu is held.
func (m *Manager) forget() {
	var old []*job
	for _, j := range m.jobs {
		if j.info.State != StateRunning {
			old = append(old, j)
		}
	}
	slices.SortFunc(old, func(a, b *job) int { return a.info.Started.Compare(b.info.Started) })
	for len(old) > maxKept {
		delete(m.jobs, old[0].info.ID)
		old = old[1:]
	}
}

// List returns every capture kept, oldest first.
func (m *Manager) List() []Info {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []Info{}
	for _, j := range m.jobs {
		out = append(out, j.info)
	}
	slices.SortFunc(out, func(a, b Info) int { return a.Started.Compare(b.Started) })
	return out
}

// Get returns the capture id.
func (m *Manager) Get(id string) (Info, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	j, ok := m.jobs[id]
	if !ok {
		return Info{}, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	return j.info, nil
}

// Stop ends the capture id and returns it once its file is complete.
// Stopping a finished capture is not an error.
func (m *Manager) Stop(ctx context.Context, id string) (Info, error) {
	m.mu.Lock()
	j, ok := m.jobs[id]
	m.mu.Unlock()
	if !ok {
		return Info{}, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	j.cancel()
	select {
	case <-j.done:
	case <-ctx.Done():
		return Info{}, fmt.Errorf("stop capture %s: %w", id, ctx.Err())
	}
	return m.Get(id)
}

// File returns the pcap file of a finished capture.
func (m *Manager) File(id string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	j, ok := m.jobs[id]
	switch {
	case !ok:
		return nil, fmt.Errorf("%w: %q", ErrNotFound, id)
	case j.info.State == StateRunning:
		return nil, fmt.Errorf("%w: stop capture %s or wait for its limit", ErrRunning, id)
	}
	return j.file.Bytes(), nil
}

// Close stops every capture and waits for them.
func (m *Manager) Close() error {
	m.mu.Lock()
	var jobs []*job
	for _, j := range m.jobs {
		jobs = append(jobs, j)
	}
	m.mu.Unlock()
	for _, j := range jobs {
		j.cancel()
		<-j.done
	}
	return nil
}
