package policy

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
)

// Fake is a Conn that keeps, instead of the kernel, the tables a batch
// would leave, with the kernel's transaction rules: a batch applies whole
// or not at all, deleting a table that does not exist fails it, and a
// chain, rule, set or counter must go into a table (and a rule into a
// chain) that exists at that point of the batch, referring only to sets,
// counters and chains that exist too. String renders the state as text.
// It is safe for concurrent use.
type Fake struct {
	mu      sync.Mutex // guards the fields below
	tables  []*tableState
	pending []func([]*tableState) ([]*tableState, error)
	// FailFlush, when set, makes the next Flush fail with it (and drop
	// its batch), as a kernel refusing the batch would.
	FailFlush error
	flushes   int
}

var _ Conn = (*Fake)(nil)

// NewFake returns a Fake with no tables.
func NewFake() *Fake { return &Fake{} }

// String renders every table, sorted by family and name, as nft lists
// them (see Dump); "" when there is none.
func (f *Fake) String() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return renderTables(f.tables)
}

// Flushes counts the batches sent, committed or not.
func (f *Fake) Flushes() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.flushes
}

// SetCounter sets a counter's value, as traffic would; false when the
// table or counter does not exist.
func (f *Fake) SetCounter(t Table, name string, c Count) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	ts := findTable(f.tables, t.Family.table(), t.Name)
	if ts == nil {
		return false
	}
	for _, o := range ts.objs {
		if co, ok := o.(*nftables.CounterObj); ok && co.Name == name {
			co.Packets, co.Bytes = c.Packets, c.Bytes
			return true
		}
	}
	return false
}

func renderTables(tables []*tableState) string {
	ts := slices.Clone(tables)
	slices.SortFunc(ts, func(a, b *tableState) int {
		if a.table.Family != b.table.Family {
			return int(a.table.Family) - int(b.table.Family)
		}
		return strings.Compare(a.table.Name, b.table.Name)
	})
	var b strings.Builder
	for _, t := range ts {
		t.render(&b)
	}
	return b.String()
}

func findTable(tables []*tableState, fam nftables.TableFamily, name string) *tableState {
	for _, t := range tables {
		if t.table.Family == fam && t.table.Name == name {
			return t
		}
	}
	return nil
}

// queue adds one step of the batch; it works on the table the call names.
func (f *Fake) queue(t *nftables.Table, what string, step func(ts *tableState) error) {
	fam, name := t.Family, t.Name
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pending = append(f.pending, func(tables []*tableState) ([]*tableState, error) {
		ts := findTable(tables, fam, name)
		if ts == nil {
			return nil, fmt.Errorf("%s: table %s %s: no such file or directory", what, familyNames[fam], name)
		}
		return tables, step(ts)
	})
}

// AddTable queues the table's creation; an existing table stays as it is.
func (f *Fake) AddTable(t *nftables.Table) *nftables.Table {
	fam, name := t.Family, t.Name
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pending = append(f.pending, func(tables []*tableState) ([]*tableState, error) {
		if findTable(tables, fam, name) == nil {
			tables = append(tables, &tableState{table: &nftables.Table{Family: fam, Name: name}})
		}
		return tables, nil
	})
	return t
}

// DelTable queues the table's deletion, which fails the batch when the
// table does not exist.
func (f *Fake) DelTable(t *nftables.Table) {
	fam, name := t.Family, t.Name
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pending = append(f.pending, func(tables []*tableState) ([]*tableState, error) {
		i := slices.IndexFunc(tables, func(x *tableState) bool { return x.table.Family == fam && x.table.Name == name })
		if i < 0 {
			return nil, fmt.Errorf("delete table %s %s: no such file or directory", familyNames[fam], name)
		}
		return slices.Delete(tables, i, i+1), nil
	})
}

// AddChain queues a chain; adding an existing chain keeps it.
func (f *Fake) AddChain(c *nftables.Chain) *nftables.Chain {
	ch := *c
	f.queue(c.Table, "add chain "+c.Name, func(ts *tableState) error {
		if !slices.ContainsFunc(ts.chains, func(x chainState) bool { return x.chain.Name == ch.Name }) {
			ts.chains = append(ts.chains, chainState{chain: &ch})
		}
		return nil
	})
	return c
}

