package aws_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// TestFilterOfManyStars sends the filter values that backtracked for
// minutes: 10,000 stars are refused at once as over-long, and the longest
// allowed value, 256 characters of stars and letters, is matched at once.
func TestFilterOfManyStars(t *testing.T) {
	l := newLab(t)
	mkVpc(t, l.a, "10.0.0.0/16", strings.Repeat("a", 200))
	start := time.Now()
	_, err := l.a.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{filter("tag:Name", strings.Repeat("*", 10000))}})
	d := time.Since(start)
	wantAPIErrorMessage(t, err, "InvalidParameterValue", "The filter value '"+strings.Repeat("*", 100)+
		"… (10000 bytes)' for filter 'tag:Name' is 10000 characters long; a filter value is at most 256 characters.")
	if d > 500*time.Millisecond {
		t.Errorf("10,000-star filter answered in %v, want milliseconds", d)
	}
	t.Logf("10,000-star filter refused in %v", d)

	worst := strings.Repeat("*a", 127) + "*b" // 256 characters that never match
	start = time.Now()
	out, err := l.a.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{filter("tag:Name", worst)}})
	d = time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Vpcs) != 0 {
		t.Fatalf("%d VPCs matched a value ending in b", len(out.Vpcs))
	}
	if d > 500*time.Millisecond {
		t.Errorf("128-star filter answered in %v, want milliseconds", d)
	}
	t.Logf("128-star filter over a 200-character name answered in %v", d)
	// The same shape that does match.
	out, err = l.a.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{filter("tag:Name", strings.Repeat("*a", 128))}})
	if err != nil || len(out.Vpcs) != 1 {
		t.Fatalf("128 *a: %d VPCs, %v; want 1", len(out.Vpcs), err)
	}
}
