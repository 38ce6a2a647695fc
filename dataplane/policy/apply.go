package policy

import (
	"fmt"

	"github.com/google/nftables"
)

// Conn is the nftables calls the package makes; *nftables.Conn implements
// it, and so does Fake. Add and Del calls queue into a batch that Flush
// sends as one transaction; the Get and List calls read the kernel at once.
type Conn interface {
	AddTable(*nftables.Table) *nftables.Table
	DelTable(*nftables.Table)
	AddChain(*nftables.Chain) *nftables.Chain
	AddRule(*nftables.Rule) *nftables.Rule
	AddSet(*nftables.Set, []nftables.SetElement) error
	FlushSet(*nftables.Set)
	SetAddElements(*nftables.Set, []nftables.SetElement) error
	AddObj(nftables.Obj) nftables.Obj
	Flush() error

	ListTablesOfFamily(nftables.TableFamily) ([]*nftables.Table, error)
	ListChainsOfTableFamily(nftables.TableFamily) ([]*nftables.Chain, error)
	GetRules(*nftables.Table, *nftables.Chain) ([]*nftables.Rule, error)
	GetSets(*nftables.Table) ([]*nftables.Set, error)
	GetSetElements(*nftables.Set) ([]nftables.SetElement, error)
	GetObjects(*nftables.Table) ([]nftables.Obj, error)
}

var _ Conn = (*nftables.Conn)(nil)

// Apply replaces each table (by family and name) with its description, all
// in one transaction: either every table is replaced or none is. The named
// counters that a table had before keep their values. An invalid
// description changes nothing.
func Apply(c Conn, tables ...Table) error {
	var cs []*compiled
	for _, t := range tables {
		ct, err := compile(t)
		if err != nil {
			return fmt.Errorf("policy: %w", err)
		}
		cs = append(cs, ct)
	}
	for _, ct := range cs {
		var old map[string]*nftables.CounterObj
		if len(ct.counters) > 0 {
			old, _ = counters(c, ct.table) // none when the table does not exist yet
		}
		// Add then delete: deleting a table that does not exist would fail
		// the whole batch.
		c.AddTable(ct.table)
		c.DelTable(ct.table)
		c.AddTable(ct.table)
		for i, s := range ct.sets {
			if err := c.AddSet(s, ct.elems[i]); err != nil {
				return fmt.Errorf("policy: table %s set %s: %w", ct.table.Name, s.Name, err)
			}
		}
		for _, co := range ct.counters {
			if prev, ok := old[co.Name]; ok {
				co.Packets, co.Bytes = prev.Packets, prev.Bytes
			}
			c.AddObj(co)
		}
		for _, ch := range ct.chains {
			c.AddChain(ch)
		}
		for _, r := range ct.rules {
			c.AddRule(r)
		}
	}
	if err := c.Flush(); err != nil {
		return fmt.Errorf("policy: replace tables %s: %w", names(tables), err)
	}
	return nil
}

// Delete removes the tables (by family and name) in one transaction; a
// table that does not exist is no error.
func Delete(c Conn, tables ...Table) error {
	for _, t := range tables {
		nt := &nftables.Table{Family: t.Family.table(), Name: t.Name}
		c.AddTable(nt)
		c.DelTable(nt)
	}
	if err := c.Flush(); err != nil {
		return fmt.Errorf("policy: delete tables %s: %w", names(tables), err)
	}
	return nil
}

// UpdateSet replaces the elements of set s of table t (by family and name)
// in one transaction, leaving its rules alone: how addresses learned at
// run time (an FQDN's answers, a threat feed) reach a policy in place.
func UpdateSet(c Conn, t Table, s Set) error {
	nt := &nftables.Table{Family: t.Family.table(), Name: t.Name}
	ns, elems, err := compileSet(nt, t.Family, s)
	if err != nil {
		return fmt.Errorf("policy: table %s: %w", t.Name, err)
	}
	c.FlushSet(ns)
	if len(elems) > 0 {
		if err := c.SetAddElements(ns, elems); err != nil {
			return fmt.Errorf("policy: table %s set %s: %w", t.Name, s.Name, err)
		}
	}
	if err := c.Flush(); err != nil {
		return fmt.Errorf("policy: update table %s set %s: %w", t.Name, s.Name, err)
	}
	return nil
}

// Count is a counter's value.
type Count struct{ Packets, Bytes uint64 }

// Counters reads the named counters of table t (by family and name); an
// error when the table does not exist.
func Counters(c Conn, t Table) (map[string]Count, error) {
	objs, err := counters(c, &nftables.Table{Family: t.Family.table(), Name: t.Name})
	if err != nil {
		return nil, fmt.Errorf("policy: read counters of table %s: %w", t.Name, err)
	}
	out := make(map[string]Count, len(objs))
	for name, co := range objs {
		out[name] = Count{co.Packets, co.Bytes}
	}
	return out, nil
}

func counters(c Conn, t *nftables.Table) (map[string]*nftables.CounterObj, error) {
	objs, err := c.GetObjects(t)
	if err != nil {
		return nil, err
	}
	out := map[string]*nftables.CounterObj{}
	for _, o := range objs {
		if co, ok := o.(*nftables.CounterObj); ok {
			out[co.Name] = co
		}
	}
	return out, nil
}

func names(tables []Table) string {
	var errs []string
	for _, t := range tables {
		errs = append(errs, t.Family.String()+" "+t.Name)
	}
	return fmt.Sprint(errs)
}
