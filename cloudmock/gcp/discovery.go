package gcp

import "net/http"

// serveDiscovery answers the discovery document request of the Python
// client; the lab does not serve one yet.
func (s *Server) serveDiscovery(w http.ResponseWriter, root string) {
	writeError(w, fail(http.StatusNotFound, "notFound", "The discovery document for compute v1 is not served by this lab (root %s).", root))
}
