package uservpn

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"
)

// mgmtConn is a connection to OpenVPN's management socket: one goroutine
// reads it, passing client events to events and command answers to
// answers; Command sends one command at a time.
type mgmtConn struct {
	c       net.Conn
	events  chan *Event
	answers chan string
	done    chan struct{}
	err     error // why reading stopped; set before done closes

	mu sync.Mutex // serializes commands
}

// dialMgmt connects to the socket at path, retrying until it answers or
// ctx ends (OpenVPN creates it a moment after it starts).
func dialMgmt(ctx context.Context, path string, exited <-chan struct{}) (*mgmtConn, error) {
	for {
		c, err := net.Dial("unix", path)
		if err == nil {
			m := &mgmtConn{c: c, events: make(chan *Event, 64), answers: make(chan string, 1), done: make(chan struct{})}
			go m.read()
			return m, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("management socket %s: %w (last: %v)", path, ctx.Err(), err)
		case <-exited:
			return nil, fmt.Errorf("management socket %s: openvpn exited", path)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// read splits the stream into events and answers until it ends.
func (m *mgmtConn) read() {
	defer close(m.done)
	defer close(m.events)
	sc := bufio.NewScanner(m.c)
	sc.Buffer(make([]byte, 64<<10), 64<<10)
	var p eventParser
	for sc.Scan() {
		l := strings.TrimRight(sc.Text(), "\r")
		switch {
		case strings.HasPrefix(l, ">CLIENT:"):
			ev, err := p.line(l)
			if err != nil {
				m.err = err
				return
			}
			if ev != nil {
				m.events <- ev
			}
		case strings.HasPrefix(l, "SUCCESS:"), strings.HasPrefix(l, "ERROR:"):
			select {
			case m.answers <- l:
			default: // an answer nobody waits for (a timed-out command)
			}
		}
	}
	m.err = sc.Err()
	if m.err == nil {
		m.err = errors.New("management connection closed")
	}
}

// Command sends cmd (one or more lines) and returns OpenVPN's SUCCESS
// answer, or its ERROR as an error.
func (m *mgmtConn) Command(cmd string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, err := fmt.Fprintf(m.c, "%s\n", cmd); err != nil {
		return "", fmt.Errorf("management command %q: %w", firstLine(cmd), err)
	}
	select {
	case a := <-m.answers:
		if msg, ok := strings.CutPrefix(a, "ERROR: "); ok {
			return "", fmt.Errorf("management command %q: %s", firstLine(cmd), msg)
		}
		return a, nil
	case <-m.done:
		return "", fmt.Errorf("management command %q: %w", firstLine(cmd), m.err)
	case <-time.After(5 * time.Second):
		return "", fmt.Errorf("management command %q: no answer in 5s", firstLine(cmd))
	}
}

// Close closes the connection; read then ends.
func (m *mgmtConn) Close() error { return m.c.Close() }

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}
