// Package persist keeps an emulated cloud (a model.Cloud) in an embedded
// database (SQLite, modernc.org/sqlite) so that a cloud process that dies,
// even by SIGKILL, comes back with every object, ID, tag and limit it had.
//
// The whole model is stored as one snapshot (model.Cloud.Snapshot) written
// in one transaction after committed changes; changes that come while a
// write is under way are coalesced into the next one. Front-ends keep their
// own small records beside it (Remember: the AWS front-end's answers to
// requests with a client token). Durable wraps an API handler so that a
// call is answered only once the write covering its change is in the file:
// an answered call survives the process.
//
// The database runs in WAL mode with synchronous=NORMAL: a committed write
// is in the file (the kernel's page cache) before the call is answered, so
// it survives the death of the process; a crash of the host itself may lose
// the last writes, but it also takes the lab's namespaces that the model
// describes. The package must not touch the kernel's network state.
package persist

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/mcnlab/mcnlab/cloudmock/model"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// schemaVersion is the database's user_version; a file with another
// version is refused.
const schemaVersion = 1

const schema = `
CREATE TABLE model (
	id       INTEGER PRIMARY KEY CHECK (id = 1),
	seq      INTEGER NOT NULL,
	snapshot BLOB NOT NULL
);
CREATE TABLE records (
	kind  TEXT NOT NULL,
	key   TEXT NOT NULL,
	value BLOB NOT NULL,
	PRIMARY KEY (kind, key)
);
PRAGMA user_version = 1;`

// backgroundDelay is how long a change made outside an API call may wait
// to be saved, gathering others.
const backgroundDelay = 20 * time.Millisecond

// ErrIncompatible is returned by Open and Load for a file that is not a
// cloud state database of this version.
var ErrIncompatible = errors.New("not a cloud state file of this mcnlab version")

// Record is a front-end's record kept beside the model.
type Record struct {
	Key   string
	Value []byte
}

type pendingRecord struct {
	kind string
	Record
}

// Store is an open state file. Its methods are safe for concurrent use.
type Store struct {
	path string
	db   *sql.DB
	lock *os.File // holds an flock on the file while the store is open

	putModel *sql.Stmt // replaces the saved model

	cloud *model.Cloud // set by Start
	sub   *model.Subscription
	wake  chan struct{}
	stop  chan struct{}
	wg    sync.WaitGroup

	mu         sync.Mutex // guards the fields below
	pending    []pendingRecord
	remembered uint64        // records given to Remember so far
	savedSeq   uint64        // the model Seq in the file
	savedRecs  uint64        // records in the file (counted as remembered)
	writing    bool          // a write is under way (flush)
	written    chan struct{} // closed and replaced after each write attempt
	lastErr    error         // of the last write attempt
	closed     bool
}

// Open opens the state file at path, creating it (mode 0600) with its
// schema when missing. Only one process may have a state file open: a
// second Open fails at once while the first holds it. A file that is not a
// cloud state database of this version fails with ErrIncompatible, naming
// the file.
func Open(path string) (*Store, error) {
	if path == "" || strings.ContainsRune(path, '?') || strings.HasPrefix(path, "file:") || path == ":memory:" {
		return nil, fmt.Errorf("cloud state %q: want a plain file path", path)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("cloud state %s: %w", path, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("cloud state %s: in use by another process", path)
		}
		return nil, fmt.Errorf("cloud state %s: lock: %w", path, err)
	}
	if fi, err := f.Stat(); err == nil && fi.Mode().Perm()&0o077 != 0 {
		if err := f.Chmod(0o600); err != nil {
			f.Close()
			return nil, fmt.Errorf("cloud state %s: %w", path, err)
		}
	}
	dsn := path + "?_pragma=page_size(32768)&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("cloud state %s: %w", path, err)
	}
	db.SetMaxOpenConns(1) // one writer goroutine; reads happen before it starts
	s := &Store{path: path, db: db, lock: f, wake: make(chan struct{}, 1), stop: make(chan struct{}), written: make(chan struct{})}
	if err := s.init(); err != nil {
		db.Close()
		f.Close()
		return nil, err
	}
	if s.putModel, err = db.Prepare(`INSERT INTO model (id, seq, snapshot) VALUES (1, ?, ?)
		ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, snapshot = excluded.snapshot`); err != nil {
		db.Close()
		f.Close()
		return nil, fmt.Errorf("cloud state %s: %w", path, err)
	}
	return s, nil
}

