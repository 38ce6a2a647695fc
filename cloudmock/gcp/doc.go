// Package gcp serves the Compute Engine API v1 (/compute/v1/projects/...)
// over the model: the JSON REST API that gcloud and the Google client
// libraries speak, for projects (model accounts of the gcp profile).
// Every mutation answers an Operation, done at once or failed inside it,
// that GET and POST .../wait return; resources carry absolute selfLinks
// under the server's own base, and references in requests may use those,
// the real googleapis.com forms or relative paths. The package holds wire
// shapes and their mapping to the model only; it never touches the
// kernel.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1 — the Compute Engine API
package gcp
