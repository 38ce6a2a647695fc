// Package console is the controller's web console: a page of plain HTML,
// CSS and JavaScript modules (no build step, nothing fetched from the
// network) embedded in the binary and served at /ui/. The page signs in
// with an API token, asks GET /v1/whoami for its role, and reads
// everything else from the controller's REST API (controller/api), the
// map and the event log live from GET /v1/stream (server-sent events).
// It holds no state of its own.
package console

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"
)

// Path is where the console is served.
const Path = "/ui/"

//go:embed assets
var assets embed.FS

// Assets are the console's files, index.html at the top.
func Assets() fs.FS {
	sub, err := fs.Sub(assets, "assets")
	if err != nil {
		panic(err) // the embedded tree always has assets/
	}
	return sub
}

// Handler serves the console under Path; every path under it that names
// no file gets index.html, so that a page's address (/ui/#/routes) can be
// reloaded.
func Handler() http.Handler {
	files := http.FileServerFS(Assets())
	return http.StripPrefix(strings.TrimSuffix(Path, "/"), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The page and its modules change with the binary: no stale
		// copy after an upgrade. Nothing is framed or fetched elsewhere.
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
		if _, err := fs.Stat(Assets(), strings.TrimPrefix(r.URL.Path, "/")); r.URL.Path != "/" && err != nil {
			r.URL.Path = "/"
		}
		files.ServeHTTP(w, r)
	}))
}

// With returns a handler that serves the console under Path, redirects /
// to it, and hands every other request to api.
func With(api http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(Path, Handler())
	mux.Handle("GET /{$}", http.RedirectHandler(Path, http.StatusFound))
	mux.Handle("/", api)
	return mux
}
