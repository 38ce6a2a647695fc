package oci

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/core"
)

// signAs signs a request the way the TypeScript SDK does: x-date, header
// names in mixed case, as listed.
// OCI: https://docs.oracle.com/en-us/iaas/Content/API/Concepts/signingrequests.htm — x-date may stand for date
func signAs(t *testing.T, r *http.Request, body []byte, keyID string, k *rsa.PrivateKey, names []string) {
	t.Helper()
	sum := sha256.Sum256(body)
	r.Header.Set("x-content-sha256", base64.StdEncoding.EncodeToString(sum[:]))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Content-Length", strconv.Itoa(len(body)))
	r.Header.Set("x-date", time.Now().UTC().Format(http.TimeFormat))
	r.Header.Set("date", time.Now().UTC().Format(http.TimeFormat))
	var lines []string
	for _, n := range names {
		v := r.Header.Get(n)
		switch strings.ToLower(n) {
		case "(request-target)":
			v = strings.ToLower(r.Method) + " " + r.URL.RequestURI()
		case "host":
			v = r.URL.Host
		}
		lines = append(lines, strings.ToLower(n)+": "+v)
	}
	h := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	sig, err := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, h[:])
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Authorization", `Signature version="1",headers="`+strings.Join(names, " ")+`",keyId="`+keyID+
		`",algorithm="rsa-sha256",signature="`+base64.StdEncoding.EncodeToString(sig)+`"`)
}

// TestSignatureAuth: the Go SDK signing with a key that is not the one
// its fingerprint names gets 401 NotAuthenticated, and so does an unknown
// fingerprint; a user of another tenancy finds nothing (404
// NotAuthorizedOrNotFound) and cannot list in the other's compartment; a
// request signed as the TypeScript SDK signs it (x-date, mixed-case
// names) is accepted, and the same with a body that does not match its
// x-content-sha256 or a date 10 minutes off is refused.
func TestSignatureAuth(t *testing.T) {
	l := newLab(t)
	k := testKeys(t)
	c := l.client1(t)
	v := newVcn(t, l, c, "a", "10.0.0.0/16")

	wrong := l.vnClient(t, provider(tenancy1, user1, k[2], k[0]))
	_, err := wrong.GetVcn(ctx(t), core.GetVcnRequest{VcnId: v.Id})
	serviceError(t, err, 401, "NotAuthenticated")
	_, err = wrong.CreateVcn(ctx(t), core.CreateVcnRequest{CreateVcnDetails: core.CreateVcnDetails{CompartmentId: common.String(tenancy1), CidrBlock: common.String("10.5.0.0/16")}})
	serviceError(t, err, 401, "NotAuthenticated")
	unknown := l.vnClient(t, provider(tenancy1, user1, k[2], k[2]))
	_, err = unknown.ListVcns(ctx(t), core.ListVcnsRequest{CompartmentId: common.String(tenancy1)})
	serviceError(t, err, 401, "NotAuthenticated")

	other := l.vnClient(t, provider(tenancy2, user2, k[1], k[1]))
	_, err = other.GetVcn(ctx(t), core.GetVcnRequest{VcnId: v.Id})
	serviceError(t, err, 404, "NotAuthorizedOrNotFound")
	_, err = other.DeleteVcn(ctx(t), core.DeleteVcnRequest{VcnId: v.Id})
	serviceError(t, err, 404, "NotAuthorizedOrNotFound")
	_, err = other.ListVcns(ctx(t), core.ListVcnsRequest{CompartmentId: common.String(tenancy1)})
	serviceError(t, err, 404, "NotAuthorizedOrNotFound")
	if r, err := other.ListVcns(ctx(t), core.ListVcnsRequest{CompartmentId: common.String(tenancy2)}); err != nil || len(r.Items) != 0 {
		t.Fatalf("tenancy 2's own list: %v %d", err, len(r.Items))
	}

	keyID := tenancy1 + "/" + user1 + "/" + Fingerprint(&k[0].PublicKey)
	tsNames := []string{"x-date", "(request-target)", "host", "Content-Type", "Content-Length", "x-content-sha256"}
	post := func(body []byte, tamper func(*http.Request)) (int, map[string]string) {
		r, _ := http.NewRequest(http.MethodPost, l.url+"/20160918/vcns", bytes.NewReader(body))
		signAs(t, r, body, keyID, k[0], tsNames)
		if tamper != nil {
			tamper(r)
		}
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var out map[string]string
		_ = json.Unmarshal(raw, &out)
		if resp.Header.Get("opc-request-id") == "" {
			t.Fatalf("no opc-request-id on a %d answer", resp.StatusCode)
		}
		return resp.StatusCode, out
	}
	body := []byte(`{"compartmentId":"` + tenancy1 + `","cidrBlock":"10.7.0.0/16"}`)
	if st, out := post(body, nil); st != 200 {
		t.Fatalf("a TypeScript-style signature: %d %v", st, out)
	}
	swapped := []byte(`{"compartmentId":"` + tenancy1 + `","cidrBlock":"10.8.0.0/16"}`)
	if st, out := post(body, func(r *http.Request) { r.Body = io.NopCloser(bytes.NewReader(swapped)) }); st != 401 || out["code"] != "NotAuthenticated" {
		t.Fatalf("a body that is not the signed one: %d %v", st, out)
	}
	old := time.Now().Add(-10 * time.Minute).UTC().Format(http.TimeFormat)
	if st, out := post(body, func(r *http.Request) { r.Header.Set("x-date", old) }); st != 401 || out["code"] != "NotAuthenticated" {
		t.Fatalf("a date 10 minutes old: %d %v", st, out)
	}
	if st, out := post(body, func(r *http.Request) { r.Header.Del("Authorization") }); st != 401 || out["code"] != "NotAuthenticated" {
		t.Fatalf("no signature: %d %v", st, out)
	}
}
