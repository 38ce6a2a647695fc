package oci

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"sync"
	"time"
)

// Lifecycle states of the resources of this package.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/Vcn/ — lifecycleState PROVISIONING, AVAILABLE, TERMINATING, TERMINATED, UPDATING
const (
	stateProvisioning = "PROVISIONING"
	stateAvailable    = "AVAILABLE"
	stateTerminating  = "TERMINATING"
	stateTerminated   = "TERMINATED"
)

// shared are the fields every resource of this package has on the wire.
type shared struct {
	ID             string                    `json:"id"`
	CompartmentID  string                    `json:"compartmentId"`
	DisplayName    string                    `json:"displayName,omitempty"`
	LifecycleState string                    `json:"lifecycleState"`
	TimeCreated    string                    `json:"timeCreated,omitempty"`
	FreeformTags   map[string]string         `json:"freeformTags"`
	DefinedTags    map[string]map[string]any `json:"definedTags"`
}

func (c *shared) base() *shared { return c }

// resource is a wire object of one of the kinds.
type resource interface{ base() *shared }

// etagOf is a resource's ETag: a hash of what it holds, its lifecycle
// state aside, so that every change of its fields gives a new one.
// OCI: https://docs.oracle.com/en-us/iaas/Content/API/Concepts/usingapi.htm#etags — an ETag on every resource; If-Match on update and delete
func etagOf(v resource) string {
	b := v.base()
	st := b.LifecycleState
	b.LifecycleState = ""
	raw, _ := json.Marshal(v)
	b.LifecycleState = st
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:16])
}

// retryTTL is how long an opc-retry-token is remembered.
// OCI: https://docs.oracle.com/en-us/iaas/Content/API/Concepts/usingapi.htm#retrytoken — retry tokens expire after 24 hours
const retryTTL = 24 * time.Hour

// retried is the answer a retry token gave.
type retried struct {
	request [32]byte // hash of the method, path and body
	status  int
	body    []byte
	header  http.Header // the answer's ETag, content type and work request
	at      time.Time
}

// tomb is a deleted resource that GETs still see: TERMINATING once, then
// TERMINATED.
type tomb struct {
	tenancy string
	wire    resource
	polls   int
}

// state is what the server keeps beside the model.
type state struct {
	mu           sync.Mutex
	provisioning map[string]int // GETs seen of a resource not yet AVAILABLE
	tombs        map[string]*tomb
	tokens       map[string]*retried // by tenancy + token
}

func newState() state {
	return state{provisioning: map[string]int{}, tombs: map[string]*tomb{}, tokens: map[string]*retried{}}
}

// provisioningPolls is how many GETs see a new resource PROVISIONING
// before it is AVAILABLE: a waiter polls at least twice.
const provisioningPolls = 1

// created marks a new resource PROVISIONING.
func (st *state) created(id string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.provisioning[id] = 0
}

// lifecycle is the state a resource shows; a GET (poll) advances it.
func (st *state) lifecycle(id string, poll bool) string {
	st.mu.Lock()
	defer st.mu.Unlock()
	n, ok := st.provisioning[id]
	if !ok {
		return stateAvailable
	}
	if poll {
		if n >= provisioningPolls {
			delete(st.provisioning, id)
			return stateAvailable
		}
		st.provisioning[id] = n + 1
	}
	return stateProvisioning
}

// bury keeps a deleted resource for later GETs.
func (st *state) bury(tenancy string, v resource) {
	st.mu.Lock()
	defer st.mu.Unlock()
	delete(st.provisioning, v.base().ID)
	v.base().LifecycleState = stateTerminating
	st.tombs[v.base().ID] = &tomb{tenancy: tenancy, wire: v}
}

// tombstone returns a deleted resource as a GET sees it; a poll
// advances TERMINATING to TERMINATED.
func (st *state) tombstone(tenancy, id string, poll bool) (resource, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	t, ok := st.tombs[id]
	if !ok || t.tenancy != tenancy {
		return nil, false
	}
	if poll {
		t.polls++
		if t.polls > 1 {
			t.wire.base().LifecycleState = stateTerminated
		}
	}
	return t.wire, true
}

// replay returns the answer an earlier request with the same retry token
// got; conflict says the token was used for another request.
func (st *state) replay(key string, req [32]byte, now time.Time) (r *retried, conflict bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	r, ok := st.tokens[key]
	if !ok || now.Sub(r.at) > retryTTL {
		return nil, false
	}
	return r, r.request != req
}

// remember keeps a retry token's answer.
func (st *state) remember(key string, r *retried) {
	st.mu.Lock()
	defer st.mu.Unlock()
	for k, old := range st.tokens {
		if r.at.Sub(old.at) > retryTTL {
			delete(st.tokens, k)
		}
	}
	st.tokens[key] = r
}
