package aws_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	cmaws "github.com/mcnlab/mcnlab/cloudmock/aws"
	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/cloud/aws"
)

const (
	owner  = "lab1"
	region = "us-east-1"
)

var cred = cmaws.Credential{AccountID: "111111111111", AccessKeyID: "AKIAAAAAAAAAAAAAAAAA", SecretAccessKey: "secret-a"}

// env is an emulated EC2 API (cloudmock/aws, not realized) in-process,
// with a fake Direct Connect API beside it on the same endpoint, a
// provider for owner, and a plain EC2 client of the same account for
// checking and for other clients' objects.
type env struct {
	cfg  sdkaws.Config
	p    *aws.Provider
	ec2  *ec2.Client
	wire *recorder
	dx   *fakeDX
}

func newEnv(t *testing.T, opts ...aws.Option) *env {
	t.Helper()
	dx := &fakeDX{conns: map[string]string{"dxcon-nyc1": "dc-nyc"}, vifs: map[string]*fakeVIF{}}
	ec2API := cmaws.New(model.New(), cmaws.Config{Region: region, Credentials: []cmaws.Credential{cred}})
	wire := &recorder{next: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.Header.Get("X-Amz-Target"), "OvertureService.") {
			dx.ServeHTTP(w, r)
			return
		}
		ec2API.ServeHTTP(w, r)
	})}
	srv := httptest.NewServer(wire)
	t.Cleanup(srv.Close)
	cfg := config(srv.URL)
	return &env{cfg: cfg, p: aws.New(cfg, owner, opts...), ec2: ec2.NewFromConfig(cfg), wire: wire, dx: dx}
}

func config(url string) sdkaws.Config {
	return sdkaws.Config{
		Region:           region,
		BaseEndpoint:     sdkaws.String(url),
		Credentials:      credentials.NewStaticCredentialsProvider(cred.AccessKeyID, cred.SecretAccessKey, ""),
		RetryMaxAttempts: 1,
		// As the lab's own config (LabConfig): aws-sdk-go-v2#2737.
		HTTPClient: aws.BufferedBody(nil),
	}
}

var ctx = context.Background()

// recorder notes the action of every API request it passes on.
type recorder struct {
	next    http.Handler
	mu      sync.Mutex // guards actions
	actions []string
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	action := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "OvertureService.")
	if action == "" {
		form, _ := url.ParseQuery(string(body))
		action = form.Get("Action")
	}
	rec.mu.Lock()
	rec.actions = append(rec.actions, action)
	rec.mu.Unlock()
	rec.next.ServeHTTP(w, r)
}

// take returns the actions since the last take.
func (rec *recorder) take() []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	out := rec.actions
	rec.actions = nil
	return out
}

// mutating returns the actions that are not Describe calls.
func mutating(actions []string) []string {
	return slices.DeleteFunc(slices.Clone(actions), func(a string) bool { return strings.HasPrefix(a, "Describe") })
}

// fakeDX answers the four Direct Connect actions the provider uses
// (awsJson1.1, X-Amz-Target OvertureService.*), so that the provider's
// Direct Connect code runs in tests until cloudmock answers Direct Connect.
type fakeDX struct {
	mu    sync.Mutex          // guards the fields below
	conns map[string]string   // ID -> name
	vifs  map[string]*fakeVIF // by ID
	n     int
}

// snapshot returns the virtual interfaces by ID.
func (f *fakeDX) snapshot() map[string]fakeVIF {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]fakeVIF{}
	for id, v := range f.vifs {
		out[id] = *v
	}
	return out
}

// put adds a virtual interface, as another client would.
func (f *fakeDX) put(v fakeVIF) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.vifs[v.ID] = &v
}

type fakeVIF struct {
	ID              string `json:"virtualInterfaceId"`
	Name            string `json:"virtualInterfaceName"`
	ConnectionID    string `json:"connectionId"`
	VLAN            int32  `json:"vlan"`
	ASN             int64  `json:"asn"`
	AmazonAddress   string `json:"amazonAddress"`
	CustomerAddress string `json:"customerAddress"`
	AddressFamily   string `json:"addressFamily"`
	VGW             string `json:"virtualGatewayId"`
	State           string `json:"virtualInterfaceState"`
	Type            string `json:"virtualInterfaceType"`
}

