// Package oci serves Oracle Cloud Infrastructure's Core Services
// networking API (/20160918/...) and the Identity calls its clients need
// over the cloud model, for the official OCI SDKs: requests are
// authenticated by their HTTP signature, verified against each user's
// public key; resources carry ETags (If-Match enforced), lifecycle states
// that advance as clients poll, and opc-retry-token idempotency.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/ — the Core Services API
package oci
