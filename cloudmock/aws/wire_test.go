package aws_test

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// signedPost signs body for account A, then sends sent (normally the same body).
func signedPost(t *testing.T, l *lab, body, sent string, at time.Time) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, l.url+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(body))
	creds := sdkaws.Credentials{AccessKeyID: credA.AccessKeyID, SecretAccessKey: credA.SecretAccessKey}
	if err := v4.NewSigner().SignHTTP(t.Context(), creds, req, hex.EncodeToString(sum[:]), "ec2", "us-east-1", at); err != nil {
		t.Fatal(err)
	}
	req.Body = io.NopCloser(strings.NewReader(sent))
	req.ContentLength = int64(len(sent))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

func TestWireShape(t *testing.T) {
	l := newLab(t)
	body := url.Values{"Action": {"CreateVpc"}, "Version": {"2016-11-15"}, "CidrBlock": {"10.0.0.0/16"}}.Encode()
	code, out := signedPost(t, l, body, body, time.Now())
	if code != 200 {
		t.Fatalf("HTTP %d: %s", code, out)
	}
	for _, want := range []string{`<?xml version="1.0" encoding="UTF-8"?>`, `<CreateVpcResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">`,
		"<requestId>", "<vpc><vpcId>vpc-", "<cidrBlock>10.0.0.0/16</cidrBlock>", "<cidrBlockAssociationSet><item>", "<state>available</state>"} {
		if !strings.Contains(out, want) {
			t.Errorf("response lacks %q:\n%s", want, out)
		}
	}
	body = url.Values{"Action": {"CreateVpc"}, "Version": {"2016-11-15"}, "CidrBlock": {"10.0.0.0/8"}}.Encode()
	code, out = signedPost(t, l, body, body, time.Now())
	if code != 400 || !strings.Contains(out, "<Response><Errors><Error><Code>InvalidVpc.Range</Code><Message>") || !strings.Contains(out, "</Errors><RequestID>") {
		t.Fatalf("error response HTTP %d:\n%s", code, out)
	}
	body = url.Values{"Action": {"CreateVpc"}, "Version": {"2016-11-15"}, "CidrBlock": {"10.0.0.0/16"}, "DryRun": {"true"}}.Encode()
	if code, out = signedPost(t, l, body, body, time.Now()); code != http.StatusPreconditionFailed || !strings.Contains(out, "DryRunOperation") {
		t.Fatalf("dry run HTTP %d:\n%s", code, out)
	}
	body = url.Values{"Action": {"CreateVpc"}, "Version": {"2014-01-01"}, "CidrBlock": {"10.0.0.0/16"}}.Encode()
	if code, _ = signedPost(t, l, body, body, time.Now()); code != 400 {
		t.Fatalf("old API version: HTTP %d, want 400", code)
	}
}

func TestSignatureCoversBodyAndTime(t *testing.T) {
	l := newLab(t)
	signed := url.Values{"Action": {"DescribeVpcs"}, "Version": {"2016-11-15"}}.Encode()
	tampered := url.Values{"Action": {"DeleteVpc"}, "Version": {"2016-11-15"}, "VpcId": {"vpc-0123456789abcdef0"}}.Encode()
	if code, out := signedPost(t, l, signed, tampered, time.Now()); code != http.StatusUnauthorized || !strings.Contains(out, "AuthFailure") {
		t.Fatalf("tampered body: HTTP %d:\n%s", code, out)
	}
	if code, out := signedPost(t, l, signed, signed, time.Now().Add(-time.Hour)); code != 400 || !strings.Contains(out, "RequestExpired") {
		t.Fatalf("hour-old signature: HTTP %d:\n%s", code, out)
	}
	if code, out := signedPost(t, l, signed, signed, time.Now()); code != 200 {
		t.Fatalf("untampered: HTTP %d:\n%s", code, out)
	}
}
