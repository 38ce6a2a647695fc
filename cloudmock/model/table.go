package model

import (
	"errors"
	"fmt"
	"maps"
	"slices"
)

// ref is what the model's bookkeeping needs to know of an object: its
// kind, its ID and the account that owns it.
type ref struct {
	kind    Kind
	id      string
	account string
}

// record is what a table needs of its kind's objects, implemented by the
// kind's pointer type: ref names the object, and copy returns the value
// handed to callers (a deep copy with its tags and derived fields), with
// the Cloud's lock held.
type record[T any] interface {
	*T
	ref() ref
	copy(c *Cloud) T
}

// table holds the objects of one kind by ID: the one place where the
// model's per-kind bookkeeping (lookup by owner, sorted listing, copies,
// snapshots) lives, so that a new kind is its type, its ref and copy
// methods, and one table field in Cloud. It is a map, so a kind's code
// ranges over it, indexes it and deletes from it as from one. Every
// method expects the Cloud's lock held.
type table[T any, P record[T]] map[string]P

// put adds or replaces an object under its ID.
func (t table[T, P]) put(o P) { t[o.ref().id] = o }

// get returns the object with the given ID if the account owns it, or the
// kind's not-found error.
func (t table[T, P]) get(account, id string) (P, error) {
	o, ok := t[id]
	if !ok || o.ref().account != account {
		return nil, notFound(kindOf[T, P](), id)
	}
	return o, nil
}

// one returns a copy of the object with the given ID if the account owns
// it.
func (t table[T, P]) one(c *Cloud, account, id string) (T, error) {
	o, err := t.get(account, id)
	if err != nil {
		var zero T
		return zero, err
	}
	return o.copy(c), nil
}

// list returns copies of the account's objects, sorted by ID.
func (t table[T, P]) list(c *Cloud, account string) []T {
	return t.listWhere(c, func(o P) bool { return o.ref().account == account })
}

// listWhere returns copies of the objects that keep accepts, sorted by ID.
func (t table[T, P]) listWhere(c *Cloud, keep func(P) bool) []T {
	out := make([]T, 0, len(t))
	for _, o := range t.sorted() {
		if keep(o) {
			out = append(out, o.copy(c))
		}
	}
	return out
}

// count returns how many objects keep accepts.
func (t table[T, P]) count(keep func(P) bool) int {
	n := 0
	for _, o := range t {
		if keep(o) {
			n++
		}
	}
	return n
}

// sorted returns the objects themselves (not copies), sorted by ID: what
// a snapshot stores, so that two snapshots of one model are the same
// bytes.
func (t table[T, P]) sorted() []P {
	out := make([]P, 0, len(t))
	for _, k := range slices.Sorted(maps.Keys(t)) {
		out = append(out, t[k])
	}
	return out
}

// load puts restored objects into an empty table, refusing one without an
// ID or an ID that appears twice.
func (t table[T, P]) load(objs []P) error {
	for _, o := range objs {
		if o == nil || o.ref().id == "" {
			return errors.New("restore cloud: an object without an ID")
		}
		id := o.ref().id
		if _, dup := t[id]; dup {
			return fmt.Errorf("restore cloud: the ID %s appears twice", id)
		}
		t[id] = o
	}
	return nil
}

// kindOf is the kind of a table's objects, read from a zero object.
func kindOf[T any, P record[T]]() Kind {
	var zero T
	return P(&zero).ref().kind
}
