package aws

import (
	"strconv"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// DHCP options sets: each Region's default set (made with the default
// VPC, which new VPCs use) and the account's own.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/VPC_DHCP_Options.html

func init() {
	register("CreateDhcpOptions", createDhcpOptions)
	register("DescribeDhcpOptions", describeDhcpOptions)
	register("DeleteDhcpOptions", deleteDhcpOptions)
	register("AssociateDhcpOptions", associateDhcpOptions)
}

type xmlDHCPValue struct {
	Value string `xml:"value"`
}

type xmlDHCPConfiguration struct {
	Key    string         `xml:"key"`
	Values []xmlDHCPValue `xml:"valueSet>item"`
}

type xmlDHCPOptions struct {
	ID      string                 `xml:"dhcpOptionsId"`
	OwnerID string                 `xml:"ownerId"`
	Config  []xmlDHCPConfiguration `xml:"dhcpConfigurationSet>item"`
	Tags    []xmlTag               `xml:"tagSet>item"`
}

func toXMLDHCPOptions(d model.DHCPOptions) xmlDHCPOptions {
	x := xmlDHCPOptions{ID: d.ID, OwnerID: d.Account, Tags: tagSet(d.Tags)}
	for _, o := range d.Options {
		c := xmlDHCPConfiguration{Key: o.Key}
		for _, v := range o.Values {
			c.Values = append(c.Values, xmlDHCPValue{Value: v})
		}
		x.Config = append(x.Config, c)
	}
	return x
}

// dhcpFields are DescribeDhcpOptions' filters.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeDhcpOptions.html — dhcp-options-id, key, value, owner-id, tag:<key>, tag-key
func dhcpFields(d model.DHCPOptions) fields {
	return withTags(d.Tags, func(name string) ([]string, bool) {
		switch name {
		case "dhcp-options-id":
			return one(d.ID), true
		case "owner-id":
			return one(d.Account), true
		case "key":
			var out []string
			for _, o := range d.Options {
				out = append(out, o.Key)
			}
			return out, true
		case "value":
			var out []string
			for _, o := range d.Options {
				out = append(out, o.Values...)
			}
			return out, true
		}
		return nil, false
	})
}

type createDhcpOptionsResp struct {
	meta
	DHCPOptions xmlDHCPOptions `xml:"dhcpOptions"`
}

// createDhcpOptions makes a set from DhcpConfiguration.N.Key and its
// Value.M.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateDhcpOptions.html
func createDhcpOptions(h *Handler, c *call) (response, error) {
	var opts []model.DHCPOption
	for _, i := range c.form.indices("DhcpConfiguration") {
		p := "DhcpConfiguration." + strconv.Itoa(i)
		key, err := c.form.required(p + ".Key")
		if err != nil {
			return nil, err
		}
		opts = append(opts, model.DHCPOption{Key: key, Values: c.form.list(p + ".Value")})
	}
	if len(opts) == 0 {
		return nil, errMissing("DhcpConfiguration")
	}
	tags, err := c.form.tagSpecs("dhcp-options")
	if err != nil {
		return nil, err
	}
	d, err := h.cloud.CreateDHCPOptionsAt(c.account, model.Place{Region: c.region}, opts, tags)
	if err != nil {
		return nil, err
	}
	return &createDhcpOptionsResp{DHCPOptions: toXMLDHCPOptions(d)}, nil
}

type describeDhcpOptionsResp struct {
	meta
	Sets      []xmlDHCPOptions `xml:"dhcpOptionsSet>item"`
	NextToken string           `xml:"nextToken,omitempty"`
}

func describeDhcpOptions(h *Handler, c *call) (response, error) {
	page, next, err := selectObjects(c.form, "DhcpOptionsId", regional(h, c, h.cloud.DHCPOptionsSets(c.account), func(d model.DHCPOptions) string { return d.ID }),
		func(d model.DHCPOptions) string { return d.ID }, dhcpFields)
	if err != nil {
		return nil, err
	}
	return &describeDhcpOptionsResp{Sets: convertAll(page, toXMLDHCPOptions), NextToken: next}, nil
}

func deleteDhcpOptions(h *Handler, c *call) (response, error) {
	id, err := c.form.required("DhcpOptionsId")
	if err != nil {
		return nil, err
	}
	if err := h.cloud.DeleteDHCPOptions(c.account, id); err != nil {
		return nil, err
	}
	return ok()
}

// associateDhcpOptions makes a VPC use a set, or with the ID default none.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AssociateDhcpOptions.html — DhcpOptionsId default: no DHCP options
func associateDhcpOptions(h *Handler, c *call) (response, error) {
	id, err := c.form.required("DhcpOptionsId")
	if err != nil {
		return nil, err
	}
	vpc, err := c.form.required("VpcId")
	if err != nil {
		return nil, err
	}
	if id == "default" {
		id = ""
	}
	if err := h.cloud.AssociateDHCPOptions(c.account, id, vpc); err != nil {
		return nil, err
	}
	return ok()
}