// init checks the file's version and creates the schema in a new file.
func (s *Store) init() error {
	var v int
	if err := s.db.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil {
		return fmt.Errorf("cloud state %s: %w: %w", s.path, ErrIncompatible, err)
	}
	switch v {
	case schemaVersion:
		return nil
	case 0:
		var n int
		if err := s.db.QueryRow(`SELECT count(*) FROM sqlite_master`).Scan(&n); err != nil {
			return fmt.Errorf("cloud state %s: %w: %w", s.path, ErrIncompatible, err)
		}
		if n > 0 {
			return fmt.Errorf("cloud state %s: %w: a database with other tables", s.path, ErrIncompatible)
		}
		if _, err := s.db.Exec(schema); err != nil {
			return fmt.Errorf("cloud state %s: create schema: %w", s.path, err)
		}
		return nil
	default:
		return fmt.Errorf("cloud state %s: %w: schema version %d, this mcnlab reads version %d", s.path, ErrIncompatible, v, schemaVersion)
	}
}

// Path is the file the store was opened from.
func (s *Store) Path() string { return s.path }

// Load restores the saved model into c, which must be new (model.New) and
// not yet started, and reports whether the file held one (false for a new
// file). A snapshot that cannot be read fails naming the file; c is
// unchanged then.
func (s *Store) Load(c *model.Cloud) (bool, error) {
	var seq uint64
	var b []byte
	err := s.db.QueryRow(`SELECT seq, snapshot FROM model WHERE id = 1`).Scan(&seq, &b)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("cloud state %s: read model: %w", s.path, err)
	}
	if err := c.Restore(b); err != nil {
		if errors.Is(err, model.ErrSnapshotVersion) {
			return false, fmt.Errorf("cloud state %s: %w: %w", s.path, ErrIncompatible, err)
		}
		return false, fmt.Errorf("cloud state %s: %w", s.path, err)
	}
	s.mu.Lock()
	s.savedSeq = seq
	s.mu.Unlock()
	return true, nil
}

