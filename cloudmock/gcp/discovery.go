package gcp

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/json"
	"io"
	"net/http"
	"sync"
)

//go:generate go run ./internal/gendiscovery

// discoveryGz is Compute Engine's discovery document (from the pinned
// google.golang.org/api module) cut to the resources the lab serves.
//
//go:embed discovery.json.gz
var discoveryGz []byte

var discovery = sync.OnceValues(func() (map[string]any, error) {
	r, err := gzip.NewReader(bytes.NewReader(discoveryGz))
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	return doc, json.Unmarshal(b, &doc)
})

// serveDiscovery answers the discovery document with its root URL the
// server's own, so the Python client builds requests to the lab.
// GCP: https://developers.google.com/discovery/v1/reference/apis/getRest — rootUrl + servicePath + a method's path is its URL
func (s *Server) serveDiscovery(w http.ResponseWriter, root string) {
	doc, err := discovery()
	if err != nil {
		writeError(w, fail(http.StatusInternalServerError, "backendError", "The discovery document cannot be read: %v", err))
		return
	}
	out := make(map[string]any, len(doc))
	for k, v := range doc {
		out[k] = v
	}
	out["rootUrl"], out["mtlsRootUrl"], out["baseUrl"] = root, root, root+"compute/v1/"
	writeJSON(w, http.StatusOK, out)
}
