package aws

import (
	"net/url"
	"testing"
)

// FuzzFormParsing checks that no form body makes the parameter helpers panic.
func FuzzFormParsing(f *testing.F) {
	for _, seed := range []string{
		"Action=DescribeVpcs&Filter.1.Name=tag:Name&Filter.1.Value.1=a*b?",
		"TagSpecification.1.ResourceType=vpc&TagSpecification.1.Tag.1.Key=k&TagSpecification.1.Tag.1.Value=v",
		"IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=1&IpPermissions.1.ToPort=2&IpPermissions.1.IpRanges.1.CidrIp=10.0.0.0/8",
		"VpcId.1=vpc-1&VpcId.99999999999999999999=x&MaxResults=5&NextToken=%%%",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		v, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		fm := form(v)
		_, _ = fm.tagSpecs("vpc")
		_, _ = parseRules(fm)
		_, _ = parseACLEntry(fm)
		_, _ = fm.cidr("CidrBlock")
		_, _, _ = paginate(fm, []int{1, 2, 3, 4, 5, 6})
		for _, flt := range fm.filters() {
			for _, val := range flt.values {
				glob(val, flt.name)
			}
		}
	})
}

func TestGlob(t *testing.T) {
	for _, tc := range []struct {
		pattern, s string
		want       bool
	}{
		{"10.0.*", "10.0.0.0/16", true}, {"vpc-?", "vpc-a", true}, {"vpc-?", "vpc-ab", false},
		{"*", "", true}, {"a*c", "abbbc", true}, {"a*c", "abbbd", false}, {"exact", "exact", true},
	} {
		if got := glob(tc.pattern, tc.s); got != tc.want {
			t.Errorf("glob(%q, %q) = %v, want %v", tc.pattern, tc.s, got, tc.want)
		}
	}
}
