package bgp

import (
	"context"
	"log/slog"

	gobgplog "github.com/osrg/gobgp/v3/pkg/log"
)

// slogAdapter feeds GoBGP's log lines into a *slog.Logger.
type slogAdapter struct {
	l *slog.Logger
}

var _ gobgplog.Logger = slogAdapter{}

func (a slogAdapter) log(level slog.Level, msg string, fields gobgplog.Fields) {
	if !a.l.Enabled(context.Background(), level) {
		return
	}
	attrs := make([]any, 0, 2*len(fields))
	for k, v := range fields {
		attrs = append(attrs, k, v)
	}
	a.l.Log(context.Background(), level, "gobgp: "+msg, attrs...)
}

func (a slogAdapter) Panic(msg string, f gobgplog.Fields) { a.log(slog.LevelError, msg, f) }
func (a slogAdapter) Fatal(msg string, f gobgplog.Fields) { a.log(slog.LevelError, msg, f) }
func (a slogAdapter) Error(msg string, f gobgplog.Fields) { a.log(slog.LevelError, msg, f) }
func (a slogAdapter) Warn(msg string, f gobgplog.Fields)  { a.log(slog.LevelWarn, msg, f) }
func (a slogAdapter) Info(msg string, f gobgplog.Fields)  { a.log(slog.LevelInfo, msg, f) }
func (a slogAdapter) Debug(msg string, f gobgplog.Fields) { a.log(slog.LevelDebug, msg, f) }

// SetLevel is a no-op: the level is the slog handler's.
func (a slogAdapter) SetLevel(gobgplog.LogLevel) {}

// GetLevel reports the most verbose level the handler accepts, so GoBGP skips
// building messages nobody reads.
func (a slogAdapter) GetLevel() gobgplog.LogLevel {
	ctx := context.Background()
	switch {
	case a.l.Enabled(ctx, slog.LevelDebug):
		return gobgplog.DebugLevel
	case a.l.Enabled(ctx, slog.LevelInfo):
		return gobgplog.InfoLevel
	case a.l.Enabled(ctx, slog.LevelWarn):
		return gobgplog.WarnLevel
	}
	return gobgplog.ErrorLevel
}
