package realize

import (
	"fmt"

	"github.com/google/nftables"

	"github.com/mcnlab/mcnlab/dataplane/policy"
)

// tableName is the one nftables table (per family) the realizer owns in
// each namespace.
const tableName = "mcn"

// ruleset is the whole content of the realizer's tables in one namespace,
// built with dataplane/policy and replaced atomically; an empty ruleset
// removes the realizer's IPv4 table.
type ruleset struct {
	tables []policy.Table
}

// apply replaces the realizer's tables in the namespace whose handle is fd
// with rs, in one transaction.
func (rs *ruleset) apply(fd int) error { return applyTables(fd, rs) }

// applyTables replaces the realizer's tables of each ruleset in the
// namespace whose handle is fd, all in one transaction; an empty ruleset
// removes the IPv4 table.
func applyTables(fd int, rss ...*ruleset) error {
	c, err := nftables.New(nftables.WithNetNSFd(fd))
	if err != nil {
		return fmt.Errorf("nftables: %w", err)
	}
	return applyOn(c, rss...)
}

// applyOn is applyTables on any policy connection (the kernel's, or a
// policy.Fake in tests).
func applyOn(c policy.Conn, rss ...*ruleset) error {
	var tables []policy.Table
	remove := false
	for _, rs := range rss {
		if len(rs.tables) == 0 {
			remove = true
		}
		tables = append(tables, rs.tables...)
	}
	if remove {
		if err := policy.Delete(c, policy.Table{Family: policy.FamilyIPv4, Name: tableName}); err != nil {
			return fmt.Errorf("nftables: remove table %s: %w", tableName, err)
		}
	}
	if len(tables) == 0 {
		return nil
	}
	if err := policy.Apply(c, tables...); err != nil {
		return fmt.Errorf("nftables: replace table %s: %w", tableName, err)
	}
	return nil
}