func (f *fakeDX) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var in struct {
		ConnectionID       string  `json:"connectionId"`
		VirtualInterfaceID string  `json:"virtualInterfaceId"`
		New                fakeVIF `json:"newPrivateVirtualInterface"`
	}
	_ = json.NewDecoder(r.Body).Decode(&in)
	reply := func(status int, v any) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	fail := func(format string, args ...any) {
		reply(http.StatusBadRequest, map[string]string{"__type": "DirectConnectClientException", "message": fmt.Sprintf(format, args...)})
	}
	switch op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "OvertureService."); op {
	case "DescribeConnections":
		var cs []map[string]string
		for _, id := range slices.Sorted(maps.Keys(f.conns)) {
			cs = append(cs, map[string]string{"connectionId": id, "connectionName": f.conns[id], "connectionState": "available"})
		}
		reply(http.StatusOK, map[string]any{"connections": cs})
	case "DescribeVirtualInterfaces":
		vs := []*fakeVIF{}
		for _, id := range slices.Sorted(maps.Keys(f.vifs)) {
			v := f.vifs[id]
			if (in.ConnectionID == "" || v.ConnectionID == in.ConnectionID) && (in.VirtualInterfaceID == "" || id == in.VirtualInterfaceID) {
				vs = append(vs, v)
			}
		}
		reply(http.StatusOK, map[string]any{"virtualInterfaces": vs})
	case "CreatePrivateVirtualInterface":
		if _, ok := f.conns[in.ConnectionID]; !ok {
			fail("Connection %s does not exist", in.ConnectionID)
			return
		}
		f.n++
		v := in.New
		v.ID, v.ConnectionID, v.State, v.Type = fmt.Sprintf("dxvif-%08d", f.n), in.ConnectionID, "pending", "private"
		f.vifs[v.ID] = &v
		reply(http.StatusOK, v)
	case "DeleteVirtualInterface":
		if _, ok := f.vifs[in.VirtualInterfaceID]; !ok {
			fail("Virtual interface %s does not exist", in.VirtualInterfaceID)
			return
		}
		delete(f.vifs, in.VirtualInterfaceID)
		reply(http.StatusOK, map[string]string{"virtualInterfaceState": "deleted"})
	default:
		fail("fake Direct Connect does not implement %s", op)
	}
}

// lab is the desired state most tests start from.
func lab() cloud.Desired {
	return cloud.Desired{
		Owner: owner,
		VPCs: []cloud.VPC{{Key: "prod-vpc", CIDR: pfx("10.1.0.0/16"), Internet: true, PrivateLines: true, Subnets: []cloud.Subnet{
			{Key: "prod-vpc/app", CIDR: pfx("10.1.1.0/24")},
			{Key: "prod-vpc/gw", CIDR: pfx("10.1.2.0/24"), Zone: "us-east-1b"},
		}}},
		SecurityGroups: []cloud.SecurityGroup{{Key: "web", VPC: "prod-vpc", Ingress: []cloud.Rule{
			{Protocol: cloud.ProtocolTCP, FromPort: 443, ToPort: 443, Source: pfx("0.0.0.0/0")},
			{Protocol: cloud.ProtocolICMP, FromPort: -1, ToPort: -1, Source: pfx("10.0.0.0/8")},
		}}},
		Instances: []cloud.Instance{
			{Key: "gw1", VPC: "prod-vpc", Subnet: "prod-vpc/gw", PrivateIP: netip.MustParseAddr("10.1.2.10"), Image: cloud.ImageGateway,
				SecurityGroups: []string{"web"}, PublicIP: true},
			{Key: "app1", VPC: "prod-vpc", Subnet: "prod-vpc/app", Image: cloud.ImageWorkload, SecurityGroups: []string{"web"}, SourceDestCheck: true},
		},
		Routes: []cloud.Route{
			{Subnet: "prod-vpc/gw", Destination: pfx("0.0.0.0/0"), Target: cloud.TargetInternet},
			{Subnet: "prod-vpc/app", Destination: pfx("192.168.0.0/16"), Target: cloud.TargetPrivateLine},
		},
	}
}

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }

// strs renders calls as plan prints them.
func strs(calls []cloud.Call) []string {
	out := make([]string, len(calls))
	for i, c := range calls {
		out[i] = c.String()
	}
	return out
}

// actions lists the calls' actions with their objects.
func actions(calls []cloud.Call) []string {
	out := make([]string, len(calls))
	for i, c := range calls {
		out[i] = c.Action + " " + c.Object
	}
	return out
}

func wantCalls(t *testing.T, what string, got []cloud.Call, want ...string) {
	t.Helper()
	if g := actions(got); !slices.Equal(g, want) {
		t.Fatalf("%s made calls\n  %s\nwant\n  %s", what, strings.Join(strs(got), "\n  "), strings.Join(want, "\n  "))
	}
}

// apply applies d and fails the test on an error.
func (e *env) apply(t *testing.T, d cloud.Desired) (cloud.Inventory, []cloud.Call) {
	t.Helper()
	inv, calls, err := e.p.Apply(ctx, d)
	if err != nil {
		t.Fatalf("apply: %v (after calls %v)", err, strs(calls))
	}
	return inv, calls
}
