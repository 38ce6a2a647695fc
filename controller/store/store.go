// Package store is the controller's embedded database: one SQLite file
// (modernc.org/sqlite, pure Go, through database/sql) holding the gateways'
// WireGuard private keys, the API tokens (only their SHA-256), the approved
// BGP routes, a small JSON key/value space for the controller's own records
// and an append-only event log.
//
// The file is created 0600, since it holds private keys. It runs in WAL mode
// with synchronous=FULL, so that a write that returned survives a crash of
// the process or the machine, and with a busy timeout, so that several
// goroutines (or a CLI reading next to the daemon) may use it at once.
//
// The package knows nothing of the controller's engine or of HTTP; it must
// not import either.
package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// Sentinel errors that callers branch on; the store's errors wrap them.
var (
	// ErrNotFound says that the named object does not exist.
	ErrNotFound = errors.New("not found")
	// ErrExists says that an object of that name exists already.
	ErrExists = errors.New("already exists")
	// ErrInvalid says that an argument is malformed.
	ErrInvalid = errors.New("invalid argument")
)

// busyTimeout is how long a statement waits for another connection's lock
// before it fails with SQLITE_BUSY.
const busyTimeout = 10 * time.Second

// Store is an open controller database. Its methods are safe for concurrent
// use. Close releases the file.
type Store struct {
	db   *sql.DB
	path string
	now  func() time.Time // the clock; tests may replace it
}

// Open opens the database at path, creating the file (mode 0600) and its
// schema when missing and applying any migrations it lacks.
func Open(path string) (*Store, error) {
	if path == "" || strings.ContainsRune(path, '?') || strings.HasPrefix(path, "file:") || path == ":memory:" {
		return nil, fmt.Errorf("open store %q: %w: want a plain file path", path, ErrInvalid)
	}
	// Create the file ourselves so that its mode is ours; SQLite gives the
	// -wal and -shm files the same mode as the database file.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	fi, err := f.Stat()
	if err == nil && fi.Mode().Perm()&0o077 != 0 {
		err = f.Chmod(0o600) // it holds private keys
	}
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}

	// Every connection of the pool gets these pragmas. _txlock=immediate
	// takes the write lock at BEGIN, so two transactions never deadlock
	// upgrading their read locks.
	dsn := fmt.Sprintf("%s?_pragma=busy_timeout(%d)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(ON)&_txlock=immediate",
		path, busyTimeout.Milliseconds())
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	s := &Store{db: db, path: path, now: time.Now}
	if err := s.migrate(context.Background()); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return s, nil
}

// Close closes the database. Calls after the first return nil.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close store %s: %w", s.path, err)
	}
	return nil
}

// Path is the file the store was opened from.
func (s *Store) Path() string { return s.path }

// migrations are the schema changes in order; migrations[i] takes the
// schema from version i to i+1. Append only: never edit a released one.
var migrations = []string{
	// 1: the first schema.
	`CREATE TABLE gateway_keys (
		name TEXT PRIMARY KEY,
		key  TEXT NOT NULL
	);
	CREATE TABLE tokens (
		name    TEXT PRIMARY KEY,
		role    TEXT NOT NULL,
		hash    BLOB NOT NULL UNIQUE,
		created INTEGER NOT NULL
	);
	CREATE TABLE approvals (
		transit TEXT NOT NULL,
		site    TEXT NOT NULL,
		prefix  TEXT NOT NULL,
		by      TEXT NOT NULL,
		at      INTEGER NOT NULL,
		PRIMARY KEY (transit, site, prefix)
	);
	CREATE TABLE records (
		key   TEXT PRIMARY KEY,
		value TEXT NOT NULL
	);
	CREATE TABLE events (
		id   INTEGER PRIMARY KEY AUTOINCREMENT,
		at   INTEGER NOT NULL,
		kind TEXT NOT NULL,
		msg  TEXT NOT NULL
	);`,
}

// migrate brings the schema to the newest version, one transaction per
// migration, recording each in schema_version.
func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (
		version INTEGER NOT NULL,
		applied INTEGER NOT NULL
	)`); err != nil {
		return fmt.Errorf("create schema_version: %w", err)
	}
	for {
		done, err := s.migrateOne(ctx)
		if err != nil || done {
			return err
		}
	}
}

// migrateOne applies the next migration, if any; done reports that the
// schema is current. Reading the version inside the write transaction makes
// two processes opening the same new file agree.
func (s *Store) migrateOne(ctx context.Context) (done bool, err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("begin migration: %w", err)
	}
	defer tx.Rollback()
	var v int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&v); err != nil {
		return false, fmt.Errorf("read schema version: %w", err)
	}
	switch {
	case v == len(migrations):
		return true, nil
	case v > len(migrations):
		return false, fmt.Errorf("schema version %d is newer than this mcnlab knows (%d)", v, len(migrations))
	}
	if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
		return false, fmt.Errorf("migrate schema to version %d: %w", v+1, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version, applied) VALUES (?, ?)`, v+1, s.now().UnixNano()); err != nil {
		return false, fmt.Errorf("record schema version %d: %w", v+1, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("commit migration to version %d: %w", v+1, err)
	}
	return false, nil
}

