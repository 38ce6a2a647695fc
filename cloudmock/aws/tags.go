package aws

import (
	"strconv"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

func init() {
	register("CreateTags", createTags)
	register("DeleteTags", deleteTags)
	register("DescribeTags", describeTags)
}

// resourceTypes maps model kinds to EC2's resource type names in DescribeTags.
var resourceTypes = map[model.Kind]string{
	model.KindNetwork: "vpc", model.KindSubnet: "subnet", model.KindRouteTable: "route-table",
	model.KindInternetGateway: "internet-gateway", model.KindSecurityGroup: "security-group",
	model.KindNetworkACL: "network-acl", model.KindInstance: "instance", model.KindNetworkInterface: "network-interface",
	model.KindNATGateway: "natgateway", model.KindElasticIP: "elastic-ip", model.KindPeering: "vpc-peering-connection",
	model.KindTransitGateway: "transit-gateway", model.KindTransitGatewayRouteTable: "transit-gateway-route-table",
	model.KindTransitGatewayAttachment: "transit-gateway-attachment", model.KindVPNGateway: "vpn-gateway",
	model.KindCustomerGateway: "customer-gateway", model.KindVPNConnection: "vpn-connection", model.KindSecurityRule: "security-group-rule",
}

// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateTags.html — ResourceId.N and Tag.N
func createTags(h *Handler, c *call) (response, error) {
	ids := c.form.list("ResourceId")
	if len(ids) == 0 {
		return nil, errMissing("ResourceId")
	}
	tags := c.form.tags("Tag")
	if len(tags) == 0 {
		return nil, errMissing("Tag")
	}
	if err := checkTags(tags, false); err != nil {
		return nil, err
	}
	if err := h.cloud.SetTags(c.account, ids, tags); err != nil {
		return nil, err
	}
	return ok()
}

func deleteTags(h *Handler, c *call) (response, error) {
	ids := c.form.list("ResourceId")
	if len(ids) == 0 {
		return nil, errMissing("ResourceId")
	}
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteTags.html — a tag without a value is deleted whatever its value; no tags: all tags
	rm := map[string]*string{}
	for _, i := range c.form.indices("Tag") {
		p := "Tag." + strconv.Itoa(i)
		k := c.form.str(p + ".Key")
		if err := checkTagKey(k, false); err != nil {
			return nil, err
		}
		if c.form.has(p + ".Value") {
			v := c.form.str(p + ".Value")
			rm[k] = &v
		} else {
			rm[k] = nil
		}
	}
	if len(rm) == 0 {
		for _, t := range h.cloud.Tags(c.account) {
			for _, id := range ids {
				if t.ID == id {
					rm[t.Key] = nil
				}
			}
		}
	}
	if err := h.cloud.RemoveTags(c.account, ids, rm); err != nil {
		return nil, err
	}
	return ok()
}

type xmlTagDescription struct {
	ResourceID   string `xml:"resourceId"`
	ResourceType string `xml:"resourceType"`
	Key          string `xml:"key"`
	Value        string `xml:"value"`
}

type describeTagsResp struct {
	meta
	Tags      []xmlTagDescription `xml:"tagSet>item"`
	NextToken string              `xml:"nextToken,omitempty"`
}

func describeTags(h *Handler, c *call) (response, error) {
	var all []xmlTagDescription
	for _, t := range h.cloud.Tags(c.account) {
		if h.regionOf(t.Region) != c.region {
			continue
		}
		all = append(all, xmlTagDescription{ResourceID: t.ID, ResourceType: resourceTypes[t.Kind], Key: t.Key, Value: t.Value})
	}
	fs, err := c.form.filters()
	if err != nil {
		return nil, err
	}
	var out []xmlTagDescription
	for _, t := range all {
		ok, err := matches(fs, func(name string) ([]string, bool) {
			switch name {
			case "resource-id":
				return one(t.ResourceID), true
			case "resource-type":
				return one(t.ResourceType), true
			case "key":
				return one(t.Key), true
			case "value":
				return one(t.Value), true
			}
			return nil, false
		})
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, t)
		}
	}
	page, next, err := paginate(c.form, out)
	if err != nil {
		return nil, err
	}
	return &describeTagsResp{Tags: page, NextToken: next}, nil
}
