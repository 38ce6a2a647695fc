package model

import "sync"

// Op is what happened to an object in a change event.
type Op string

// The operations change events report.
const (
	OpCreate Op = "create"
	OpUpdate Op = "update"
	OpDelete Op = "delete"
)

// Event tells a subscriber that one object changed. It carries no state: a
// subscriber reads the object's current state from the Cloud.
type Event struct {
	Seq     uint64 // commit order, starting at 1, without gaps per Cloud
	Kind    Kind
	Op      Op
	ID      string
	Account string
}

// Subscription delivers change events to one callback, on its own goroutine,
// in commit order; a slow callback never blocks model operations.
type Subscription struct {
	c      *Cloud
	fn     func(Event)
	mu     sync.Mutex // guards the fields below
	cond   *sync.Cond
	queue  []Event
	closed bool
	done   chan struct{}
}

// Subscribe starts delivering every change committed after this call to fn.
// The callback may call back into the Cloud. Close the subscription when done.
func (c *Cloud) Subscribe(fn func(Event)) *Subscription {
	s := &Subscription{c: c, fn: fn, done: make(chan struct{})}
	s.cond = sync.NewCond(&s.mu)
	c.mu.Lock()
	c.subs[s] = struct{}{}
	c.mu.Unlock()
	go s.run()
	return s
}

func (s *Subscription) run() {
	defer close(s.done)
	for {
		s.mu.Lock()
		for len(s.queue) == 0 && !s.closed {
			s.cond.Wait()
		}
		if s.closed {
			s.mu.Unlock()
			return
		}
		batch := s.queue
		s.queue = nil
		s.mu.Unlock()
		for _, e := range batch {
			s.fn(e)
		}
	}
}

func (s *Subscription) push(e Event) {
	s.mu.Lock()
	s.queue = append(s.queue, e)
	s.mu.Unlock()
	s.cond.Signal()
}

// Close stops delivery, dropping undelivered events, and waits until the
// callback has returned. It is idempotent; do not call it from the callback.
func (s *Subscription) Close() {
	s.c.mu.Lock()
	delete(s.c.subs, s)
	s.c.mu.Unlock()
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cond.Signal()
	<-s.done
}

func (c *Cloud) emitLocked(kind Kind, op Op, id, account string) {
	c.seq++
	e := Event{Seq: c.seq, Kind: kind, Op: op, ID: id, Account: account}
	for s := range c.subs {
		s.push(e)
	}
}

// Seq returns the sequence number of the last change committed (0 before
// any): a caller that reads it before and after an operation knows whether
// anything changed in between.
func (c *Cloud) Seq() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.seq
}
