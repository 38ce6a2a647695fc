package aws

import (
	"crypto/sha256"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// idempotent is a remembered response to a request with a ClientToken.
type idempotent struct {
	paramHash [32]byte
	done      chan struct{} // closed when the first request has finished
	body      []byte        // the response; nil if the first request failed (read after done)
}

// serveIdempotent runs a request that carries a ClientToken at most once per
// account, action and token: repeats get the first response, repeats with
// other parameters get IdempotentParameterMismatch, and concurrent repeats
// wait for the first. A failed request is not remembered.
// AWS: https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-idempotency.html — same ClientToken, same parameters: same result
func (h *Handler) serveIdempotent(w http.ResponseWriter, act action, c *call, reqID, key string, hash [32]byte) {
	for {
		h.mu.Lock()
		prev, seen := h.tokens[key]
		if !seen {
			entry := &idempotent{paramHash: hash, done: make(chan struct{})}
			h.tokens[key] = entry
			h.mu.Unlock()
			out, apiErr := h.run(act, c, reqID)
			h.mu.Lock()
			if apiErr != nil {
				delete(h.tokens, key) // a failed request may be retried with the same token
			} else {
				entry.body = out
			}
			h.mu.Unlock()
			close(entry.done)
			if apiErr != nil {
				writeError(w, reqID, apiErr)
				return
			}
			writeXML(w, out)
			return
		}
		h.mu.Unlock()
		<-prev.done // wait for a concurrent first request with this token
		if prev.body == nil {
			continue // it failed: run this one afresh
		}
		if prev.paramHash != hash {
			writeError(w, reqID, &apiError{Code: "IdempotentParameterMismatch", Message: "The client token you have provided is associated with a resource that has different parameters.", Status: http.StatusBadRequest})
			return
		}
		writeXML(w, prev.body)
		return
	}
}

// paramHash hashes the parameters that define an idempotent request.
func paramHash(v url.Values) [32]byte {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(v)) {
		b.WriteString(k + "=" + strings.Join(v[k], ",") + "&")
	}
	return sha256.Sum256([]byte(b.String()))
}
