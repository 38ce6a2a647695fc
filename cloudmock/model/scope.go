package model

import (
	"maps"
	"slices"
)

// Scope is a scope that is an object of its own, with an ID, a region and
// tags: an Azure resource group. Its objects name it as their Place.Scope
// (by its Name). It lives only in its owner record and tags; there is no
// table of scopes.
// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/manage-resource-groups-portal — a resource group has a location, which stores its metadata; its resources may be in other regions
type Scope struct {
	ID      string
	Account string
	Region  string
	Name    string
	Tags    map[string]string
	// Attrs are a front-end's records kept with the scope (SetAttrs):
	// the ARM front-end's template deployments of a resource group.
	Attrs map[string]string
}

// CreateScope makes a scope named at.Name in region at.Region (at.Scope is
// ignored), its ID minted by the account's profile.
func (c *Cloud) CreateScope(account string, at Place, tags map[string]string) (Scope, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if at.Name == "" {
		return Scope{}, errf(CodeInvalidParameter, KindScope, "", "a scope needs a name")
	}
	at.Scope = ""
	id, err := c.newIDLocked(account, KindScope, at)
	if err != nil {
		return Scope{}, err
	}
	c.registerAtLocked(KindScope, id, account, at, tags)
	return c.scopeLocked(id), nil
}

func (c *Cloud) scopeLocked(id string) Scope {
	o := c.owners[id]
	return Scope{ID: id, Account: o.account, Region: o.region, Name: o.name, Tags: c.tagsLocked(id), Attrs: maps.Clone(o.attrs)}
}

// ScopeOf returns one scope of the account by ID.
func (c *Cloud) ScopeOf(account, id string) (Scope, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if o, ok := c.owners[id]; !ok || o.kind != KindScope || o.account != account {
		return Scope{}, notFound(KindScope, id)
	}
	return c.scopeLocked(id), nil
}

// Scopes returns the account's scopes, sorted by ID.
func (c *Cloud) Scopes(account string) []Scope {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []Scope
	for _, id := range slices.Sorted(maps.Keys(c.owners)) {
		if o := c.owners[id]; o.kind == KindScope && o.account == account {
			out = append(out, c.scopeLocked(id))
		}
	}
	return out
}

// ScopeObjects returns the IDs of the account's objects in the scope
// named name (children of its objects included), sorted.
func (c *Cloud) ScopeObjects(account, name string) []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.scopeObjectsLocked(account, name)
}

func (c *Cloud) scopeObjectsLocked(account, name string) []string {
	var out []string
	want := c.nameKeyLocked(account, name, KindScope, "")
	for _, id := range slices.Sorted(maps.Keys(c.owners)) {
		o := c.owners[id]
		if o.account != account || o.kind == KindScope || o.scope == "" {
			continue
		}
		k := c.nameKeyLocked(account, o.scope, KindScope, "")
		if k.scope == want.scope || len(k.scope) > len(want.scope) && k.scope[:len(want.scope)+1] == want.scope+"/" {
			out = append(out, id)
		}
	}
	return out
}

// DeleteScope deletes a scope that holds no objects.
func (c *Cloud) DeleteScope(account, id string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	o, ok := c.owners[id]
	if !ok || o.kind != KindScope || o.account != account {
		return notFound(KindScope, id)
	}
	if objs := c.scopeObjectsLocked(account, o.name); len(objs) > 0 {
		return errf(CodeDependency, KindScope, id, "the scope '%s' still holds %s", o.name, objs[0])
	}
	c.forgetLocked(KindScope, id, account)
	return nil
}

// ReplaceTags replaces all tags of an object the account owns (a PUT of
// an ARM resource replaces its tags).
// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/tag-resources — up to 50 tag name-value pairs per resource
func (c *Cloud) ReplaceTags(account, id string, tags map[string]string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	o, ok := c.owners[id]
	if !ok || o.account != account {
		return notFound(KindObject, id)
	}
	if len(tags) > 50 {
		return errf(CodeLimitExceeded, KindObject, id, "the object '%s' would have more than 50 tags", id)
	}
	delete(c.tags, id)
	if len(tags) > 0 {
		c.tags[id] = maps.Clone(tags)
	}
	c.emitLocked(o.kind, OpUpdate, id, account)
	return nil
}
