package oci

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/core"
)

const (
	tenancy1 = "ocid1.tenancy.oc1..aaaaaaaatenancyone"
	tenancy2 = "ocid1.tenancy.oc1..aaaaaaaatenancytwo"
	user1    = "ocid1.user.oc1..aaaaaaaauserone"
	user2    = "ocid1.user.oc1..aaaaaaaausertwo"
)

// keys are made once: RSA key generation is slow under -race.
var (
	keysOnce sync.Once
	keys     [3]*rsa.PrivateKey
)

func testKeys(t *testing.T) [3]*rsa.PrivateKey {
	t.Helper()
	keysOnce.Do(func() {
		for i := range keys {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			keys[i] = k
		}
	})
	return keys
}

// lab is a server with two tenancies, each with a user, behind HTTP.
type lab struct {
	cloud *model.Cloud
	srv   *Server
	url   string
	mu    sync.Mutex
	gets  map[string]int // GETs per path
}

func newLab(t *testing.T) *lab {
	t.Helper()
	k := testKeys(t)
	c := model.New()
	c.AddAccount(model.Account{ID: tenancy1, Provider: model.ProviderOCI})
	c.AddAccount(model.Account{ID: tenancy2, Provider: model.ProviderOCI})
	l := &lab{cloud: c, gets: map[string]int{}}
	l.srv = New(c, Config{Region: "us-phoenix-1", Users: []User{
		{Tenancy: tenancy1, User: user1, Key: &k[0].PublicKey},
		{Tenancy: tenancy2, User: user2, Key: &k[1].PublicKey},
	}})
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			l.mu.Lock()
			l.gets[r.URL.Path]++
			l.mu.Unlock()
		}
		l.srv.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	l.url = hs.URL
	return l
}

func (l *lab) getCount(path string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.gets[path]
}

func keyPEM(k *rsa.PrivateKey) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}))
}

// provider is the SDK's configuration of a user signing with a key
// (which may be another's, to test a wrong key).
func provider(tenancy, user string, signWith *rsa.PrivateKey, fingerprintOf *rsa.PrivateKey) common.ConfigurationProvider {
	return common.NewRawConfigurationProvider(tenancy, user, "us-phoenix-1", Fingerprint(&fingerprintOf.PublicKey), keyPEM(signWith), nil)
}

// vnClient is the official VirtualNetworkClient pointed at the lab.
func (l *lab) vnClient(t *testing.T, p common.ConfigurationProvider) core.VirtualNetworkClient {
	t.Helper()
	c, err := core.NewVirtualNetworkClientWithConfigurationProvider(p)
	if err != nil {
		t.Fatal(err)
	}
	c.Host = l.url
	return c
}

// client1 is tenancy 1's user with its own key.
func (l *lab) client1(t *testing.T) core.VirtualNetworkClient {
	k := testKeys(t)
	return l.vnClient(t, provider(tenancy1, user1, k[0], k[0]))
}

// waitFor is a retry policy that polls a GET, as the SDK's clients
// wait, until the resource's lifecycle state is the one wanted.
func waitFor(state string) *common.RetryPolicy {
	p := common.NewRetryPolicy(20, func(r common.OCIOperationResponse) bool {
		if r.Error != nil {
			return false
		}
		return lifecycleOf(r.Response) != state
	}, func(common.OCIOperationResponse) time.Duration { return 10 * time.Millisecond })
	return &p
}

// lifecycleOf reads the lifecycle state of a Get response.
func lifecycleOf(r common.OCIResponse) string {
	switch v := r.(type) {
	case core.GetVcnResponse:
		return string(v.LifecycleState)
	case core.GetSubnetResponse:
		return string(v.LifecycleState)
	case core.GetSecurityListResponse:
		return string(v.LifecycleState)
	case core.GetRouteTableResponse:
		return string(v.LifecycleState)
	case core.GetInternetGatewayResponse:
		return string(v.LifecycleState)
	case core.GetNatGatewayResponse:
		return string(v.LifecycleState)
	case core.GetDhcpOptionsResponse:
		return string(v.LifecycleState)
	case core.GetDrgResponse:
		return string(v.LifecycleState)
	case core.GetDrgAttachmentResponse:
		return string(v.LifecycleState)
	case core.GetDrgRouteTableResponse:
		return string(v.LifecycleState)
	case core.GetInstanceResponse:
		return string(v.LifecycleState)
	case core.GetVnicAttachmentResponse:
		return string(v.LifecycleState)
	case core.GetVnicResponse:
		return string(v.LifecycleState)
	case core.GetPublicIpResponse:
		return string(v.LifecycleState)
	case core.GetIPSecConnectionResponse:
		return string(v.LifecycleState)
	case core.GetLocalPeeringGatewayResponse:
		return string(v.LifecycleState)
	case core.GetServiceGatewayResponse:
		return string(v.LifecycleState)
	case core.GetRemotePeeringConnectionResponse:
		return string(v.LifecycleState)
	case core.GetVirtualCircuitResponse:
		return string(v.LifecycleState)
	}
	return ""
}

// serviceError asserts that err is an OCI service error with the status
// and code, and an opc-request-id.
func serviceError(t *testing.T, err error, status int, code string) {
	t.Helper()
	se, ok := common.IsServiceError(err)
	if !ok {
		t.Fatalf("error %v, want a service error %d %s", err, status, code)
	}
	if se.GetHTTPStatusCode() != status || se.GetCode() != code || se.GetOpcRequestID() == "" {
		t.Fatalf("error %d %s (request %q): %s; want %d %s", se.GetHTTPStatusCode(), se.GetCode(), se.GetOpcRequestID(), se.GetMessage(), status, code)
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}