// AddRule queues a rule at the end of its chain.
func (f *Fake) AddRule(r *nftables.Rule) *nftables.Rule {
	rule := &nftables.Rule{Table: r.Table, Chain: r.Chain, Exprs: slices.Clone(r.Exprs)}
	f.queue(r.Table, "add rule in chain "+r.Chain.Name, func(ts *tableState) error {
		i := slices.IndexFunc(ts.chains, func(x chainState) bool { return x.chain.Name == rule.Chain.Name })
		if i < 0 {
			return fmt.Errorf("add rule: chain %s: no such file or directory", rule.Chain.Name)
		}
		if err := ts.checkRefs(rule.Exprs); err != nil {
			return fmt.Errorf("add rule in chain %s: %w", rule.Chain.Name, err)
		}
		ts.chains[i].rules = append(ts.chains[i].rules, rule)
		return nil
	})
	return r
}

// checkRefs fails when exprs refer to a set, counter or chain that ts
// lacks.
func (ts *tableState) checkRefs(exprs []expr.Any) error {
	for _, e := range exprs {
		switch e := e.(type) {
		case *expr.Lookup:
			if ts.set(e.SetName) == nil {
				return fmt.Errorf("set %s: no such file or directory", e.SetName)
			}
		case *expr.Objref:
			if !slices.ContainsFunc(ts.objs, func(o nftables.Obj) bool { co, ok := o.(*nftables.CounterObj); return ok && co.Name == e.Name }) {
				return fmt.Errorf("counter %s: no such file or directory", e.Name)
			}
		case *expr.Verdict:
			if (e.Kind == expr.VerdictJump || e.Kind == expr.VerdictGoto) &&
				!slices.ContainsFunc(ts.chains, func(x chainState) bool { return x.chain.Name == e.Chain }) {
				return fmt.Errorf("chain %s: no such file or directory", e.Chain)
			}
		}
	}
	return nil
}

func (ts *tableState) set(name string) *setState {
	i := slices.IndexFunc(ts.sets, func(s setState) bool { return s.set.Name == name })
	if i < 0 {
		return nil
	}
	return &ts.sets[i]
}

// AddSet queues a set with its elements.
func (f *Fake) AddSet(s *nftables.Set, elems []nftables.SetElement) error {
	set := *s
	elems = slices.Clone(elems)
	f.queue(s.Table, "add set "+s.Name, func(ts *tableState) error {
		if ts.set(set.Name) != nil {
			return fmt.Errorf("add set %s: file exists", set.Name)
		}
		ts.sets = append(ts.sets, setState{set: &set, elems: elems})
		return nil
	})
	return nil
}

// FlushSet queues the removal of a set's elements.
func (f *Fake) FlushSet(s *nftables.Set) {
	name := s.Name
	f.queue(s.Table, "flush set "+name, func(ts *tableState) error {
		ss := ts.set(name)
		if ss == nil {
			return fmt.Errorf("flush set %s: no such file or directory", name)
		}
		ss.elems = nil
		return nil
	})
}

// SetAddElements queues elements for a set.
func (f *Fake) SetAddElements(s *nftables.Set, elems []nftables.SetElement) error {
	name := s.Name
	elems = slices.Clone(elems)
	f.queue(s.Table, "add elements to set "+name, func(ts *tableState) error {
		ss := ts.set(name)
		if ss == nil {
			return fmt.Errorf("add elements to set %s: no such file or directory", name)
		}
		ss.elems = append(ss.elems, elems...)
		return nil
	})
	return nil
}

// AddObj queues a counter object; another kind of object fails the batch.
func (f *Fake) AddObj(o nftables.Obj) nftables.Obj {
	co, ok := o.(*nftables.CounterObj)
	if !ok {
		f.mu.Lock()
		f.pending = append(f.pending, func([]*tableState) ([]*tableState, error) {
			return nil, fmt.Errorf("fake: object %T not supported", o)
		})
		f.mu.Unlock()
		return o
	}
	c := *co
	f.queue(co.Table, "add counter "+co.Name, func(ts *tableState) error {
		if slices.ContainsFunc(ts.objs, func(o nftables.Obj) bool { x, ok := o.(*nftables.CounterObj); return ok && x.Name == c.Name }) {
			return nil
		}
		ts.objs = append(ts.objs, &c)
		return nil
	})
	return o
}

