package model

import (
	"maps"
	"strings"

	"github.com/mcnlab/mcnlab/internal/handle"
)

// Names, scopes and handles. Every object has, besides its ID and region,
// a scope (the resource group, project or compartment it lives in; empty
// for AWS), a name (the one its provider addresses it by; empty for AWS,
// whose Name tag is only a tag) and a handle: a short string from which
// the realizer names the object's kernel objects, so that nothing parses
// provider IDs. The model keeps them in the object's owner record, indexes
// handles (unique in the cloud) and, for a profile with unique names,
// names by (account, scope, kind, name).

// Meta is what an object carries besides its own fields; the model fills
// it in the copies it hands out, and keeps it in its owner records (it is
// not stored with the object).
type Meta struct {
	Scope  string // its resource group, project or compartment; empty for AWS
	Name   string // the name its provider addresses it by; empty for AWS
	Handle string // names its kernel objects (internal/handle)
	// Attrs are provider attributes the model keeps for a front-end but
	// does not interpret (a GCP network's description and routing mode):
	// they are saved and restored with the object (SetAttrs).
	Attrs map[string]string `json:",omitempty"`
}

// nameKey is what a name is unique within, for a profile with unique names.
type nameKey struct {
	account, scope string
	kind           Kind
	name           string
}

// nameKeyLocked is the index key of a name: scope and name folded to
// lower case for a profile that says names are case-insensitive.
func (c *Cloud) nameKeyLocked(account, scope string, kind Kind, name string) nameKey {
	if a, ok := c.accounts[account]; ok {
		if p, err := profileOf(a.Provider); err == nil && p.FoldNameCase {
			scope, name = strings.ToLower(scope), strings.ToLower(name)
		}
	}
	return nameKey{account, scope, kind, name}
}

// defaultHash is how the model derives a handle from an ID; tests swap it
// (Cloud.hash) to force collisions.
var defaultHash = handle.Of

// metaLocked returns the scope, name and handle of an object.
func (c *Cloud) metaLocked(id string) Meta {
	o := c.owners[id]
	return Meta{Scope: o.scope, Name: o.name, Handle: o.handle, Attrs: maps.Clone(o.attrs)}
}

// SetAttrs sets provider attributes of an object (Meta.Attrs); an empty
// value removes one. The model does not interpret them.
func (c *Cloud) SetAttrs(account, id string, attrs map[string]string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	o, ok := c.owners[id]
	if !ok || o.account != account {
		return notFound(KindObject, id)
	}
	for k, v := range attrs {
		if v == "" {
			delete(o.attrs, k)
			continue
		}
		if o.attrs == nil {
			o.attrs = map[string]string{}
		}
		o.attrs[k] = v
	}
	c.owners[id] = o
	c.emitLocked(o.kind, OpUpdate, id, account)
	return nil
}

// checkNameLocked checks that a name is free where the account's profile
// makes names unique.
// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/resource-name-rules — a resource name is unique in its resource group and type
func (c *Cloud) checkNameLocked(p *Profile, account string, kind Kind, at Place) error {
	if !p.UniqueNames || at.Name == "" {
		return nil
	}
	if id, taken := c.names[c.nameKeyLocked(account, at.Scope, kind, at.Name)]; taken {
		return errf(CodeAlreadyExists, kind, at.Name, "a %s named '%s' already exists in scope '%s': %s", kind, at.Name, at.Scope, id)
	}
	return nil
}

// indexLocked records an object's handle and, for a profile with unique
// names, its name.
func (c *Cloud) indexLocked(id string, o owner) {
	if _, taken := c.handleIDs[o.handle]; !taken {
		c.handleIDs[o.handle] = id
	}
	if o.name != "" {
		if p, err := profileOf(c.accounts[o.account].Provider); err == nil && p.UniqueNames {
			c.names[c.nameKeyLocked(o.account, o.scope, o.kind, o.name)] = id
		}
	}
}

// unindexLocked drops what indexLocked recorded.
func (c *Cloud) unindexLocked(id string, o owner) {
	if c.handleIDs[o.handle] == id {
		delete(c.handleIDs, o.handle)
	}
	k := c.nameKeyLocked(o.account, o.scope, o.kind, o.name)
	if c.names[k] == id {
		delete(c.names, k)
	}
}

// ByName returns the ID of the account's object of the given kind with the
// given name in the given scope. Only a profile with unique names
// (Profile.UniqueNames) indexes names; for another (AWS) it finds nothing.
func (c *Cloud) ByName(account, scope string, kind Kind, name string) (string, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	id, ok := c.names[c.nameKeyLocked(account, scope, kind, name)]
	if !ok {
		return "", errf(CodeNotFound, kind, name, "the %s named '%s' does not exist in scope '%s'", kind, name, scope)
	}
	return id, nil
}

// Handle returns the handle of an object of any kind and account: the
// short string that names its kernel objects.
func (c *Cloud) Handle(id string) (string, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	o, ok := c.owners[id]
	return o.handle, ok
}

// ByHandle returns the ID of the object with the given handle.
func (c *Cloud) ByHandle(h string) (string, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	id, ok := c.handleIDs[h]
	return id, ok
}
