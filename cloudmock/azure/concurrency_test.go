package azure

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestConcurrentPuts: PUTs of one VNet with different subnet sets, sent
// at once, all succeed and leave the VNet with exactly the subnets of one
// of them: a write's model calls (the VNet, its subnets) are not
// interleaved with another write's.
func TestConcurrentPuts(t *testing.T) {
	e := newEnv(t)
	tok := e.srv.sign(testApp, time.Now().Add(time.Hour))
	put := func(path, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPut, "https://arm.test"+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		w := httptest.NewRecorder()
		e.srv.ServeHTTP(w, req)
		return w
	}
	put("/subscriptions/"+testSub+"/resourcegroups/rg1?api-version=2021-04-01", `{"location":"eastus"}`)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var subs []string
			for j := range 4 {
				subs = append(subs, fmt.Sprintf(`{"name":"s%d-%d","properties":{"addressPrefix":"10.0.%d.0/24"}}`, i, j, i*4+j))
			}
			body := `{"location":"eastus","properties":{"addressSpace":{"addressPrefixes":["10.0.0.0/16"]},"subnets":[` + strings.Join(subs, ",") + `]}}`
			for range 25 {
				if w := put(net1+"?api-version=2025-05-01", body); w.Code >= 300 {
					t.Errorf("PUT %d: %d %s", i, w.Code, w.Body)
					return
				}
			}
		}()
	}
	wg.Wait()
	owner := map[string]bool{}
	subnets := e.cloud.Subnets(testSub)
	for _, s := range subnets {
		owner[strings.Split(s.Name, "-")[0]] = true
	}
	if len(subnets) != 4 || len(owner) != 1 {
		t.Fatalf("after concurrent PUTs: %d subnets from %d bodies", len(subnets), len(owner))
	}
}
