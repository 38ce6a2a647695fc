package cloud

import (
	"sync"
	"sync/atomic"
)

// calls counts this process's cloud API requests by provider.
var calls sync.Map // provider -> *atomic.Uint64

// CountCall counts one API request a provider's client sent (each HTTP
// request, retries included).
func CountCall(provider string) {
	c, ok := calls.Load(provider)
	if !ok {
		c, _ = calls.LoadOrStore(provider, new(atomic.Uint64))
	}
	c.(*atomic.Uint64).Add(1)
}

// APICalls returns the API requests this process sent so far, by provider.
func APICalls() map[string]uint64 {
	out := map[string]uint64{}
	calls.Range(func(k, v any) bool {
		out[k.(string)] = v.(*atomic.Uint64).Load()
		return true
	})
	return out
}
