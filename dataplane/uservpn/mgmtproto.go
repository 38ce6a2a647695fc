package uservpn

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// OpenVPN's management interface (management-notes.txt of the openvpn
// package): with --management-client-auth, each client's connection is
// reported as
//
//	>CLIENT:CONNECT,{CID},{KID}
//	>CLIENT:ENV,name=value      (one per variable)
//	>CLIENT:ENV,END
//
// (REAUTH at a renegotiation, ESTABLISHED once in, DISCONNECT when gone),
// and answered with client-auth (with config lines, ended by END) or
// client-deny. Command answers are single SUCCESS: or ERROR: lines.
// OpenVPN: https://github.com/OpenVPN/openvpn/blob/master/doc/management-notes.txt — the client-auth notifications and commands

// Client event kinds.
const (
	EventConnect     = "CONNECT"
	EventReauth      = "REAUTH"
	EventEstablished = "ESTABLISHED"
	EventDisconnect  = "DISCONNECT"
)

// Event is one >CLIENT: notification with its environment.
type Event struct {
	Kind string
	CID  uint64
	KID  uint64 // CONNECT and REAUTH only
	Env  map[string]string
}

// maxEnv bounds the variables of one event.
const maxEnv = 512

// eventParser assembles events from notification lines.
type eventParser struct {
	cur *Event
}

// line takes one line (without its newline) of the >CLIENT: kind; it
// returns a finished event, or nil while one is being read.
func (p *eventParser) line(l string) (*Event, error) {
	body, ok := strings.CutPrefix(l, ">CLIENT:")
	if !ok {
		return nil, fmt.Errorf("management: %q is not a client notification", l)
	}
	if env, ok := strings.CutPrefix(body, "ENV,"); ok {
		if p.cur == nil {
			return nil, fmt.Errorf("management: %q outside an event", l)
		}
		if env == "END" {
			ev := p.cur
			p.cur = nil
			return ev, nil
		}
		k, v, ok := strings.Cut(env, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("management: environment line %q has no name=value", l)
		}
		if len(p.cur.Env) >= maxEnv {
			return nil, fmt.Errorf("management: more than %d environment variables", maxEnv)
		}
		p.cur.Env[k] = v
		return nil, nil
	}
	if p.cur != nil {
		return nil, fmt.Errorf("management: %q before the environment of client %d ended", l, p.cur.CID)
	}
	ev, err := parseEventHead(body)
	if err != nil {
		return nil, fmt.Errorf("management: %q: %w", l, err)
	}
	if ev.Kind == EventEstablished || ev.Kind == EventDisconnect || ev.Kind == EventConnect || ev.Kind == EventReauth {
		p.cur = ev
		return nil, nil
	}
	return ev, nil
}

// parseEventHead reads KIND,CID[,KID].
func parseEventHead(body string) (*Event, error) {
	f := strings.Split(body, ",")
	ev := &Event{Kind: f[0], Env: map[string]string{}}
	want := 2
	switch ev.Kind {
	case EventConnect, EventReauth:
		want = 3
	case EventEstablished, EventDisconnect:
	default:
		// ADDRESS, CR_RESPONSE, ...: read and ignored by the caller.
		return ev, nil
	}
	if len(f) != want {
		return nil, fmt.Errorf("%s wants %d fields, has %d", ev.Kind, want, len(f))
	}
	var err error
	if ev.CID, err = strconv.ParseUint(f[1], 10, 64); err != nil {
		return nil, fmt.Errorf("client id: %w", err)
	}
	if want == 3 {
		if ev.KID, err = strconv.ParseUint(f[2], 10, 64); err != nil {
			return nil, fmt.Errorf("key id: %w", err)
		}
	}
	return ev, nil
}

// errDenied is a client refused by the gateway (the reason is sent to
// OpenVPN's log).
var errDenied = errors.New("denied")

// authCommand is the client-auth command letting client ev in with
// address addr of the pool (prefix bits).
func authCommand(ev *Event, addr string, mask string) string {
	return fmt.Sprintf("client-auth %d %d\nifconfig-push %s %s\nEND", ev.CID, ev.KID, addr, mask)
}

// denyCommand refuses client ev; reason is reduced to safe characters.
func denyCommand(ev *Event, reason string) string {
	return fmt.Sprintf("client-deny %d %d %q", ev.CID, ev.KID, quoteSafe(reason))
}

// quoteSafe keeps letters, digits, blanks and plain punctuation, so that
// a reason is one quoted token.
func quoteSafe(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x80 && (r == ' ' || r == ':' || r == '-' || r == '.' || r == '_' || r == '/' || r == '@' ||
			(r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')) {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
		if b.Len() >= 200 {
			break
		}
	}
	return b.String()
}
