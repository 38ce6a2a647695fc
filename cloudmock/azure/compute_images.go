package azure

import (
	"net/http"
	"slices"
	"strings"
)

// Marketplace image versions, which az vm create reads before it
// deploys: the lab's appliance images (mcnlab:gateway:lab, ...) and, as
// planImage takes any other marketplace image as a plain host, any other
// publisher's, each with the one version labImageVersion (vm.go), a Linux image.
// Azure: https://learn.microsoft.com/en-us/rest/api/compute/virtual-machine-images/list — GET .../publishers/P/artifacttypes/vmimage/offers/O/skus/S/versions: a bare JSON array of {name, location, id}
// Azure: https://learn.microsoft.com/en-us/rest/api/compute/virtual-machine-images/get — properties.osDiskImage.operatingSystem, hyperVGeneration, architecture

// serveImageVersions answers locations/L/publishers/P/artifacttypes/vmimage/offers/O/skus/S/versions[/V].
func (s *Server) serveImageVersions(q *request, w []string) {
	loc, pub, offer, sku := w[1], w[3], w[7], w[9]
	if err := checkVersion(q.Request, "locations/publishers/artifacttypes/offers/skus/versions", computeVersions); err != nil {
		writeError(q.w, err)
		return
	}
	if strings.EqualFold(pub, labPublisher) && (!slices.Contains(labOffers, lower(offer)) || !strings.EqualFold(sku, "lab")) ||
		len(w) == 12 && w[11] != labImageVersion && lower(w[11]) != "latest" {
		// Azure: https://learn.microsoft.com/en-us/azure/virtual-machines/linux/cli-ps-findimage — an image that is not in the marketplace is not found
		writeError(q.w, fail(http.StatusNotFound, "NotFound", "Artifact: VMImage was not found."))
		return
	}
	id := "/Subscriptions/" + q.sub + "/Providers/Microsoft.Compute/Locations/" + loc + "/Publishers/" + pub +
		"/ArtifactTypes/VMImage/Offers/" + offer + "/Skus/" + sku + "/Versions/" + labImageVersion
	item := map[string]any{"name": labImageVersion, "location": loc, "id": id}
	if len(w) == 11 {
		writeJSON(q.w, http.StatusOK, []any{item})
		return
	}
	item["properties"] = map[string]any{"osDiskImage": map[string]string{"operatingSystem": "Linux"}, "hyperVGeneration": "V1",
		"architecture": "x64", "dataDiskImages": []any{}}
	writeJSON(q.w, http.StatusOK, item)
}

// isImageVersions reports whether provider words are an image versions path.
func isImageVersions(w []string) bool {
	return (len(w) == 11 || len(w) == 12) && lower(w[0]) == "locations" && lower(w[2]) == "publishers" &&
		lower(w[4]) == "artifacttypes" && lower(w[5]) == "vmimage" && lower(w[6]) == "offers" && lower(w[8]) == "skus" && lower(w[10]) == "versions"
}
