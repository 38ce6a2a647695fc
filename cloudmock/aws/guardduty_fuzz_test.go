package aws

import (
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// FuzzGuardDutyRequests checks that no GuardDuty method, path, query and
// body makes an operation panic, past the signature (which is checked
// before any of them is read).
func FuzzGuardDutyRequests(f *testing.F) {
	const acct = "111111111111"
	cloud := model.New()
	h := New(cloud, Config{Region: "us-east-1", Credentials: []Credential{{AccountID: acct, AccessKeyID: "AKIA", SecretAccessKey: "s"}}})
	d, err := cloud.CreateDetector(acct, "us-east-1", model.DetectorSpec{Enable: true})
	if err != nil {
		f.Fatal(err)
	}
	if _, err := cloud.CreateSampleFindings(acct, d.ID, nil); err != nil {
		f.Fatal(err)
	}
	p := "/detector/" + d.ID
	for _, seed := range [][4]string{
		{"POST", "/detector", "", `{"enable":true,"clientToken":"t","findingPublishingFrequency":"ONE_HOUR","tags":{"a":"b"}}`},
		{"GET", "/detector", "maxResults=1&nextToken=1", ""},
		{"POST", p + "/findings", "", `{"findingCriteria":{"criterion":{"severity":{"gte":4,"eq":["5"]},"service.archived":{"eq":["false"]}}},"sortCriteria":{"attributeName":"severity","orderBy":"DESC"},"maxResults":2,"nextToken":"1"}`},
		{"POST", p + "/findings/get", "", `{"findingIds":["x"],"sortCriteria":{"attributeName":"region"}}`},
		{"POST", p + "/findings/statistics", "", `{"findingStatisticTypes":["COUNT_BY_SEVERITY"],"findingCriteria":{"criterion":{"type":{"neq":["a"]}}}}`},
		{"POST", p + "/threatintelset", "", `{"name":"n","format":"TXT","location":"s3://b/k","activate":true}`},
		{"POST", p + "/threatintelset/abc", "", `{"activate":false,"location":"file:///nonexistent"}`},
		{"POST", p + "/findings/archive", "", `{"findingIds":[]}`},
		{"DELETE", p, "", ""},
	} {
		f.Add(seed[0], seed[1], seed[2], seed[3])
	}
	f.Fuzz(func(t *testing.T, method, path, query, body string) {
		// A file:// location is read from disk: keep the fuzzer off it.
		if strings.Contains(body, "file:") {
			return
		}
		route, ids, ok := gdRouteOf(method, path)
		if !ok {
			return
		}
		q, _ := url.ParseQuery(query)
		c := &gdCall{account: acct, region: "us-east-1", query: q, body: []byte(body)}
		if len(c.body) == 0 {
			c.body = []byte("{}")
		}
		if len(ids) > 0 {
			c.detectorID = ids[0]
		}
		if len(ids) > 1 {
			c.subID = ids[1]
		}
		_, _ = route.act(h, c)
	})
}

// FuzzParseThreatList checks that a TXT threat list either fails or
// parses into masked prefixes that print and parse back to themselves.
func FuzzParseThreatList(f *testing.F) {
	for _, seed := range []string{"203.0.113.7\n198.51.100.0/24\n", "# c\n\n2001:db8::/32\r\n", "::ffff:1.2.3.4\n", "1.2.3.4/33\n", "x"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		ps, err := model.ParseThreatList(text)
		if err != nil {
			return
		}
		for _, p := range ps {
			back, err := netip.ParsePrefix(p.String())
			if err != nil || back != p || p != p.Masked() {
				t.Fatalf("%v does not round-trip: %v, %v", p, back, err)
			}
		}
	})
}
