package aws

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
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
		fs, _ := fm.filters()
		for _, flt := range fs {
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
		{"", "", true}, {"", "a", false}, {"?", "", false}, {"*a", "bbba", true}, {"*a", "bbbab", false},
		{"a*b*c", "axxbyyc", true}, {"a*b*c", "axxcyyb", false}, {"**", "anything", true},
		{"?é", "xé", true}, {"?", "é", true}, // ? is one character, not one byte
		{`\*`, "*", true}, {`\*`, "a", false}, {`a\?`, "a?", true}, {`a\?`, "ab", false}, {`\\`, `\`, true}, {`a\`, `a\`, true},
	} {
		if got := glob(tc.pattern, tc.s); got != tc.want {
			t.Errorf("glob(%q, %q) = %v, want %v", tc.pattern, tc.s, got, tc.want)
		}
	}
}

// globReference is the plain meaning of an EC2 filter value as a regular
// expression: the reference FuzzGlob compares glob with.
func globReference(pattern string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`(?s)\A`)
	rs := []rune(pattern)
	for i := 0; i < len(rs); i++ {
		switch rs[i] {
		case '\\':
			if i+1 < len(rs) {
				i++
			}
			b.WriteString(regexp.QuoteMeta(string(rs[i])))
		case '*':
			b.WriteString(`.*`)
		case '?':
			b.WriteString(`.`)
		default:
			b.WriteString(regexp.QuoteMeta(string(rs[i])))
		}
	}
	b.WriteString(`\z`)
	return regexp.MustCompile(b.String())
}

// FuzzGlob compares glob with a regular expression on short inputs.
func FuzzGlob(f *testing.F) {
	for _, seed := range [][2]string{
		{"10.0.*", "10.0.0.0/16"}, {"vpc-?", "vpc-a"}, {"a*b*c", "axxbyyc"}, {"*a*a*a*b", "aaaaaaaaaa"},
		{`\*x\?`, "*x?"}, {"?é*", "xéy"}, {"", ""}, {"**?", "a"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, pattern, s string) {
		if len(pattern) > 64 || len(s) > 64 || !utf8.ValidString(pattern) || !utf8.ValidString(s) {
			return
		}
		if got, want := glob(pattern, s), globReference(pattern).MatchString(s); got != want {
			t.Fatalf("glob(%q, %q) = %v, regexp says %v", pattern, s, got, want)
		}
	})
}

// TestGlobLinear checks that stars do not make a match exponential: the
// pattern that backtracked for minutes is decided at once.
func TestGlobLinear(t *testing.T) {
	pattern := strings.Repeat("*a", 200) + "b"
	s := strings.Repeat("a", 256)
	start := time.Now()
	if glob(pattern, s) {
		t.Fatal("glob matched a value without b")
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Fatalf("glob of 200 stars over 256 characters took %v", d)
	}
}
