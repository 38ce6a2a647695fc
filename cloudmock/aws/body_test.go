package aws_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	cmaws "github.com/mcnlab/mcnlab/cloudmock/aws"
	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// TestOversizeBodyRefused: a body over 4 MiB is answered 413
// RequestEntityTooLarge, not truncated and then refused as unsigned.
func TestOversizeBodyRefused(t *testing.T) {
	l := newLab(t)
	_, err := l.a.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{filter("tag:Name", strings.Repeat("x", 5<<20))}})
	wantAPIErrorMessage(t, err, "RequestEntityTooLarge", "The request body is larger than 4194304 bytes, the most this endpoint accepts.")
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusRequestEntityTooLarge {
		t.Fatalf("HTTP status of %v, want 413", err)
	}
	// A Content-Length over the limit is refused before any of the body is read.
	conn := dialRaw(t, l.url)
	fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n", 5<<20)
	resp := readAll(t, conn, 5*time.Second)
	if !strings.HasPrefix(resp, "HTTP/1.1 413 ") || !strings.Contains(resp, "<Code>RequestEntityTooLarge</Code>") {
		t.Fatalf("Content-Length 5 MiB answered:\n%s", resp)
	}
}

// TestSlowBodyCut: a client that sends its headers and 10 of the 1000
// bytes its Content-Length promises is answered RequestTimeout and its
// connection closed once the body read timeout has passed.
func TestSlowBodyCut(t *testing.T) {
	const timeout = 300 * time.Millisecond
	srv := httptest.NewServer(cmaws.New(model.New(), cmaws.Config{Credentials: []cmaws.Credential{credA}, BodyReadTimeout: timeout}))
	t.Cleanup(srv.Close)
	conn := dialRaw(t, srv.URL)
	start := time.Now()
	fmt.Fprint(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nAction=Des")
	resp := readAll(t, conn, 10*time.Second) // returns at EOF: the server closed
	d := time.Since(start)
	if d < timeout || d > timeout+2*time.Second {
		t.Fatalf("half-sent body cut after %v, want about %v", d, timeout)
	}
	if !strings.HasPrefix(resp, "HTTP/1.1 400 ") || !strings.Contains(resp, "<Code>RequestTimeout</Code>") ||
		!strings.Contains(resp, "<Message>Your socket connection to the server was not read from or written to within the timeout period.</Message>") {
		t.Fatalf("half-sent body answered:\n%s", resp)
	}
	t.Logf("half-sent body answered and closed after %v (timeout %v)", d, timeout)
}

// TestHugeValueQuotedClipped: an error quoting a 1 MB value quotes its
// first 100 bytes and its length.
func TestHugeValueQuotedClipped(t *testing.T) {
	l := newLab(t)
	huge := strings.Repeat("x", 1<<20)
	_, err := l.a.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: sdkaws.String(huge)})
	wantAPIErrorMessage(t, err, "InvalidParameterValue",
		"Value ("+strings.Repeat("x", 100)+"… (1048576 bytes)) for parameter CidrBlock is invalid. This is not a valid CIDR block.")
	_, err = l.a.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{NextToken: sdkaws.String(huge)})
	wantAPIErrorMessage(t, err, "InvalidNextToken", "The token '"+strings.Repeat("x", 100)+"… (1048576 bytes)' is invalid")
}

func dialRaw(t *testing.T, url string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// readAll reads until the server closes the connection, failing after limit.
func readAll(t *testing.T, conn net.Conn, limit time.Duration) string {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(limit))
	b, err := io.ReadAll(conn)
	if err != nil {
		t.Fatalf("connection still open after %v (read %q): %v", limit, b, err)
	}
	return string(b)
}