// Records returns the saved records of one kind, in key order.
func (s *Store) Records(kind string) ([]Record, error) {
	rows, err := s.db.Query(`SELECT key, value FROM records WHERE kind = ? ORDER BY key`, kind)
	if err != nil {
		return nil, fmt.Errorf("cloud state %s: read %s records: %w", s.path, kind, err)
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		var r Record
		if err := rows.Scan(&r.Key, &r.Value); err != nil {
			return nil, fmt.Errorf("cloud state %s: read %s records: %w", s.path, kind, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cloud state %s: read %s records: %w", s.path, kind, err)
	}
	return out, nil
}

// Remember queues a record (added, or replacing the one with its kind and
// key) for the next write; Sync after it waits for that write. Call it
// after Start.
func (s *Store) Remember(kind, key string, value []byte) {
	s.mu.Lock()
	s.pending = append(s.pending, pendingRecord{kind: kind, Record: Record{Key: key, Value: value}})
	s.remembered++
	s.mu.Unlock()
	s.kick()
}

// Start saves c from now on: after every committed change (and every
// Remember) a write follows. Call it once, after Load and before serving.
func (s *Store) Start(c *model.Cloud) {
	s.cloud = c
	// A change made outside an API call (by the lab, the realizer) is
	// saved within backgroundDelay; one made by a call is saved at once by
	// the call's Sync, and the delayed write then finds nothing to do.
	var pending atomic.Bool
	s.sub = c.Subscribe(func(model.Event) {
		if pending.CompareAndSwap(false, true) {
			time.AfterFunc(backgroundDelay, func() {
				pending.Store(false)
				s.kick()
			})
		}
	})
	s.wg.Add(1)
	go s.run()
	s.kick() // save what Load and the caller's setup made
}

func (s *Store) kick() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Store) run() {
	defer s.wg.Done()
	for {
		select {
		case <-s.wake:
			_ = s.flush(context.Background(), true)
		case <-s.stop:
			_ = s.flush(context.Background(), true)
			return
		}
	}
}

// write saves the model and the pending records in one transaction, if
// anything changed since the last write, and wakes whoever waits in
// flush. Only the flush that set writing calls it.
func (s *Store) write() {
	s.mu.Lock()
	idle := s.cloud.Seq() == s.savedSeq && len(s.pending) == 0
	s.mu.Unlock()
	if idle {
		s.mu.Lock()
		s.lastErr, s.writing = nil, false
		close(s.written)
		s.written = make(chan struct{})
		s.mu.Unlock()
		return
	}
	b, seq, err := s.cloud.Snapshot()
	s.mu.Lock()
	recs, upto := s.pending, s.remembered
	s.pending = nil
	unchanged := seq == s.savedSeq && len(recs) == 0
	s.mu.Unlock()
	if err == nil && !unchanged {
		err = s.commit(seq, b, recs)
	}
	s.mu.Lock()
	if err == nil {
		s.savedSeq, s.savedRecs = seq, upto
	} else {
		s.pending = append(recs, s.pending...) // retried with the next write
	}
	s.lastErr, s.writing = err, false
	close(s.written)
	s.written = make(chan struct{})
	s.mu.Unlock()
}

func (s *Store) commit(seq uint64, snap []byte, recs []pendingRecord) error {
	if len(recs) == 0 {
		// One statement is its own transaction.
		if _, err := s.putModel.Exec(seq, snap); err != nil {
			return fmt.Errorf("cloud state %s: write model: %w", s.path, err)
		}
		return nil
	}
	tx, err := s.db.Begin()
	if err != nil {
		return fmt.Errorf("cloud state %s: write: %w", s.path, err)
	}
	defer tx.Rollback()
	if _, err := tx.Stmt(s.putModel).Exec(seq, snap); err != nil {
		return fmt.Errorf("cloud state %s: write model: %w", s.path, err)
	}
	for _, r := range recs {
		if _, err := tx.Exec(`INSERT OR REPLACE INTO records (kind, key, value) VALUES (?, ?, ?)`, r.kind, r.Key, r.Value); err != nil {
			return fmt.Errorf("cloud state %s: write %s record: %w", s.path, r.kind, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("cloud state %s: write: %w", s.path, err)
	}
	return nil
}

// Sync returns once every change committed to the model and every record
// remembered before the call is in the file, or the error of the write
// that should have saved them.
func (s *Store) Sync(ctx context.Context) error {
	return s.flush(ctx, false)
}

// flush returns once what was committed and remembered before the call is
// in the file. The first caller that finds no write under way writes
// itself (no hand-off to another goroutine on the call's path); the others
// wait for that write, and write again if it began before their change.
// Writes (the background's included, final) go on after Close began.
func (s *Store) flush(ctx context.Context, final bool) error {
	seq := s.cloud.Seq()
	s.mu.Lock()
	recs := s.remembered
	s.mu.Unlock()
	for {
		s.mu.Lock()
		if s.savedSeq >= seq && s.savedRecs >= recs {
			s.mu.Unlock()
			return nil
		}
		if s.closed && !final {
			s.mu.Unlock()
			return fmt.Errorf("cloud state %s: closed", s.path)
		}
		ch := s.written
		lead := !s.writing
		s.writing = true
		s.mu.Unlock()
		if lead {
			s.write()
		} else {
			select {
			case <-ch:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		s.mu.Lock()
		err := s.lastErr
		done := s.savedSeq >= seq && s.savedRecs >= recs
		s.mu.Unlock()
		if err != nil && !done {
			return err
		}
	}
}

// Close stops saving after one last write and closes the file. It is
// idempotent.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	var err error
	if s.sub != nil {
		s.sub.Close()
		close(s.stop)
		s.wg.Wait()
		s.mu.Lock()
		err = s.lastErr
		s.mu.Unlock()
	}
	if cerr := s.db.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("cloud state %s: close: %w", s.path, cerr)
	}
	s.lock.Close()
	return err
}
