package console_test

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/controller/console"
)

// TestServesAssets: /ui/ is the page, its modules come as JavaScript, a
// page address under /ui/ that names no file gets the page, / redirects
// to /ui/, and anything else reaches the API.
func TestServesAssets(t *testing.T) {
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	hs := httptest.NewServer(console.With(api))
	defer hs.Close()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, tc := range []struct {
		path, wantType, wantBody string
		code                     int
	}{
		{"/ui/", "text/html", "<title>mcnlab console</title>", 200},
		{"/ui/app.js", "text/javascript", "startStream", 200},
		{"/ui/map.js", "text/javascript", "export async function render", 200},
		{"/ui/style.css", "text/css", "--down", 200},
		{"/ui/routes", "text/html", "<title>mcnlab console</title>", 200},
		{"/", "", "", http.StatusFound},
		{"/v1/status", "", "", http.StatusTeapot},
	} {
		resp, err := noRedirect.Get(hs.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.code || !strings.HasPrefix(resp.Header.Get("Content-Type"), tc.wantType) || !strings.Contains(string(b), tc.wantBody) {
			t.Errorf("GET %s = %d %q (%d bytes); want %d %s with %q", tc.path, resp.StatusCode, resp.Header.Get("Content-Type"), len(b), tc.code, tc.wantType, tc.wantBody)
		}
		if tc.code == http.StatusFound && resp.Header.Get("Location") != console.Path {
			t.Errorf("GET / redirects to %q, want %s", resp.Header.Get("Location"), console.Path)
		}
	}
}

// TestNothingFromTheNetwork: no asset names a URL outside the page's
// origin (no CDN, no font or script from elsewhere), bar the SVG
// namespace, which is a name and is never fetched.
func TestNothingFromTheNetwork(t *testing.T) {
	url := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}[^\s"'` + "`" + `)]*`)
	err := fs.WalkDir(console.Assets(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(console.Assets(), p)
		if err != nil {
			return err
		}
		for _, u := range url.FindAllString(string(b), -1) {
			if u != "http://www.w3.org/2000/svg" {
				t.Errorf("%s names %s: the console must load nothing from the network", p, u)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
