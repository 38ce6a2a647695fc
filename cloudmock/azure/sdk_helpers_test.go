package azure

import (
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/mcnlab/mcnlab/cloudmock/azure/azuretest"
	"github.com/mcnlab/mcnlab/cloudmock/model"
)

const (
	testTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	testSub    = "6a4e8c2b-1f3d-4e5a-9b7c-0d1e2f3a4b5c"
	otherSub   = "0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e"
	testApp    = "11111111-2222-3333-4444-555555555555"
	testSecret = "s3cret"
)

// env is a running server with one subscription and a service principal
// for it, and SDK options that reach it over TLS.
type env struct {
	cloud *model.Cloud
	srv   *Server
	ts    *httptest.Server
	cred  azcore.TokenCredential
	opts  *arm.ClientOptions
}

func newEnv(t *testing.T) *env {
	t.Helper()
	c := model.New()
	c.AddAccount(model.Account{ID: testSub, Provider: model.ProviderAzure})
	c.AddAccount(model.Account{ID: otherSub, Provider: model.ProviderAzure})
	srv := New(c, testTenant, Principal{ClientID: testApp, Secret: testSecret, Subscription: testSub},
		Principal{ClientID: "other-app", Secret: "other", Subscription: otherSub})
	ts := httptest.NewTLSServer(srv)
	t.Cleanup(ts.Close)
	cred, opts, err := azuretest.Client(ts, testTenant, testApp, testSecret, 1)
	if err != nil {
		t.Fatal(err)
	}
	return &env{cloud: c, srv: srv, ts: ts, cred: cred, opts: opts}
}

// polled is a poller's result; must fails the test on an error.
type polled[T any] struct {
	v   T
	err error
}

// poll waits for a poller (azuretest.Wait).
func poll[T any](p *runtime.Poller[T], err error) polled[T] {
	v, err := azuretest.Wait(p, err)
	return polled[T]{v, err}
}

func (p polled[T]) must(t *testing.T) T {
	t.Helper()
	if p.err != nil {
		t.Fatalf("long-running operation: %v", p.err)
	}
	return p.v
}

// armCode returns the ARM error code and status of an SDK error.
func armCode(t *testing.T, err error) (string, int) {
	t.Helper()
	var re *azcore.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("want an ARM error, got %v", err)
	}
	return re.ErrorCode, re.StatusCode
}

func wantCode(t *testing.T, err error, code string, status int) {
	t.Helper()
	if err == nil {
		t.Fatalf("want %s, got success", code)
	}
	got, st := armCode(t, err)
	if got != code || st != status {
		t.Fatalf("want %d %s, got %d %s: %v", status, code, st, got, err)
	}
}