// SchemaVersion is the version of the schema in the file.
func (s *Store) SchemaVersion() (int, error) {
	var v int
	if err := s.db.QueryRow(`SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}

// Key returns the WireGuard private key (base64) recorded for a gateway.
func (s *Store) Key(name string) (string, bool, error) {
	var k string
	err := s.db.QueryRow(`SELECT key FROM gateway_keys WHERE name = ?`, name).Scan(&k)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read key of gateway %s: %w", name, err)
	}
	return k, true, nil
}

// PutKey records a gateway's WireGuard private key (base64), replacing any
// earlier one.
func (s *Store) PutKey(name, key string) error {
	if name == "" || key == "" {
		return fmt.Errorf("put key of gateway %q: %w: empty name or key", name, ErrInvalid)
	}
	if _, err := s.db.Exec(`INSERT INTO gateway_keys (name, key) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET key = excluded.key`, name, key); err != nil {
		return fmt.Errorf("put key of gateway %s: %w", name, err)
	}
	return nil
}

// Put records v, encoded as JSON, under key, replacing any earlier value.
func (s *Store) Put(key string, v any) error {
	if key == "" {
		return fmt.Errorf("put record: %w: empty key", ErrInvalid)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("put record %s: encode: %w", key, err)
	}
	if _, err := s.db.Exec(`INSERT INTO records (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, string(b)); err != nil {
		return fmt.Errorf("put record %s: %w", key, err)
	}
	return nil
}

// Get decodes the JSON value recorded under key into v; it reports false,
// leaving v alone, when there is none.
func (s *Store) Get(key string, v any) (bool, error) {
	var b string
	err := s.db.QueryRow(`SELECT value FROM records WHERE key = ?`, key).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("get record %s: %w", key, err)
	}
	if err := json.Unmarshal([]byte(b), v); err != nil {
		return false, fmt.Errorf("get record %s: decode: %w", key, err)
	}
	return true, nil
}

// Delete removes the record under key; removing a missing one is not an
// error.
func (s *Store) Delete(key string) error {
	if _, err := s.db.Exec(`DELETE FROM records WHERE key = ?`, key); err != nil {
		return fmt.Errorf("delete record %s: %w", key, err)
	}
	return nil
}

// Keys lists the record keys that start with prefix, sorted.
func (s *Store) Keys(prefix string) ([]string, error) {
	// substr rather than LIKE, which would treat % and _ in prefix as
	// wildcards.
	rows, err := s.db.Query(`SELECT key FROM records WHERE substr(key, 1, length(?1)) = ?1 ORDER BY key`, prefix)
	if err != nil {
		return nil, fmt.Errorf("list records %q: %w", prefix, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("list records %q: %w", prefix, err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list records %q: %w", prefix, err)
	}
	return out, nil
}

// Event is one entry of the event log.
type Event struct {
	ID   int64     `json:"id"` // increasing in the order the events were logged
	At   time.Time `json:"at"`
	Kind string    `json:"kind"`
	Msg  string    `json:"msg"`
}

// Log appends an event. The log is append-only: nothing updates or removes
// its entries.
func (s *Store) Log(kind, msg string) error {
	if _, err := s.db.Exec(`INSERT INTO events (at, kind, msg) VALUES (?, ?, ?)`, s.now().UnixNano(), kind, msg); err != nil {
		return fmt.Errorf("log %s event: %w", kind, err)
	}
	return nil
}

// Events returns the newest limit events, oldest first; limit <= 0 returns
// every event.
func (s *Store) Events(limit int) ([]Event, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := s.db.Query(`SELECT id, at, kind, msg FROM
		(SELECT id, at, kind, msg FROM events ORDER BY id DESC LIMIT ?)
		ORDER BY id`, limit)
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	return scanEvents(rows)
}

// scanEvents reads the rows of a query of id, at, kind, msg.
func scanEvents(rows *sql.Rows) ([]Event, error) {
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.Kind, &e.Msg); err != nil {
			return nil, fmt.Errorf("read events: %w", err)
		}
		e.At = time.Unix(0, at).UTC()
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	return out, nil
}

// EventsAfter returns the events logged after the one of ID after (0:
// from the first), oldest first, at most limit (limit <= 0: all).
func (s *Store) EventsAfter(after int64, limit int) ([]Event, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := s.db.Query(`SELECT id, at, kind, msg FROM events WHERE id > ? ORDER BY id LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	return scanEvents(rows)
}
