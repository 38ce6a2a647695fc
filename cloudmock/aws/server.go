package aws

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/mcnlab/mcnlab/cloudmock/held"
	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// APIVersion is the only EC2 API version the handler accepts.
const APIVersion = "2016-11-15"

const xmlns = "http://ec2.amazonaws.com/doc/2016-11-15/"

// Config configures a Handler.
type Config struct {
	Region      string       // e.g. "us-east-1"; zones are Region + "a".."f"
	Credentials []Credential // one or more per account
	// BodyReadTimeout bounds reading one request's body, from the end of
	// its headers; a client that sends it slower is answered RequestTimeout
	// and its connection closed. Zero means DefaultBodyReadTimeout. It is
	// set on the connection (http.ResponseController), so a wrapping
	// ResponseWriter that cannot set deadlines leaves it to the server's
	// own ReadTimeout.
	BodyReadTimeout time.Duration
	// Tokens are the answers to requests with a client token that an
	// earlier process serving the same saved cloud remembered (Remember):
	// a client retrying such a request after a restart gets the first
	// answer, not a second resource.
	Tokens []Token
	// Remember, if set, is called with each answer remembered for a client
	// token, once the request has succeeded, so that the caller can save
	// it beside the model (cloudmock/persist). It must not block for long.
	Remember func(Token)
}

// DefaultBodyReadTimeout is Config.BodyReadTimeout's default: far more
// than the largest body (MaxBodyBytes) takes over loopback.
const DefaultBodyReadTimeout = 30 * time.Second

// Handler serves the EC2 Query API over a model.Cloud. It is safe for
// concurrent use.
type Handler struct {
	cloud  *model.Cloud
	region string
	credMu sync.RWMutex          // guards creds, which STS adds to (sts_session.go)
	creds  map[string]Credential // by access key ID
	now    func() time.Time
	// bodyTimeout is Config.BodyReadTimeout.
	bodyTimeout time.Duration

	remember func(Token) // Config.Remember

	mu     sync.Mutex // guards tokens
	tokens map[string]*idempotent

	// signer recomputes request signatures (authenticate). One signer for
	// the handler keeps its cache of derived signing keys, which a signer
	// made per request would derive again (four HMACs) on every call.
	signer *v4.Signer
}

// call is one authenticated request.
type call struct {
	account string
	action  string
	form    form
	region  string // the region the request was signed for (requestRegion)
}

// response is an action's result; each embeds meta for the requestId.
type response interface{ setRequestID(string) }

type meta struct {
	RequestID string `xml:"requestId"`
}

func (m *meta) setRequestID(id string) { m.RequestID = id }

// returnResp is the body of actions that answer <return>true</return>.
type returnResp struct {
	meta
	Return bool `xml:"return"`
}

func ok() (response, error) { return &returnResp{Return: true}, nil }

type action func(h *Handler, c *call) (response, error)

// actions maps EC2 action names to their implementations.
var actions = map[string]action{}

func register(name string, a action) { actions[name] = a }

// New returns a Handler serving cloud for the given credentials; accounts
// named by the credentials are added to the cloud with default limits if
// the cloud does not have them yet.
func New(cloud *model.Cloud, cfg Config) *Handler {
	h := &Handler{cloud: cloud, region: cfg.Region, creds: map[string]Credential{}, now: time.Now, tokens: map[string]*idempotent{},
		bodyTimeout: cfg.BodyReadTimeout, remember: cfg.Remember, signer: v4.NewSigner()}
	for _, t := range cfg.Tokens {
		done := make(chan struct{})
		close(done)
		h.tokens[t.Key] = &idempotent{paramHash: t.ParamHash, done: done, body: t.Body}
	}
	if h.bodyTimeout <= 0 {
		h.bodyTimeout = DefaultBodyReadTimeout
	}
	if h.region == "" {
		h.region = "us-east-1"
	}
	for _, c := range cfg.Credentials {
		h.creds[c.AccessKeyID] = c
		if _, err := cloud.Account(c.AccountID); err != nil {
			cloud.AddAccount(model.Account{ID: c.AccountID, Limits: model.DefaultLimits()})
		}
	}
	return h
}

// Actions lists the EC2 actions the handler implements, sorted.
func Actions() []string { return slices.Sorted(maps.Keys(actions)) }

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	hex.Encode(s[9:13], b[4:6])
	hex.Encode(s[14:18], b[6:8])
	hex.Encode(s[19:23], b[8:10])
	hex.Encode(s[24:36], b[10:16])
	s[8], s[13], s[18], s[23] = '-', '-', '-', '-'
	return string(s[:])
}

