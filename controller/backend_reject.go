package controller

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mcnlab/mcnlab/controller/api"
)

var _ api.RejectBackend = (*Backend)(nil)

// rejectedKey is the store record of a rejected pending route.
func rejectedKey(transit, site, prefix string) string {
	return "rejected/" + transit + "/" + site + "/" + prefix
}

// rejection is what the record holds: who rejected the route, and when.
type rejection struct {
	By string    `json:"by"`
	At time.Time `json:"at"`
}

// Reject takes a pending route off the list of those waiting for
// approval: the transit keeps holding it (it is not approved), and it is
// not offered again. Approving it later still works and forgets the
// rejection. A route that is not pending wraps api.ErrNotFound.
func (b *Backend) Reject(ctx context.Context, site, prefix, by string) (api.RejectResult, error) {
	tr, pr, err := b.routeKey(site, prefix)
	if err != nil {
		return api.RejectResult{}, err
	}
	pending, err := b.Pending(ctx)
	if err != nil {
		return api.RejectResult{}, err
	}
	want := api.PendingRoute{Transit: tr, Site: site, Prefix: pr}
	if !slices.Contains(pending, want) {
		var have []string
		for _, p := range pending {
			if p.Site == site {
				have = append(have, p.Prefix.String())
			}
		}
		return api.RejectResult{}, fmt.Errorf("reject %s from site %s: it is not pending approval at transit %s (pending from %s: %s): %w",
			pr, site, tr, site, cmp.Or(strings.Join(have, ", "), "none"), api.ErrNotFound)
	}
	if err := b.c.opts.Store.Put(rejectedKey(tr, site, pr.String()), rejection{By: by, At: time.Now().UTC()}); err != nil {
		return api.RejectResult{}, err
	}
	_ = b.c.opts.Store.Log("reject", fmt.Sprintf("%s rejected %s from %s at %s", by, pr, site, tr))
	return api.RejectResult{Transit: tr, Site: site, Prefix: pr}, nil
}

// rejected returns the keys of the rejected routes.
func (b *Backend) rejected() map[string]bool {
	out := map[string]bool{}
	if b.c.opts.Store == nil {
		return out
	}
	keys, _ := b.c.opts.Store.Keys("rejected/")
	for _, k := range keys {
		out[k] = true
	}
	return out
}
