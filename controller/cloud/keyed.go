package cloud

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// This file holds what the providers share to hold observed objects by
// key and to plan calls on them: the tags that carry a key and an owner,
// a map of objects by key with duplicates set apart, and the op that Plan
// prints and Apply runs.

// TagKey is the tag (on AWS; on Azure the tag of the same name) that
// holds an object's key.
const TagKey = "mcnlab:key"

// TagOwner is the tag that names the lab or deployment owning an object.
const TagOwner = "mcnlab:owner"

// Keyed is an observed object: its key ("" when it has none) and its ID
// in the provider's terms.
type Keyed interface{ KeyID() (key, id string) }

// Object is the key and ID every observed object has; providers embed it.
type Object struct{ Key, ID string }

// KeyID returns the object's key and ID.
func (o *Object) KeyID() (string, string) { return o.Key, o.ID }

// Name is how calls and errors name the object: its key, or its ID when
// it has no key.
func (o *Object) Name() string {
	if o.Key == "" {
		return o.ID
	}
	return o.Key
}

// Index maps objects by key, sorted by ID so that which of two duplicates
// keeps the key is stable. An object whose key another already holds (a
// duplicate) or that has no key is under key+"\x00"+ID, which no desired
// object matches, so a plan deletes it.
func Index[T Keyed](objs []T) map[string]T {
	slices.SortFunc(objs, func(a, b T) int {
		_, ia := a.KeyID()
		_, ib := b.KeyID()
		return strings.Compare(ia, ib)
	})
	m := make(map[string]T, len(objs))
	for _, o := range objs {
		k, id := o.KeyID()
		if _, dup := m[k]; dup || k == "" {
			k += "\x00" + id
		}
		m[k] = o
	}
	return m
}

// KeyByID returns the key under which m holds the object with the given
// ID, or "".
func KeyByID[T Keyed](m map[string]T, id string) string {
	for k, o := range m {
		if _, oid := o.KeyID(); oid == id {
			return k
		}
	}
	return ""
}

// KeyIDs maps the key of each object in m that holds its own key (not a
// duplicate's, nor a keyless one's) to the object's ID.
func KeyIDs[T Keyed](m map[string]T) map[string]string {
	out := map[string]string{}
	for k, o := range m {
		if key, id := o.KeyID(); k == key {
			out[k] = id
		}
	}
	return out
}

// Ref names an object in a plan: its ID if it exists and stays, else its
// key in angle brackets.
func Ref[T Keyed](m map[string]T, gone Gone, key string) string {
	if Keeps(m, gone, key) {
		_, id := m[key].KeyID()
		return id
	}
	return "<" + key + ">"
}

// IDOf looks an object's ID up when an op runs.
func IDOf[T Keyed](m map[string]T, kind, key string) (string, error) {
	if o, ok := m[key]; ok {
		_, id := o.KeyID()
		return id, nil
	}
	return "", ErrNotExist(kind, key)
}

// Drop removes an object from m after its deletion, unless a new object
// has taken its key since.
func Drop[T comparable](m map[string]T, key string, o T) {
	if m[key] == o {
		delete(m, key)
	}
}

// ErrNotExist is the error of an op whose object an earlier op should
// have made.
func ErrNotExist(kind, key string) error { return fmt.Errorf("%s %s does not exist", kind, key) }

// ComparePrefix orders prefixes by address, then length, for stable plans.
func ComparePrefix(a, b netip.Prefix) int {
	if c := a.Addr().Compare(b.Addr()); c != 0 {
		return c
	}
	return a.Bits() - b.Bits()
}

// Op is one API call of a plan: how plan prints it, how an error names
// it, and how Apply makes it. Run looks up the IDs it needs when it runs,
// so that it sees objects created by earlier ops, and records what it
// created or deleted.
type Op struct {
	Call Call
	What string // "create subnet prod-vpc/app"
	// Phase orders ops: RunOps makes a phase's ops only after every op of
	// the phases before it (Phased numbers them).
	Phase int
	// Chain names the ops of a phase that run one after another, in
	// order; "" is the op's object (Call.Object). Ops on an object that
	// depends on another in the same phase (an instance's further
	// interface on the instance) name the other's chain.
	Chain string
	Run   func(ctx context.Context) error
}

// chain is the chain the op runs in.
func (o *Op) chain() string {
	if o.Chain != "" {
		return o.Chain
	}
	return o.Call.Object
}

// Phased holds a plan's ops by phase; Ops returns them in phase order.
type Phased [][]Op

// NewPhased returns a plan of n phases.
func NewPhased(n int) Phased { return make(Phased, n) }

// Add appends an op to a phase.
func (p Phased) Add(ph int, c Call, what string, run func(context.Context) error) {
	p.AddChained(ph, "", c, what, run)
}

// AddChained appends an op to a phase that runs in chain (Op.Chain).
func (p Phased) AddChained(ph int, chain string, c Call, what string, run func(context.Context) error) {
	p[ph] = append(p[ph], Op{Call: c, What: what, Phase: ph, Chain: chain, Run: run})
}

// Ops returns the ops in phase order.
func (p Phased) Ops() []Op {
	var out []Op
	for _, ops := range p {
		out = append(out, ops...)
	}
	return out
}

// Calls returns the calls of ops, as Plan returns them.
func Calls(ops []Op) []Call {
	calls := make([]Call, 0, len(ops))
	for _, o := range ops {
		calls = append(calls, o.Call)
	}
	return calls
}
