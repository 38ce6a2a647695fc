package store

import (
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Role is what an API token may do.
type Role string

// The roles, from least to most allowed: each may do what the ones before
// it may.
const (
	// RoleReadOnly may read: every GET of the API.
	RoleReadOnly Role = "read-only"
	// RoleOperator may also approve routes and run diagnostics.
	RoleOperator Role = "operator"
	// RoleAdmin may do everything, token management included.
	RoleAdmin Role = "admin"
)

// Roles lists every role, least allowed first.
var Roles = []Role{RoleReadOnly, RoleOperator, RoleAdmin}

func (r Role) rank() int {
	for i, x := range Roles {
		if r == x {
			return i + 1
		}
	}
	return 0
}

// Valid reports whether r is one of the roles.
func (r Role) Valid() bool { return r.rank() > 0 }

// Allows reports whether a holder of r may do what needs the role need.
// An invalid role allows nothing.
func (r Role) Allows(need Role) bool { return r.Valid() && need.Valid() && r.rank() >= need.rank() }

// String returns the role's name.
func (r Role) String() string { return string(r) }

// ParseRole parses a role's name ("admin", "operator", "read-only").
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if !r.Valid() {
		return "", fmt.Errorf("parse role %q: %w: want admin, operator or read-only", s, ErrInvalid)
	}
	return r, nil
}

// TokenPrefix starts every token, so that a leaked one is easy to find by
// secret scanners.
const TokenPrefix = "mcn_"

// tokenName is what a token's name may look like: it appears in URLs and in
// the approval log.
var tokenName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$`)

// TokenInfo describes a token without its secret.
type TokenInfo struct {
	Name    string    `json:"name"`
	Role    Role      `json:"role"`
	Created time.Time `json:"created"`
}

func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// CreateToken makes a new token for role under a unique name and returns
// its secret: "mcn_" and 32 random bytes in URL-safe base64. Only the
// secret's SHA-256 is stored, so this is the only time it is seen. A name
// that is taken fails with ErrExists.
func (s *Store) CreateToken(role Role, name string) (string, error) {
	if !role.Valid() {
		return "", fmt.Errorf("create token %q: %w: unknown role %q", name, ErrInvalid, role)
	}
	if !tokenName.MatchString(name) {
		return "", fmt.Errorf("create token %q: %w: a name is 1-64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit", name, ErrInvalid)
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("create token %s: %w", name, err)
	}
	token := TokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	res, err := s.db.Exec(`INSERT INTO tokens (name, role, hash, created) VALUES (?, ?, ?, ?)
		ON CONFLICT (name) DO NOTHING`, name, string(role), hashToken(token), s.now().UnixNano())
	if err != nil {
		return "", fmt.Errorf("create token %s: %w", name, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return "", fmt.Errorf("create token %s: %w", name, err)
	} else if n == 0 {
		return "", fmt.Errorf("create token %s: %w", name, ErrExists)
	}
	return token, nil
}

// Identify returns the name and role of the token whose secret is token;
// false when no token has that secret (a revoked one included).
func (s *Store) Identify(token string) (TokenInfo, bool, error) {
	if !strings.HasPrefix(token, TokenPrefix) {
		return TokenInfo{}, false, nil
	}
	var ti TokenInfo
	var created int64
	err := s.db.QueryRow(`SELECT name, role, created FROM tokens WHERE hash = ?`, hashToken(token)).Scan(&ti.Name, &ti.Role, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return TokenInfo{}, false, nil
	}
	if err != nil {
		return TokenInfo{}, false, fmt.Errorf("look up token: %w", err)
	}
	ti.Created = time.Unix(0, created).UTC()
	return ti, true, nil
}

// TokenRole returns the role of the token whose secret is token; false
// when no token has that secret.
func (s *Store) TokenRole(token string) (Role, bool, error) {
	ti, ok, err := s.Identify(token)
	return ti.Role, ok, err
}

// Tokens lists the tokens, sorted by name, without their secrets.
func (s *Store) Tokens() ([]TokenInfo, error) {
	rows, err := s.db.Query(`SELECT name, role, created FROM tokens ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	out := []TokenInfo{}
	for rows.Next() {
		var ti TokenInfo
		var created int64
		if err := rows.Scan(&ti.Name, &ti.Role, &created); err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		ti.Created = time.Unix(0, created).UTC()
		out = append(out, ti)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return out, nil
}

// RevokeToken deletes the named token: its secret stops working at once.
// An unknown name fails with ErrNotFound.
func (s *Store) RevokeToken(name string) error {
	res, err := s.db.Exec(`DELETE FROM tokens WHERE name = ?`, name)
	if err != nil {
		return fmt.Errorf("revoke token %s: %w", name, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("revoke token %s: %w", name, err)
	} else if n == 0 {
		return fmt.Errorf("revoke token %s: %w", name, ErrNotFound)
	}
	return nil
}
