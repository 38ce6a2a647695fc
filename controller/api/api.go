// Package api is the controller's REST API: the JSON types of its
// endpoints, the HTTP handler that serves them over a Backend (the
// controller's engine) with bearer tokens and three roles, the Client that
// the CLI uses, and the files in a lab's state directory that say where a
// lab's controller listens.
//
// The package holds no controller logic: everything it answers comes from
// the Backend, and tokens are checked through an Authenticator (a
// *store.Store in the controller). It must not import the controller's
// engine. The API is documented in openapi.yaml, served at
// GET /v1/openapi.yaml; a test keeps the two in step.
package api

import (
	"context"
	"errors"
	"net/netip"
	"time"

	"github.com/mcnlab/mcnlab/controller/store"
)

// Sentinel errors that a Backend wraps so that the handler answers with the
// right status: ErrNotFound gives 404, ErrInvalid gives 400, ErrRefused 422
// and ErrConflict 409.
var (
	// ErrNotFound says that a named object (a site, a node, an approval)
	// does not exist.
	ErrNotFound = errors.New("not found")
	// ErrInvalid says that a request's arguments are malformed.
	ErrInvalid = errors.New("invalid request")
	// ErrRefused says that a well-formed request breaks one of the
	// topology's rules (approving a prefix that the site does not
	// advertise, say). Make one with Refused.
	ErrRefused = errors.New("refused")
	// ErrConflict says that the request cannot be done in the lab's
	// present state (revoking an approval that the topology file makes).
	ErrConflict = errors.New("conflict")
)

// Refused returns an error whose message is reason's alone (the answer's
// "error" says why and what would be valid) and that wraps both reason and
// ErrRefused.
func Refused(reason error) error { return refusedError{reason} }

type refusedError struct{ reason error }

func (e refusedError) Error() string   { return e.reason.Error() }
func (e refusedError) Unwrap() []error { return []error{e.reason, ErrRefused} }

// Backend is what the API serves: the controller's engine, or a fake in
// tests. Each method answers one endpoint; none changes anything except
// Approve and Revoke. Methods must be safe for concurrent use and return
// when ctx is done. Errors that wrap ErrNotFound, ErrInvalid, ErrRefused or
// ErrConflict become 404, 400, 422 and 409; any other becomes 500.
type Backend interface {
	// Status answers GET /v1/status.
	Status(ctx context.Context) (Status, error)
	// Pending answers GET /v1/routes/pending: routes learned from sites
	// and waiting for approval.
	Pending(ctx context.Context) ([]PendingRoute, error)
	// Approved answers GET /v1/routes/approved.
	Approved(ctx context.Context) ([]ApprovedRoute, error)
	// Approve answers POST /v1/routes/approve: it approves prefix (in
	// canonical CIDR form) learned from site, on behalf of by (a token's
	// name). It is idempotent: approving an approved route reports
	// Approved false. An unknown site wraps ErrNotFound; a prefix that
	// the topology's approval rules refuse (not inside what the site
	// advertises, inside a VPC's range, another address family) wraps
	// ErrRefused, its message saying why and what would be valid.
	Approve(ctx context.Context, site, prefix, by string) (ApproveResult, error)
	// Revoke answers DELETE /v1/routes/approved/{site}/{prefix}: it
	// withdraws a run-time approval of prefix (canonical CIDR) learned
	// from site, on behalf of by; the transit then drops the route. An
	// unknown site, or a route not approved, wraps ErrNotFound; an
	// approval that the topology file makes wraps ErrConflict.
	Revoke(ctx context.Context, site, prefix, by string) (RevokeResult, error)
	// RouteTables answers GET /v1/route-tables.
	RouteTables(ctx context.Context) ([]RouteTable, error)
	// Segmentation answers GET /v1/segmentation.
	Segmentation(ctx context.Context) (Segmentation, error)
	// Ping answers POST /v1/diagnostics/ping; the request is validated
	// (From and To set, 1 <= Count <= MaxPingCount). An unknown node
	// wraps ErrNotFound.
	Ping(ctx context.Context, req PingRequest) (PingResult, error)
}

// Authenticator checks API tokens; *store.Store is one.
type Authenticator interface {
	// TokenRole returns the role of the token whose secret is token, and
	// false when there is no such token.
	TokenRole(token string) (store.Role, bool, error)
}

// Identifier is an Authenticator that also names a token's holder, which
// the handler records as who approved a route. *store.Store is one. With a
// plain Authenticator, approvals are recorded as by "role:<role>".
type Identifier interface {
	Authenticator
	// Identify returns the name and role of the token whose secret is
	// token, and false when there is no such token.
	Identify(token string) (store.TokenInfo, bool, error)
}

// TokenStore manages API tokens for the /v1/tokens endpoints; *store.Store
// is one. The handler serves those endpoints when its Authenticator is
// also a TokenStore, and answers 501 otherwise.
type TokenStore interface {
	// CreateToken makes a token and returns its secret; a taken name
	// wraps store.ErrExists, a bad name or role store.ErrInvalid.
	CreateToken(role store.Role, name string) (string, error)
	// Tokens lists the tokens without their secrets.
	Tokens() ([]store.TokenInfo, error)
	// RevokeToken deletes a token; an unknown name wraps store.ErrNotFound.
	RevokeToken(name string) error
}

// Status is the lab's state as the controller sees it.
type Status struct {
	Lab string `json:"lab"`
	// Converged is set when every gateway is configured, every tunnel and
	// BGP session is up, and the transit gateways have received every
	// prefix each site advertises (approved or pending).
	Converged bool      `json:"converged"`
	Gateways  []Gateway `json:"gateways"`
	// Waiting lists, until the lab has converged, what it waits for, one
	// line each: a gateway not answering or not configured, a tunnel
	// down, a BGP session not established (between which nodes, in which
	// state), a site's prefixes not all heard, a route table that cannot
	// be programmed, the cloud's apply failing.
	Waiting []string `json:"waiting,omitempty"`
}

