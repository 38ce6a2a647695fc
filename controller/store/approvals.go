package store

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// Approval records that a route learned from a site may be propagated
// through a transit.
type Approval struct {
	Transit string       `json:"transit"`
	Site    string       `json:"site"`
	Prefix  netip.Prefix `json:"prefix"`
	By      string       `json:"by"` // who approved it: a token's name
	At      time.Time    `json:"at"`
}

// checkApproval validates the key of an approval.
func checkApproval(op, transit, site string, prefix netip.Prefix) error {
	switch {
	case transit == "" || site == "":
		return fmt.Errorf("%s %s from %s via %s: %w: empty transit or site", op, prefix, site, transit, ErrInvalid)
	case !prefix.IsValid():
		return fmt.Errorf("%s route from %s via %s: %w: invalid prefix", op, site, transit, ErrInvalid)
	case prefix != prefix.Masked():
		return fmt.Errorf("%s %s from %s via %s: %w: host bits set (want %s)", op, prefix, site, transit, ErrInvalid, prefix.Masked())
	}
	return nil
}

// Approve records that transit may propagate prefix learned from site,
// approved by by. It reports false, changing nothing, when that route is
// approved already. The prefix must be canonical (no host bits set).
func (s *Store) Approve(transit, site string, prefix netip.Prefix, by string) (bool, error) {
	if err := checkApproval("approve", transit, site, prefix); err != nil {
		return false, err
	}
	res, err := s.db.Exec(`INSERT INTO approvals (transit, site, prefix, by, at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (transit, site, prefix) DO NOTHING`, transit, site, prefix.String(), by, s.now().UnixNano())
	if err != nil {
		return false, fmt.Errorf("approve %s from %s via %s: %w", prefix, site, transit, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("approve %s from %s via %s: %w", prefix, site, transit, err)
	}
	return n == 1, nil
}

// Unapprove withdraws an approval; it reports false when there was none.
func (s *Store) Unapprove(transit, site string, prefix netip.Prefix) (bool, error) {
	if err := checkApproval("unapprove", transit, site, prefix); err != nil {
		return false, err
	}
	res, err := s.db.Exec(`DELETE FROM approvals WHERE transit = ? AND site = ? AND prefix = ?`, transit, site, prefix.String())
	if err != nil {
		return false, fmt.Errorf("unapprove %s from %s via %s: %w", prefix, site, transit, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("unapprove %s from %s via %s: %w", prefix, site, transit, err)
	}
	return n == 1, nil
}

// Approvals lists the routes approved for transit ("" for every transit),
// sorted by transit, site, then prefix (address, then length).
func (s *Store) Approvals(transit string) ([]Approval, error) {
	rows, err := s.db.Query(`SELECT transit, site, prefix, by, at FROM approvals WHERE ?1 = '' OR transit = ?1`, transit)
	if err != nil {
		return nil, fmt.Errorf("list approvals of %q: %w", transit, err)
	}
	defer rows.Close()
	out := []Approval{}
	for rows.Next() {
		var a Approval
		var p string
		var at int64
		if err := rows.Scan(&a.Transit, &a.Site, &p, &a.By, &at); err != nil {
			return nil, fmt.Errorf("list approvals of %q: %w", transit, err)
		}
		if a.Prefix, err = netip.ParsePrefix(p); err != nil {
			return nil, fmt.Errorf("list approvals of %q: stored prefix: %w", transit, err)
		}
		a.At = time.Unix(0, at).UTC()
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list approvals of %q: %w", transit, err)
	}
	slices.SortFunc(out, func(a, b Approval) int {
		if c := strings.Compare(a.Transit, b.Transit); c != 0 {
			return c
		}
		if c := strings.Compare(a.Site, b.Site); c != 0 {
			return c
		}
		return a.Prefix.Compare(b.Prefix)
	})
	return out, nil
}
