package aws

import (
	"crypto/sha256"
	"encoding/json"
)

// gdIdempotent runs a create operation that carries a clientToken at most
// once per account, region, operation and token, as serveIdempotent does
// for EC2 (sharing its records, so that they are saved and restored with
// the cloud): a repeat gets the first answer, a repeat with other
// parameters is refused, and a failed request is not remembered. A body
// without a token runs as it is.
// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_CreateDetector.html — clientToken: the idempotency token for the create request
// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_CreateThreatIntelSet.html — clientToken: the idempotency token for the create request
func (h *Handler) gdIdempotent(c *gdCall, name string, run func() (any, error)) (any, error) {
	var fields map[string]json.RawMessage
	if err := decodeGD(c.body, &fields); err != nil {
		return nil, err
	}
	var token string
	if raw, ok := fields["clientToken"]; ok {
		if err := json.Unmarshal(raw, &token); err != nil || len(token) > 64 {
			return nil, gdInvalidInput("clientToken")
		}
	}
	if token == "" {
		return run()
	}
	delete(fields, "clientToken")
	canon, _ := json.Marshal(fields) // map keys sorted: one hash for one set of parameters
	hash := sha256.Sum256(append([]byte(c.detectorID+"\x00"), canon...))
	key := c.account + "\x00" + c.region + "\x00" + gdService + ":" + name + "\x00" + token
	for {
		h.mu.Lock()
		prev, seen := h.tokens[key]
		if !seen {
			entry := &idempotent{paramHash: hash, done: make(chan struct{})}
			h.tokens[key] = entry
			h.mu.Unlock()
			out, err := run()
			var body []byte
			if err == nil {
				body, err = json.Marshal(out)
			}
			h.mu.Lock()
			if err != nil {
				delete(h.tokens, key) // a failed request may be retried with the same token
			} else {
				entry.body = body
			}
			h.mu.Unlock()
			close(entry.done)
			if err != nil {
				return nil, err
			}
			if h.remember != nil {
				h.remember(Token{Key: key, ParamHash: hash, Body: body})
			}
			return json.RawMessage(body), nil
		}
		h.mu.Unlock()
		<-prev.done // wait for a concurrent first request with this token
		if prev.body == nil {
			continue // it failed: run this one afresh
		}
		if prev.paramHash != hash {
			return nil, gdBadRequest("The request is rejected because the clientToken was used before with other parameters.")
		}
		return json.RawMessage(prev.body), nil
	}
}
