package policy

import (
	"fmt"

	"github.com/google/nftables"
)

// Dump reads the tables (by family and name) through c and renders them as
// Fake.String does, so that a test compares what the kernel holds with what
// the fake recorded; a table that does not exist renders as nothing.
func Dump(c Conn, tables ...Table) (string, error) {
	var states []*tableState
	for _, t := range tables {
		ts, err := readTable(c, t.Family.table(), t.Name)
		if err != nil {
			return "", fmt.Errorf("policy: dump table %s %s: %w", t.Family, t.Name, err)
		}
		if ts != nil {
			states = append(states, ts)
		}
	}
	return renderTables(states), nil
}

// readTable reads one table whole; nil when it does not exist.
func readTable(c Conn, fam nftables.TableFamily, name string) (*tableState, error) {
	tables, err := c.ListTablesOfFamily(fam)
	if err != nil {
		return nil, err
	}
	var t *nftables.Table
	for _, x := range tables {
		if x.Name == name {
			t = x
		}
	}
	if t == nil {
		return nil, nil
	}
	ts := &tableState{table: t}
	chains, err := c.ListChainsOfTableFamily(fam)
	if err != nil {
		return nil, err
	}
	for _, ch := range chains {
		if ch.Table.Name != name {
			continue
		}
		rules, err := c.GetRules(t, ch)
		if err != nil {
			return nil, fmt.Errorf("chain %s: %w", ch.Name, err)
		}
		ts.chains = append(ts.chains, chainState{chain: ch, rules: rules})
	}
	sets, err := c.GetSets(t)
	if err != nil {
		return nil, err
	}
	for _, s := range sets {
		elems, err := c.GetSetElements(s)
		if err != nil {
			return nil, fmt.Errorf("set %s: %w", s.Name, err)
		}
		ts.sets = append(ts.sets, setState{set: s, elems: elems})
	}
	if ts.objs, err = c.GetObjects(t); err != nil {
		return nil, err
	}
	return ts, nil
}
