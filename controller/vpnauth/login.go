package vpnauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"time"

	"golang.org/x/net/html"
)

// ErrBadPassword is a sign-in the IdP refused.
var ErrBadPassword = errors.New("the identity provider refused the user name or password")

// maxPage bounds a page read during sign-in.
const maxPage = 1 << 20

// Login signs user in headlessly, as a browser would: GET start (the SP's
// login URL, with its query), follow the redirect to the IdP, fill its
// login form with user and password and post it, then post the IdP's
// answer (the SAMLResponse form) to the SP and return the credential. It
// sends the password only to the IdP's own origin, and the assertion only
// to the SP's origin. hc's transport is used (nil: the default one).
func Login(ctx context.Context, hc *http.Client, start *url.URL, user, password string) (Credential, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	if hc != nil {
		c.Transport = hc.Transport
	}
	acs, vals, err := signIn(ctx, c, start, user, password)
	if err != nil {
		return Credential{}, err
	}
	if acs.Scheme != start.Scheme || acs.Host != start.Host {
		return Credential{}, fmt.Errorf("sign in: the identity provider posts the assertion to %s, not to the service provider at %s", acs.Host, start.Host)
	}
	body, _, err := post(ctx, c, acs, vals)
	if err != nil {
		return Credential{}, fmt.Errorf("sign in: %w", err)
	}
	var cred Credential
	if err := json.Unmarshal(body, &cred); err != nil {
		return Credential{}, fmt.Errorf("sign in: the service provider's answer: %w", err)
	}
	return cred, nil
}

// signIn goes as far as the IdP's answer: the SP's ACS URL and the form
// to post to it.
func signIn(ctx context.Context, c *http.Client, start *url.URL, user, password string) (*url.URL, url.Values, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, start.String(), nil)
	if err != nil {
		return nil, nil, fmt.Errorf("sign in: %w", err)
	}
	page, pageURL, err := fetch(c, req)
	if err != nil {
		return nil, nil, fmt.Errorf("sign in: %w", err)
	}
	f, err := parseForm(page)
	if err != nil || !f.has("password") || !f.has("user") {
		return nil, nil, fmt.Errorf("sign in: %s holds no login form: %v", pageURL.Redacted(), err)
	}
	f.set("user", user)
	f.set("password", password)
	action, err := f.target(pageURL)
	if err != nil {
		return nil, nil, fmt.Errorf("sign in: %w", err)
	}
	page, pageURL, err = post(ctx, c, action, f.values())
	if err != nil {
		return nil, nil, fmt.Errorf("sign in: %w", err)
	}
	f, err = parseForm(page)
	if err != nil {
		return nil, nil, fmt.Errorf("sign in: the identity provider's answer: %w", err)
	}
	if f.has("password") {
		return nil, nil, fmt.Errorf("sign in as %s: %w (%s)", user, ErrBadPassword, strings.TrimSpace(f.text))
	}
	if !f.has("SAMLResponse") {
		return nil, nil, fmt.Errorf("sign in: the identity provider answered no SAMLResponse form")
	}
	acs, err := f.target(pageURL)
	if err != nil {
		return nil, nil, fmt.Errorf("sign in: %w", err)
	}
	return acs, f.values(), nil
}

// fetch does req and returns the body of a 200 and the final URL.
func fetch(c *http.Client, req *http.Request) ([]byte, *url.URL, error) {
	resp, err := c.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxPage))
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: %w", req.Method, resp.Request.URL.Redacted(), err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("%s %s: %s: %s", req.Method, resp.Request.URL.Redacted(), resp.Status, strings.TrimSpace(string(b)))
	}
	return b, resp.Request.URL, nil
}

func post(ctx context.Context, c *http.Client, to *url.URL, v url.Values) ([]byte, *url.URL, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, to.String(), strings.NewReader(v.Encode()))
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return fetch(c, req)
}

// form is the first HTML form of a page: its action, its inputs in order,
// and the page's text outside it (a login page's message).
type form struct {
	action string
	names  []string
	vals   map[string]string
	text   string
}

func (f *form) has(n string) bool { _, ok := f.vals[n]; return ok }

func (f *form) set(n, v string) { f.vals[n] = v }

func (f *form) values() url.Values {
	v := url.Values{}
	for _, n := range f.names {
		v.Set(n, f.vals[n])
	}
	return v
}

// target is the form's action resolved against the page; it must stay on
// the page's origin or be absolute http(s).
func (f *form) target(page *url.URL) (*url.URL, error) {
	a, err := page.Parse(f.action)
	if err != nil {
		return nil, fmt.Errorf("form action %q: %w", f.action, err)
	}
	if a.Scheme != "http" && a.Scheme != "https" {
		return nil, fmt.Errorf("form action %q: not http or https", f.action)
	}
	if f.has("password") && a.Host != page.Host {
		return nil, fmt.Errorf("form action %q: the password would leave %s", f.action, page.Host)
	}
	return a, nil
}

// maxInputs bounds a form's fields.
const maxInputs = 64

// parseForm reads the first form of an HTML page.
func parseForm(page []byte) (*form, error) {
	z := html.NewTokenizer(strings.NewReader(string(page)))
	f := &form{vals: map[string]string{}}
	in, seen, title := false, false, false
	var text strings.Builder
	for {
		switch z.Next() {
		case html.ErrorToken:
			if !seen {
				return nil, errors.New("no form")
			}
			f.text = text.String()
			return f, nil
		case html.TextToken:
			if !in && !title && text.Len() < 1024 {
				text.Write(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			attrs := map[string]string{}
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				attrs[string(k)] = string(v)
			}
			switch string(name) {
			case "title":
				title = true
			case "form":
				if !seen {
					in, seen = true, true
					f.action = attrs["action"]
				}
			case "input":
				if in && attrs["name"] != "" && !f.has(attrs["name"]) {
					if len(f.names) >= maxInputs {
						return nil, fmt.Errorf("more than %d inputs", maxInputs)
					}
					f.names = append(f.names, attrs["name"])
					f.vals[attrs["name"]] = attrs["value"]
				}
			}
		case html.EndTagToken:
			switch name, _ := z.TagName(); string(name) {
			case "form":
				in = false
			case "title":
				title = false
			}
		}
	}
}