// ServeHTTP authenticates, decodes and runs one EC2 Query API request, or
// one Direct Connect or CloudWatch Logs JSON request (those carry an
// X-Amz-Target header).
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/Query-Requests.html — Action, Version and form-encoded parameters
// markRead tells the wrappers around the front-end (cloudmock/held) that
// an action cannot change anything, by its name (Describe*, Get*), so that
// it is answered at once while other calls' changes are brought in force.
func markRead(w http.ResponseWriter, action string) {
	if strings.HasPrefix(action, "Describe") || strings.HasPrefix(action, "Get") {
		held.MarkRead(w)
	}
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := newRequestID()
	body, err := h.readBody(w, r)
	if isGuardDuty(r) {
		h.serveGuardDuty(w, r, reqID, body, err)
		return
	}
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		if err != nil {
			writeDXError(w, reqID, dxBodyError(w, err))
			return
		}
		h.serveJSON(w, r, reqID, target, body)
		return
	}
	if err != nil {
		writeError(w, reqID, ec2BodyError(w, err))
		return
	}
	cred, service, err := h.authenticate(r, body)
	if err != nil {
		writeError(w, reqID, ec2AuthError(err))
		return
	}
	if service == stsService {
		h.serveSTS(w, r, reqID, cred, body)
		return
	}
	if service != ec2Service {
		writeError(w, reqID, ec2ScopeError())
		return
	}
	values := url.Values{}
	if r.Method == http.MethodPost {
		if values, err = url.ParseQuery(string(body)); err != nil {
			writeError(w, reqID, errInvalid("malformed form body: %v", err))
			return
		}
	}
	for k, v := range r.URL.Query() {
		values[k] = append(values[k], v...)
	}
	f := form(values)
	name := f.str("Action")
	markRead(w, name)
	act, found := actions[name]
	if !found {
		writeError(w, reqID, &apiError{Code: "InvalidAction", Message: fmt.Sprintf("The action %s is not valid for this web service.", clip(name)), Status: http.StatusBadRequest})
		return
	}
	if v := f.str("Version"); v != APIVersion {
		writeError(w, reqID, &apiError{Code: "InvalidParameterValue", Message: fmt.Sprintf("Invalid API version %q; this endpoint serves %s", clip(v), APIVersion), Status: http.StatusBadRequest})
		return
	}
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/CommonParameters.html — DryRun checks permissions and answers DryRunOperation
	dry, err := f.boolp("DryRun")
	if err == nil {
		err = checkClientToken(f.str("ClientToken"))
	}
	if err == nil {
		err = checkIDs(f)
	}
	if err != nil {
		writeError(w, reqID, toAPIError(err))
		return
	}
	if dry != nil && *dry {
		writeError(w, reqID, &apiError{Code: "DryRunOperation", Message: "Request would have succeeded, but DryRun flag is set.", Status: http.StatusPreconditionFailed})
		return
	}
	c := &call{account: cred.AccountID, action: name, form: f, region: h.requestRegion(r)}
	if err := h.checkRegionIDs(c); err != nil {
		writeError(w, reqID, err)
		return
	}
	if err := h.ensureDefaultVPC(c); err != nil {
		writeError(w, reqID, toAPIError(err))
		return
	}
	// AWS: https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-idempotency.html — same ClientToken, same parameters: same result
	token := f.str("ClientToken")
	if token == "" {
		out, apiErr := h.run(act, c, reqID)
		if apiErr != nil {
			writeError(w, reqID, apiErr)
			return
		}
		writeXML(w, out)
		return
	}
	// A token is the region's own: each region is its own endpoint.
	h.serveIdempotent(w, act, c, reqID, cred.AccountID+"\x00"+c.region+"\x00"+name+"\x00"+token, paramHash(values))
}

// run executes an action and encodes its response.
func (h *Handler) run(act action, c *call, reqID string) ([]byte, *apiError) {
	resp, err := act(h, c)
	if err != nil {
		return nil, toAPIError(err)
	}
	resp.setRequestID(reqID)
	out, err := marshalXML(wrap{name: c.action + "Response", body: resp})
	if err != nil {
		return nil, toAPIError(fmt.Errorf("encode %s response: %w", c.action, err))
	}
	return out, nil
}

func writeXML(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(body)
}

// wrap marshals a response body inside <ActionResponse xmlns="...">.
type wrap struct {
	name string
	body response
}

// MarshalXML writes the action's response element with EC2's namespace.
func (w wrap) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	start := xml.StartElement{Name: xml.Name{Local: w.name}, Attr: []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: xmlns}}}
	return e.EncodeElement(w.body, start)
}
