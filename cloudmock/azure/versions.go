package azure

import (
	"net/http"
	"slices"
	"strings"
)

// networkVersions are the api-versions Microsoft.Network published for
// virtualNetworks, subnets, networkSecurityGroups, securityRules and
// routeTables (the Go SDK armnetwork/v9 sends 2025-05-01; az 2.45 sends
// 2018-11-01, 2019-10-01, 2022-01-01 and 2022-07-01). One response shape
// serves them all.
// Azure: https://learn.microsoft.com/en-us/azure/templates/microsoft.network/virtualnetworks — the API versions of Microsoft.Network/virtualNetworks
var networkVersions = []string{
	"2015-05-01-preview", "2015-06-15", "2016-03-30", "2016-06-01", "2016-07-01", "2016-08-01", "2016-09-01",
	"2016-10-01", "2016-11-01", "2016-12-01", "2017-03-01", "2017-04-01", "2017-06-01", "2017-08-01", "2017-09-01",
	"2017-10-01", "2017-11-01", "2018-01-01", "2018-02-01", "2018-03-01", "2018-04-01", "2018-06-01", "2018-07-01",
	"2018-08-01", "2018-10-01", "2018-11-01", "2018-12-01", "2019-02-01", "2019-04-01", "2019-06-01", "2019-07-01",
	"2019-08-01", "2019-09-01", "2019-11-01", "2019-12-01", "2020-03-01", "2020-04-01", "2020-05-01", "2020-06-01",
	"2020-07-01", "2020-08-01", "2020-11-01", "2021-02-01", "2021-03-01", "2021-05-01", "2021-08-01", "2021-12-01",
	"2022-01-01", "2022-05-01", "2022-07-01", "2022-09-01", "2022-11-01", "2023-02-01", "2023-04-01", "2023-05-01",
	"2023-06-01", "2023-09-01", "2023-11-01", "2024-01-01", "2024-03-01", "2024-05-01", "2024-07-01", "2024-10-01",
	"2025-01-01", "2025-03-01", "2025-05-01",
}

// resourcesVersions are Microsoft.Resources' api-versions (resource
// groups, subscriptions, providers); the Go SDK armresources sends
// 2021-04-01, az 2019-10-01 and 2019-11-01.
// Azure: https://learn.microsoft.com/en-us/azure/templates/microsoft.resources/resourcegroups — the API versions of Microsoft.Resources/resourceGroups
var resourcesVersions = []string{
	"2014-04-01", "2014-04-01-preview", "2015-01-01", "2015-11-01", "2016-02-01", "2016-06-01", "2016-07-01",
	"2016-09-01", "2017-05-10", "2017-06-01", "2017-08-01", "2018-02-01", "2018-05-01", "2019-03-01", "2019-05-01",
	"2019-05-10", "2019-06-01", "2019-07-01", "2019-08-01", "2019-10-01", "2019-11-01", "2020-01-01", "2020-06-01",
	"2020-08-01", "2020-10-01", "2021-01-01", "2021-04-01", "2022-09-01", "2022-12-01", "2023-07-01", "2024-03-01",
	"2024-07-01", "2024-11-01", "2025-01-01", "2025-03-01", "2025-04-01",
}

// metadataVersions are those of GET /metadata/endpoints.
// Azure: https://learn.microsoft.com/en-us/azure-stack/user/azure-stack-version-profiles-azurecli2 — az cloud register reads /metadata/endpoints?api-version=2015-01-01
var metadataVersions = []string{"2015-01-01", "2018-01-01", "2019-05-01", "2020-06-01", "2022-09-01"}

// checkVersion checks a request's api-version against a type's list: a
// missing one is MissingApiVersionParameter, an unknown one
// NoRegisteredProviderFound (ARM's answers, both 400).
// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/troubleshooting/error-register-resource-provider — NoRegisteredProviderFound names the supported api-versions
func checkVersion(r *http.Request, typ string, versions []string) error {
	v := r.URL.Query().Get("api-version")
	if v == "" {
		return fail(http.StatusBadRequest, "MissingApiVersionParameter",
			"The api-version query parameter (?api-version=) is required for all requests.")
	}
	if !slices.Contains(versions, v) {
		return fail(http.StatusBadRequest, "NoRegisteredProviderFound",
			"No registered resource provider found for location 'global' and API version '%s' for type '%s'. The supported api-versions are '%s'.",
			clip(v), typ, strings.Join(versions, ", "))
	}
	return nil
}
