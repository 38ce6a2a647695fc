package aws

import (
	"net/netip"
	"strconv"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

func init() {
	register("DescribePrefixLists", describePrefixLists)
	register("DescribeManagedPrefixLists", describeManagedPrefixLists)
	register("CreateManagedPrefixList", createManagedPrefixList)
	register("ModifyManagedPrefixList", modifyManagedPrefixList)
	register("DeleteManagedPrefixList", deleteManagedPrefixList)
	register("RestoreManagedPrefixListVersion", restoreManagedPrefixListVersion)
	register("GetManagedPrefixListEntries", getManagedPrefixListEntries)
	register("GetManagedPrefixListAssociations", getManagedPrefixListAssociations)
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_TagDescription.html — resource types prefix-list and vpc-endpoint
	resourceTypes[model.KindPrefixList] = "prefix-list"
	resourceTypes[model.KindVPCEndpoint] = "vpc-endpoint"
}

// Prefix lists are the model's (model.PrefixList): the account's own
// (customer-managed) and those AWS manages for its services, which every
// account sees in each region (model.ServicePrefixLists).

// prefixLists are the lists the call's region shows: the account's own
// of the region and AWS's of the region.
func (h *Handler) prefixLists(c *call) []model.PrefixList {
	var out []model.PrefixList
	for _, p := range h.cloud.PrefixLists(c.account) {
		if p.Managed && p.Region != c.region {
			continue
		}
		if !p.Managed && !h.seenIn(c, p.ID) {
			continue
		}
		out = append(out, p)
	}
	return out
}

type xmlPrefixListCIDRs struct {
	ID    string   `xml:"prefixListId"`
	Name  string   `xml:"prefixListName"`
	CIDRs []string `xml:"cidrSet>item"`
}

type describePrefixListsResp struct {
	meta
	PrefixLists []xmlPrefixListCIDRs `xml:"prefixListSet>item"`
	NextToken   string               `xml:"nextToken,omitempty"`
}

// describePrefixLists lists the AWS services of the region in prefix list
// form: the gateway endpoint services' lists.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribePrefixLists.html — filters prefix-list-id, prefix-list-name; PrefixListId.N
func describePrefixLists(h *Handler, c *call) (response, error) {
	var lists []model.PrefixList
	for _, p := range h.prefixLists(c) {
		if _, ok := model.ServiceByName(p.Region, p.Name); ok && p.Managed {
			lists = append(lists, p)
		}
	}
	page, next, err := selectObjects(c.form, "PrefixListId", lists, func(p model.PrefixList) string { return p.ID },
		func(p model.PrefixList) fields {
			return func(name string) ([]string, bool) {
				switch name {
				case "prefix-list-id":
					return one(p.ID), true
				case "prefix-list-name":
					return one(p.Name), true
				}
				return nil, false
			}
		})
	if err != nil {
		return nil, err
	}
	r := &describePrefixListsResp{PrefixLists: []xmlPrefixListCIDRs{}, NextToken: next}
	for _, p := range page {
		x := xmlPrefixListCIDRs{ID: p.ID, Name: p.Name, CIDRs: []string{}}
		for _, cidr := range p.CIDRs() {
			x.CIDRs = append(x.CIDRs, cidr.String())
		}
		r.PrefixLists = append(r.PrefixLists, x)
	}
	return r, nil
}

// xmlManagedPrefixList is EC2's ManagedPrefixList; an AWS-managed list
// has no maximum entries and no version.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ManagedPrefixList.html — prefixListId, addressFamily, state, prefixListArn, prefixListName, maxEntries, version, tagSet, ownerId
type xmlManagedPrefixList struct {
	ID            string   `xml:"prefixListId"`
	AddressFamily string   `xml:"addressFamily"`
	State         string   `xml:"state"`
	Arn           string   `xml:"prefixListArn"`
	Name          string   `xml:"prefixListName"`
	MaxEntries    *int     `xml:"maxEntries,omitempty"`
	Version       *int64   `xml:"version,omitempty"`
	Tags          []xmlTag `xml:"tagSet>item"`
	OwnerID       string   `xml:"ownerId"`
}

func addressFamily(ipv6 bool) string {
	if ipv6 {
		return "IPv6"
	}
	return "IPv4"
}

func (h *Handler) toXMLManagedPrefixList(p model.PrefixList) xmlManagedPrefixList {
	owner := p.Account
	if p.Managed {
		owner = "aws"
	}
	x := xmlManagedPrefixList{ID: p.ID, AddressFamily: addressFamily(p.IPv6), State: string(p.State), Name: p.Name,
		Arn: "arn:aws:ec2:" + h.regionOf(p.Region) + ":" + owner + ":prefix-list/" + p.ID, Tags: tagSet(p.Tags), OwnerID: p.Account}
	if !p.Managed {
		max := p.MaxEntries
		x.MaxEntries = &max
		if v := p.Version(); v > 0 {
			x.Version = &v
		}
	}
	return x
}

type describeManagedPrefixListsResp struct {
	meta
	PrefixLists []xmlManagedPrefixList `xml:"prefixListSet>item"`
	NextToken   string                 `xml:"nextToken,omitempty"`
}

// describeManagedPrefixLists lists the account's lists and AWS's.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeManagedPrefixLists.html — filters owner-id, prefix-list-id, prefix-list-name; PrefixListId.N
func describeManagedPrefixLists(h *Handler, c *call) (response, error) {
	page, next, err := selectObjects(c.form, "PrefixListId", h.prefixLists(c), func(p model.PrefixList) string { return p.ID },
		func(p model.PrefixList) fields {
			return withTags(p.Tags, func(name string) ([]string, bool) {
				switch name {
				case "owner-id":
					return one(p.Account), true
				case "prefix-list-id":
					return one(p.ID), true
				case "prefix-list-name":
					return one(p.Name), true
				}
				return nil, false
			})
		})
	if err != nil {
		return nil, err
	}
	r := &describeManagedPrefixListsResp{PrefixLists: []xmlManagedPrefixList{}, NextToken: next}
	for _, p := range page {
		r.PrefixLists = append(r.PrefixLists, h.toXMLManagedPrefixList(p))
	}
	return r, nil
}

type prefixListResp struct {
	meta
	PrefixList xmlManagedPrefixList `xml:"prefixList"`
}

// entries reads the entries of a request: prefix.N.Cidr and
// prefix.N.Description.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AddPrefixListEntry.html — Cidr (required), Description (up to 255 characters)
func entries(f form, prefix string) ([]model.PrefixListEntry, error) {
	var out []model.PrefixListEntry
	for _, i := range f.indices(prefix) {
		p := prefix + "." + strconv.Itoa(i) + "."
		cidr, err := f.required(p + "Cidr")
		if err != nil {
			return nil, err
		}
		pfx, err := netip.ParsePrefix(cidr)
		if err != nil {
			return nil, errInvalid("The CIDR '%s' is not valid.", cidr)
		}
		desc := f.str(p + "Description")
		if len(desc) > 255 {
			return nil, errInvalid("The description of the entry %s is longer than 255 characters.", cidr)
		}
		out = append(out, model.PrefixListEntry{CIDR: pfx, Description: desc})
	}
	return out, nil
}

// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateManagedPrefixList.html — PrefixListName, MaxEntries, AddressFamily (IPv4 | IPv6) required; Entry.N, TagSpecification.N, ClientToken
func createManagedPrefixList(h *Handler, c *call) (response, error) {
	name, err := c.form.required("PrefixListName")
	if err != nil {
		return nil, err
	}
	if _, err := c.form.required("MaxEntries"); err != nil {
		return nil, err
	}
	max, err := c.form.intOr("MaxEntries", 0)
	if err != nil {
		return nil, err
	}
	fam, err := c.form.required("AddressFamily")
	if err != nil {
		return nil, err
	}
	if fam != "IPv4" && fam != "IPv6" {
		return nil, errInvalid("The address family '%s' is not valid. Valid values are IPv4 and IPv6.", fam)
	}
	es, err := entries(c.form, "Entry")
	if err != nil {
		return nil, err
	}
	tags, err := c.form.tagSpecs("prefix-list")
	if err != nil {
		return nil, err
	}
	p, err := h.cloud.CreatePrefixList(c.account, model.PrefixListSpec{Region: c.region, Name: name, IPv6: fam == "IPv6", MaxEntries: max, Entries: es, Tags: tags})
	if err != nil {
		return nil, err
	}
	return &prefixListResp{PrefixList: h.toXMLManagedPrefixList(p)}, nil
}

// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyManagedPrefixList.html — PrefixListId, CurrentVersion, PrefixListName, AddEntry.N, RemoveEntry.N, MaxEntries
func modifyManagedPrefixList(h *Handler, c *call) (response, error) {
	id, err := c.form.required("PrefixListId")
	if err != nil {
		return nil, err
	}
	var ch model.PrefixListChange
	if c.form.has("CurrentVersion") {
		v, err := c.form.int64Or("CurrentVersion", 0)
		if err != nil {
			return nil, err
		}
		ch.CurrentVersion = &v
	}
	if c.form.has("PrefixListName") {
		n := c.form.str("PrefixListName")
		ch.Name = &n
	}
	if c.form.has("MaxEntries") {
		m, err := c.form.intOr("MaxEntries", 0)
		if err != nil {
			return nil, err
		}
		ch.MaxEntries = &m
	}
	if ch.Add, err = entries(c.form, "AddEntry"); err != nil {
		return nil, err
	}
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyManagedPrefixList.html — at most 100 entries added and 100 removed per request
	if len(ch.Add) > 100 || len(c.form.indices("RemoveEntry")) > 100 {
		return nil, errInvalid("The request cannot contain more than 100 entry additions or removals.")
	}
	for _, i := range c.form.indices("RemoveEntry") {
		k := "RemoveEntry." + strconv.Itoa(i) + ".Cidr"
		v, err := c.form.required(k)
		if err != nil {
			return nil, err
		}
		cidr, err := netip.ParsePrefix(v)
		if err != nil {
			return nil, errInvalid("The CIDR '%s' is not valid.", v)
		}
		ch.Remove = append(ch.Remove, cidr)
	}
	p, err := h.cloud.ModifyPrefixList(c.account, id, ch)
	if err != nil {
		return nil, err
	}
	return &prefixListResp{PrefixList: h.toXMLManagedPrefixList(p)}, nil
}

// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteManagedPrefixList.html — PrefixListId; answers the list
func deleteManagedPrefixList(h *Handler, c *call) (response, error) {
	id, err := c.form.required("PrefixListId")
	if err != nil {
		return nil, err
	}
	p, err := h.cloud.DeletePrefixList(c.account, id)
	if err != nil {
		return nil, err
	}
	return &prefixListResp{PrefixList: h.toXMLManagedPrefixList(p)}, nil
}

// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RestoreManagedPrefixListVersion.html — PrefixListId, PreviousVersion, CurrentVersion, all required
func restoreManagedPrefixListVersion(h *Handler, c *call) (response, error) {
	id, err := c.form.required("PrefixListId")
	if err != nil {
		return nil, err
	}
	var vs [2]int64
	for i, k := range []string{"PreviousVersion", "CurrentVersion"} {
		if _, err := c.form.required(k); err != nil {
			return nil, err
		}
		if vs[i], err = c.form.int64Or(k, 0); err != nil {
			return nil, err
		}
	}
	p, err := h.cloud.RestorePrefixListVersion(c.account, id, vs[0], vs[1])
	if err != nil {
		return nil, err
	}
	return &prefixListResp{PrefixList: h.toXMLManagedPrefixList(p)}, nil
}

type xmlPrefixListEntry struct {
	CIDR        string `xml:"cidr"`
	Description string `xml:"description,omitempty"`
}

type getEntriesResp struct {
	meta
	Entries   []xmlPrefixListEntry `xml:"entrySet>item"`
	NextToken string               `xml:"nextToken,omitempty"`
}

// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_GetManagedPrefixListEntries.html — PrefixListId, TargetVersion, MaxResults, NextToken
func getManagedPrefixListEntries(h *Handler, c *call) (response, error) {
	id, err := h.prefixListParam(c)
	if err != nil {
		return nil, err
	}
	v, err := c.form.int64Or("TargetVersion", 0)
	if err != nil {
		return nil, err
	}
	es, err := h.cloud.PrefixListEntries(c.account, id, v)
	if err != nil {
		return nil, err
	}
	page, next, err := paginate(c.form, es)
	if err != nil {
		return nil, err
	}
	r := &getEntriesResp{Entries: []xmlPrefixListEntry{}, NextToken: next}
	for _, e := range page {
		r.Entries = append(r.Entries, xmlPrefixListEntry{CIDR: e.CIDR.String(), Description: e.Description})
	}
	return r, nil
}

// prefixListParam reads PrefixListId, a list the call's region shows
// (AWS's lists of another region are not found there).
func (h *Handler) prefixListParam(c *call) (string, error) {
	id, err := c.form.required("PrefixListId")
	if err != nil {
		return "", err
	}
	p, err := h.cloud.PrefixList(c.account, id)
	if err != nil {
		return "", err
	}
	if (p.Managed && p.Region != c.region) || (!p.Managed && !h.seenIn(c, id)) {
		return "", toAPIError(&model.Error{Code: model.CodeNotFound, Kind: model.KindPrefixList, ID: id})
	}
	return id, nil
}

type xmlPrefixListAssociation struct {
	ResourceID    string `xml:"resourceId"`
	ResourceOwner string `xml:"resourceOwner"`
}

type getAssociationsResp struct {
	meta
	Associations []xmlPrefixListAssociation `xml:"prefixListAssociationSet>item"`
	NextToken    string                     `xml:"nextToken,omitempty"`
}

// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_GetManagedPrefixListAssociations.html — PrefixListId, MaxResults, NextToken; resourceId and resourceOwner of each
func getManagedPrefixListAssociations(h *Handler, c *call) (response, error) {
	id, err := h.prefixListParam(c)
	if err != nil {
		return nil, err
	}
	as, err := h.cloud.PrefixListAssociations(c.account, id)
	if err != nil {
		return nil, err
	}
	page, next, err := paginate(c.form, as)
	if err != nil {
		return nil, err
	}
	r := &getAssociationsResp{Associations: []xmlPrefixListAssociation{}, NextToken: next}
	for _, a := range page {
		r.Associations = append(r.Associations, xmlPrefixListAssociation{ResourceID: a.ResourceID, ResourceOwner: a.Owner})
	}
	return r, nil
}