// Flush applies the batch to a copy of the state and keeps the copy only
// when every step succeeded.
func (f *Fake) Flush() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.flushes++
	pending := f.pending
	f.pending = nil
	if err := f.FailFlush; err != nil {
		f.FailFlush = nil
		return err
	}
	tables := cloneTables(f.tables)
	for _, step := range pending {
		var err error
		if tables, err = step(tables); err != nil {
			return err
		}
	}
	f.tables = tables
	return nil
}

func cloneTables(tables []*tableState) []*tableState {
	var out []*tableState
	for _, t := range tables {
		c := &tableState{table: t.table, chains: slices.Clone(t.chains)}
		for i := range c.chains {
			c.chains[i].rules = slices.Clone(c.chains[i].rules)
		}
		for _, s := range t.sets {
			c.sets = append(c.sets, setState{set: s.set, elems: slices.Clone(s.elems)})
		}
		for _, o := range t.objs {
			if co, ok := o.(*nftables.CounterObj); ok {
				cc := *co
				o = &cc
			}
			c.objs = append(c.objs, o)
		}
		out = append(out, c)
	}
	return out
}

// errNoTable is what the readers answer for a table that does not exist.
var errNoTable = errors.New("no such file or directory")

// ListTablesOfFamily lists the committed tables of fam.
func (f *Fake) ListTablesOfFamily(fam nftables.TableFamily) ([]*nftables.Table, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*nftables.Table
	for _, t := range f.tables {
		if t.table.Family == fam {
			out = append(out, t.table)
		}
	}
	return out, nil
}

// ListChainsOfTableFamily lists the committed chains of fam's tables.
func (f *Fake) ListChainsOfTableFamily(fam nftables.TableFamily) ([]*nftables.Chain, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*nftables.Chain
	for _, t := range f.tables {
		if t.table.Family == fam {
			for _, c := range t.chains {
				ch := *c.chain
				ch.Table = t.table
				out = append(out, &ch)
			}
		}
	}
	return out, nil
}

// GetRules lists a committed chain's rules.
func (f *Fake) GetRules(t *nftables.Table, c *nftables.Chain) ([]*nftables.Rule, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ts := findTable(f.tables, t.Family, t.Name)
	if ts == nil {
		return nil, fmt.Errorf("get rules of table %s: %w", t.Name, errNoTable)
	}
	for _, cs := range ts.chains {
		if cs.chain.Name == c.Name {
			return slices.Clone(cs.rules), nil
		}
	}
	return nil, fmt.Errorf("get rules of chain %s: %w", c.Name, errNoTable)
}

// GetSets lists a committed table's sets.
func (f *Fake) GetSets(t *nftables.Table) ([]*nftables.Set, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ts := findTable(f.tables, t.Family, t.Name)
	if ts == nil {
		return nil, fmt.Errorf("get sets of table %s: %w", t.Name, errNoTable)
	}
	var out []*nftables.Set
	for _, s := range ts.sets {
		out = append(out, s.set)
	}
	return out, nil
}

// GetSetElements lists a committed set's elements.
func (f *Fake) GetSetElements(s *nftables.Set) ([]nftables.SetElement, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ts := findTable(f.tables, s.Table.Family, s.Table.Name)
	if ts == nil || ts.set(s.Name) == nil {
		return nil, fmt.Errorf("get elements of set %s: %w", s.Name, errNoTable)
	}
	return slices.Clone(ts.set(s.Name).elems), nil
}

// GetObjects lists a committed table's counters, with their values.
func (f *Fake) GetObjects(t *nftables.Table) ([]nftables.Obj, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ts := findTable(f.tables, t.Family, t.Name)
	if ts == nil {
		return nil, fmt.Errorf("get objects of table %s: %w", t.Name, errNoTable)
	}
	var out []nftables.Obj
	for _, o := range ts.objs {
		if co, ok := o.(*nftables.CounterObj); ok {
			c := *co
			out = append(out, &c)
		}
	}
	return out, nil
}
