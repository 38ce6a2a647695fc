package aws_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	cmaws "github.com/mcnlab/mcnlab/cloudmock/aws"
	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/cloud/aws"
)

// lateConn returns from each Write only after the server has had time to
// answer it and the client to start reading the answer: the sending
// goroutine preempted right after its last write, which is what loses the
// race with smithy-go's closing of the body. It reads in small pieces, so
// that a large answer is still being read when the writer returns.
type lateConn struct{ net.Conn }

func (c lateConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	time.Sleep(100 * time.Millisecond)
	return n, err
}

func (c lateConn) Read(b []byte) (int, error) {
	time.Sleep(2 * time.Millisecond)
	return c.Conn.Read(b[:min(len(b), 256)])
}

// TestBufferedBodyLateWriter: a Describe whose body is larger than the
// transport's buffer, sent by a writer that is slow to return, is read in
// full with BufferedBody; without it the SDK fails the 200 response with
// "use of closed network connection" (the flake that failed lab tests).
func TestBufferedBodyLateWriter(t *testing.T) {
	srv := httptest.NewServer(cmaws.New(model.New(), cmaws.Config{Region: region, Credentials: []cmaws.Credential{cred}}))
	t.Cleanup(srv.Close)
	plain := ec2.NewFromConfig(sdkaws.Config{Region: region, BaseEndpoint: sdkaws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider(cred.AccessKeyID, cred.SecretAccessKey, "")})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// An answer of some 20 KB, as a lab's DescribeSecurityGroups is.
	var names []string
	for i := range 40 {
		name := fmt.Sprintf("group-%02d", i)
		if _, err := plain.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: &name, Description: &name}); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	// A request body of some 12 KB, larger than the transport's buffer.
	for i := range 400 {
		names = append(names, fmt.Sprintf("absent-%04d", i))
	}
	in := &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{{Name: sdkaws.String("group-name"), Values: names}}}
	for _, tc := range []struct {
		name     string
		buffered bool
	}{{"sdk client", false}, {"BufferedBody", true}} {
		t.Run(tc.name, func(t *testing.T) {
			var client sdkaws.HTTPClient = awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
				d := &net.Dialer{}
				tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
					c, err := d.DialContext(ctx, network, addr)
					if err != nil {
						return nil, err
					}
					return lateConn{c}, nil
				}
			})
			if tc.buffered {
				client = aws.BufferedBody(client)
			}
			cfg := sdkaws.Config{Region: region, BaseEndpoint: sdkaws.String(srv.URL), HTTPClient: client, RetryMaxAttempts: 1,
				Credentials: credentials.NewStaticCredentialsProvider(cred.AccessKeyID, cred.SecretAccessKey, "")}
			before := cloud.APICalls()[aws.Name]
			out, err := ec2.NewFromConfig(cfg).DescribeSecurityGroups(ctx, in)
			if tc.buffered {
				if err != nil {
					t.Fatalf("DescribeSecurityGroups with a %d-value filter: %v", len(names), err)
				}
				// The controller's metrics count the requests it sent.
				if n := cloud.APICalls()[aws.Name] - before; n != 1 {
					t.Errorf("one DescribeSecurityGroups counted as %d API requests; want 1", n)
				}
				if len(out.SecurityGroups) != 40 {
					t.Fatalf("DescribeSecurityGroups: %d groups, want 40", len(out.SecurityGroups))
				}
				return
			}
			// The plain client loses the race this guards against. When an
			// SDK or Go release no longer does, this fails: BufferedBody
			// may then go.
			if err == nil || !strings.Contains(err.Error(), "use of closed network connection") {
				t.Errorf("without BufferedBody: %v; want the SDK's 'use of closed network connection' (aws-sdk-go-v2#2737)", err)
			}
		})
	}
}
