package aws

import (
	"bytes"
	"crypto/sha256"
	"fmt"
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

// Token is an answer remembered for a request with a client token: the
// key (account, action and token), the hash of the request's parameters
// and the answer's body. Tokens are kept for the life of the cloud, saved
// ones included, which covers AWS's window (a token stays valid for at
// least 24 hours). A token is remembered once its request has changed the
// model and succeeded: a process killed in that instant (before the
// answer went out) forgets it, and the client's retry makes the resource
// again.
type Token struct {
	Key       string
	ParamHash [32]byte
	Body      []byte
}

// MarshalBinary encodes the token's hash and body (the key is stored
// apart): the 32 bytes of the hash, then the body.
func (t Token) MarshalBinary() ([]byte, error) {
	return append(t.ParamHash[:], t.Body...), nil
}

// UnmarshalBinary decodes what MarshalBinary made; the key is left as is.
func (t *Token) UnmarshalBinary(b []byte) error {
	if len(b) < len(t.ParamHash) {
		return fmt.Errorf("client token record of %d bytes: too short", len(b))
	}
	copy(t.ParamHash[:], b)
	t.Body = bytes.Clone(b[len(t.ParamHash):])
	return nil
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
			if apiErr == nil && h.remember != nil {
				h.remember(Token{Key: key, ParamHash: hash, Body: out})
			}
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
