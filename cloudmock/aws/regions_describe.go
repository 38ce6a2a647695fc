package aws

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

func init() {
	register("DescribeRegions", describeRegions)
	register("DescribeAvailabilityZones", describeAvailabilityZones)
}

// zonesPerRegion is how many availability zones each region lists: a to
// c, the zones the subnet error names (region.go's zone).
const zonesPerRegion = 3

type xmlRegion struct {
	Name        string `xml:"regionName"`
	Endpoint    string `xml:"regionEndpoint"`
	OptInStatus string `xml:"optInStatus"`
}

type describeRegionsResp struct {
	meta
	Regions []xmlRegion `xml:"regionInfo>item"`
}

// awsRegions are the regions of the AWS profile, which the lab's cloud
// serves.
func awsRegions() []string {
	p, _ := model.LookupProfile(model.ProviderAWS)
	return p.Regions
}

// describeRegions lists the regions, as EC2 does: every one is enabled
// here, so none needs opting in.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeRegions.html — RegionName.N, filters endpoint, opt-in-status, region-name
func describeRegions(h *Handler, c *call) (response, error) {
	var all []xmlRegion
	for _, r := range awsRegions() {
		all = append(all, xmlRegion{Name: r, Endpoint: "ec2." + r + ".amazonaws.com", OptInStatus: "opt-in-not-required"})
	}
	if names := c.form.list("RegionName"); len(names) > 0 {
		var picked []xmlRegion
		for _, n := range names {
			i := slices.IndexFunc(all, func(x xmlRegion) bool { return x.Name == n })
			if i < 0 {
				return nil, errInvalid("Invalid region: %s", clip(n))
			}
			picked = append(picked, all[i])
		}
		all = picked
	}
	out, err := filtered(c.form, all, func(x xmlRegion) fields {
		return func(name string) ([]string, bool) {
			switch name {
			case "region-name":
				return one(x.Name), true
			case "endpoint":
				return one(x.Endpoint), true
			case "opt-in-status":
				return one(x.OptInStatus), true
			}
			return nil, false
		}
	})
	if err != nil {
		return nil, err
	}
	return &describeRegionsResp{Regions: out}, nil
}

type xmlZone struct {
	Name               string `xml:"zoneName"`
	ID                 string `xml:"zoneId"`
	State              string `xml:"zoneState"`
	OptInStatus        string `xml:"optInStatus"`
	Region             string `xml:"regionName"`
	GroupName          string `xml:"groupName"`
	NetworkBorderGroup string `xml:"networkBorderGroup"`
	Type               string `xml:"zoneType"`
	Messages           []struct {
		Message string `xml:"message"`
	} `xml:"messageSet>item"`
}

type describeZonesResp struct {
	meta
	Zones []xmlZone `xml:"availabilityZoneInfo>item"`
}

// zoneIDPrefix is a region's short code in zone IDs: us-east-1 is use1,
// ap-southeast-2 apse2, eu-central-1 euc1.
// AWS: https://docs.aws.amazon.com/ram/latest/userguide/working-with-az-ids.html — AZ IDs such as use1-az1 name the same zone in every account
func zoneIDPrefix(region string) string {
	parts := strings.Split(region, "-")
	if len(parts) < 3 {
		return region
	}
	short := map[string]string{"east": "e", "west": "w", "north": "n", "south": "s", "central": "c",
		"northeast": "ne", "northwest": "nw", "southeast": "se", "southwest": "sw", "gov": "gov"}
	s := parts[0]
	for _, p := range parts[1 : len(parts)-1] {
		if v, ok := short[p]; ok {
			s += v
		} else {
			s += p[:1]
		}
	}
	return s + parts[len(parts)-1]
}

// describeAvailabilityZones lists the zones of the call's region.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeAvailabilityZones.html — ZoneName.N, ZoneId.N, filters zone-name, zone-id, region-name, state, zone-type, group-name, opt-in-status
func describeAvailabilityZones(h *Handler, c *call) (response, error) {
	region := h.regionOf(c.region)
	var all []xmlZone
	for i := range zonesPerRegion {
		all = append(all, xmlZone{Name: fmt.Sprintf("%s%c", region, 'a'+i), ID: fmt.Sprintf("%s-az%d", zoneIDPrefix(region), i+1),
			State: "available", OptInStatus: "opt-in-not-required", Region: region, GroupName: region,
			NetworkBorderGroup: region, Type: "availability-zone"})
	}
	for _, p := range []struct{ param, kind string }{{"ZoneName", "name"}, {"ZoneId", "id"}} {
		want := c.form.list(p.param)
		if len(want) == 0 {
			continue
		}
		var picked []xmlZone
		for _, w := range want {
			i := slices.IndexFunc(all, func(z xmlZone) bool { return z.Name == w || z.ID == w })
			if i < 0 {
				return nil, errInvalid("Invalid availability zone: [%s]", clip(w))
			}
			picked = append(picked, all[i])
		}
		all = picked
	}
	out, err := filtered(c.form, all, func(z xmlZone) fields {
		return func(name string) ([]string, bool) {
			switch name {
			case "zone-name":
				return one(z.Name), true
			case "zone-id":
				return one(z.ID), true
			case "region-name":
				return one(z.Region), true
			case "state":
				return one(z.State), true
			case "zone-type":
				return one(z.Type), true
			case "group-name":
				return one(z.GroupName), true
			case "network-border-group":
				return one(z.NetworkBorderGroup), true
			case "opt-in-status":
				return one(z.OptInStatus), true
			// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeAvailabilityZones.html — message; parent-zone-* and group-long-name
			// describe Local and Wavelength Zones, which this lab has none of.
			case "message":
				var out []string
				for _, m := range z.Messages {
					out = append(out, m.Message)
				}
				return out, true
			case "parent-zone-id", "parent-zone-name", "group-long-name":
				return nil, true
			}
			return nil, false
		}
	})
	if err != nil {
		return nil, err
	}
	return &describeZonesResp{Zones: out}, nil
}
