// Package providers is the one table of the cloud providers linked into
// mcnlab: importing it registers each with controller/cloud (cloud.New).
// A new provider adds its package here. It holds no code; the controller's
// root package does not import it (it imports no SDK), the lab does.
package providers

import (
	// The AWS provider (EC2 and Direct Connect), registered as "aws".
	_ "github.com/mcnlab/mcnlab/controller/cloud/aws"
	// The Azure provider (Azure Resource Manager), registered as "azure".
	_ "github.com/mcnlab/mcnlab/controller/cloud/azure"
	// The GCP provider (Compute Engine), registered as "gcp".
	_ "github.com/mcnlab/mcnlab/controller/cloud/gcp"
	// The OCI provider (Core Services), registered as "oci".
	_ "github.com/mcnlab/mcnlab/controller/cloud/oci"
)