// GatewayRole is what a gateway does.
type GatewayRole string

// Gateway roles.
const (
	GatewayTransit GatewayRole = "transit"
	GatewaySpoke   GatewayRole = "spoke"
	GatewaySite    GatewayRole = "site"
)

// Gateway is one gateway of the lab and the health of its tunnels and BGP
// sessions.
type Gateway struct {
	Name string      `json:"name"`
	Role GatewayRole `json:"role"`
	// Group is the transit, spoke or site the gateway belongs to.
	Group      string     `json:"group"`
	InstanceID string     `json:"instance_id"`
	PrivateIP  netip.Addr `json:"private_ip"`
	// PublicIP is absent when the gateway has none.
	PublicIP   netip.Addr `json:"public_ip,omitzero"`
	TunnelsUp  int        `json:"tunnels_up"`
	Tunnels    int        `json:"tunnels"`
	SessionsUp int        `json:"sessions_up"`
	Sessions   int        `json:"sessions"`
}

// PendingRoute is a route learned from a site that waits for approval
// before a transit propagates it.
type PendingRoute struct {
	Transit string       `json:"transit"`
	Site    string       `json:"site"`
	Prefix  netip.Prefix `json:"prefix"`
}

// ApprovedRoute is a route that was approved, by whom and when.
type ApprovedRoute struct {
	Transit string       `json:"transit"`
	Site    string       `json:"site"`
	Prefix  netip.Prefix `json:"prefix"`
	By      string       `json:"by"`
	At      time.Time    `json:"at"`
}

// ApproveRequest is the body of POST /v1/routes/approve.
type ApproveRequest struct {
	Site   string `json:"site"`
	Prefix string `json:"prefix"` // CIDR; host bits must be zero
}

// ApproveResult answers POST /v1/routes/approve.
type ApproveResult struct {
	Transit string       `json:"transit"`
	Site    string       `json:"site"`
	Prefix  netip.Prefix `json:"prefix"`
	// Approved is false when the route was approved already.
	Approved bool `json:"approved"`
}

// RevokeResult answers DELETE /v1/routes/approved/{site}/{prefix}: the
// approval withdrawn.
type RevokeResult struct {
	Transit string       `json:"transit"`
	Site    string       `json:"site"`
	Prefix  netip.Prefix `json:"prefix"`
}

// RouteTable is one cloud route table and the subnet it serves.
type RouteTable struct {
	VPC          string  `json:"vpc"`
	Subnet       string  `json:"subnet"`
	RouteTableID string  `json:"route_table_id"`
	Routes       []Route `json:"routes"`
}

// RouteOrigin says where a route of a route table comes from.
type RouteOrigin string

// Route origins.
const (
	// OriginLocal is the VPC's own local route.
	OriginLocal RouteOrigin = "local"
	// OriginStatic is a route that the controller (or a user) wrote.
	OriginStatic RouteOrigin = "static"
	// OriginLearned is a route propagated from BGP.
	OriginLearned RouteOrigin = "learned"
)

// Route is one route of a route table.
type Route struct {
	Destination netip.Prefix `json:"destination"`
	Target      string       `json:"target"`
	Origin      RouteOrigin  `json:"origin"`
}

// Segmentation is the network segmentation policy and what it dropped.
type Segmentation struct {
	Domains []Domain `json:"domains"`
	// Connections are the pairs of domains that may talk to each other.
	Connections [][2]string `json:"connections"`
	Drops       []Drop      `json:"drops"`
}

// Domain is a security domain: its member gateways or attachments and
// the prefixes behind them.
type Domain struct {
	Name     string         `json:"name"`
	Members  []string       `json:"members"`
	Prefixes []netip.Prefix `json:"prefixes"`
}

// Drop counts the packets that a gateway dropped between two domains.
type Drop struct {
	Gateway string `json:"gateway"`
	From    string `json:"from"`
	To      string `json:"to"`
	Packets uint64 `json:"packets"`
}

// MaxPingCount is the most probes one ping request may send.
const MaxPingCount = 100

// DefaultPingCount is the number of probes when a request names none.
const DefaultPingCount = 3

// PingRequest is the body of POST /v1/diagnostics/ping: From and To name
// nodes (or addresses) of the lab.
type PingRequest struct {
	From  string `json:"from"`
	To    string `json:"to"`
	Count int    `json:"count,omitempty"` // 0 means DefaultPingCount
}

// PingResult answers POST /v1/diagnostics/ping.
type PingResult struct {
	From     string `json:"from"`
	To       string `json:"to"`
	Sent     int    `json:"sent"`
	Received int    `json:"received"`
	// Reason explains a loss (a route missing, a security rule, a
	// segmentation drop); empty when every probe came back.
	Reason string `json:"reason"`
}

// TokenRequest is the body of POST /v1/tokens.
type TokenRequest struct {
	Name string     `json:"name"`
	Role store.Role `json:"role"`
}

// NewToken answers POST /v1/tokens. Token is the secret; it is shown this
// once.
type NewToken struct {
	Name  string     `json:"name"`
	Role  store.Role `json:"role"`
	Token string     `json:"token"`
}

// ErrorBody is the body of every error answer.
type ErrorBody struct {
	Error string `json:"error"`
	// Role is, on a 403, the role that the request needs.
	Role store.Role `json:"role,omitempty"`
}
