package aws

import (
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// form is a request's parameters, with EC2's flattened list names (Name.N).
type form map[string][]string

func (f form) str(k string) string {
	if v := f[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func (f form) has(k string) bool { _, ok := f[k]; return ok }

func (f form) required(k string) (string, error) {
	v := f.str(k)
	if v == "" {
		return "", errMissing(k)
	}
	return v, nil
}

// indices returns the sorted distinct N of keys "prefix.N" and "prefix.N.*".
func (f form) indices(prefix string) []int {
	seen := map[int]bool{}
	for k := range f {
		rest, ok := strings.CutPrefix(k, prefix+".")
		if !ok {
			continue
		}
		num, _, _ := strings.Cut(rest, ".")
		if n, err := strconv.Atoi(num); err == nil {
			seen[n] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// list returns the values of prefix.1, prefix.2, ...
func (f form) list(prefix string) []string {
	var out []string
	for _, i := range f.indices(prefix) {
		if v := f.str(prefix + "." + strconv.Itoa(i)); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func (f form) boolp(k string) (*bool, error) {
	v := f.str(k)
	if v == "" {
		return nil, nil
	}
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/Query-Requests.html — boolean parameters are true or false
	switch strings.ToLower(v) {
	case "true":
		b := true
		return &b, nil
	case "false":
		b := false
		return &b, nil
	}
	return nil, errInvalid("Value (%s) for parameter %s is invalid. Expected a boolean.", v, k)
}

func (f form) intOr(k string, def int) (int, error) {
	v := f.str(k)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, errInvalid("Value (%s) for parameter %s is invalid. Expected an integer.", v, k)
	}
	return n, nil
}

func (f form) int64Or(k string, def int64) (int64, error) {
	v := f.str(k)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, errInvalid("Value (%s) for parameter %s is invalid. Expected an integer.", v, k)
	}
	return n, nil
}

// cidr parses a required IPv4 CIDR parameter.
func (f form) cidr(k string) (netip.Prefix, error) {
	v, err := f.required(k)
	if err != nil {
		return netip.Prefix{}, err
	}
	p, perr := netip.ParsePrefix(v)
	if perr != nil || !p.Addr().Is4() {
		return netip.Prefix{}, errInvalid("Value (%s) for parameter %s is invalid. This is not a valid CIDR block.", v, k)
	}
	return p, nil
}

// canonicalCIDR reads an IPv4 CIDR as the actions do whose reference says
// that EC2 stores it in its canonical form: host bits cleared, so that
// 100.68.0.18/18 is 100.68.0.0/18.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpc.html — CidrBlock: we modify the specified CIDR block to its canonical form (likewise CreateSubnet, CreateRoute, CreateNetworkAclEntry)
func (f form) canonicalCIDR(k string) (netip.Prefix, error) {
	p, err := f.cidr(k)
	return p.Masked(), err
}

// tagSpecs returns the tags of the TagSpecification.N entries for a resource type.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_TagSpecification.html — tags applied on create
func (f form) tagSpecs(resourceType string) (map[string]string, error) {
	tags := map[string]string{}
	for _, i := range f.indices("TagSpecification") {
		if err := f.tagSpec("TagSpecification."+strconv.Itoa(i), resourceType, tags); err != nil {
			return nil, err
		}
	}
	// Some newer actions (transit gateway ones) name the list TagSpecifications.
	for _, i := range f.indices("TagSpecifications") {
		if err := f.tagSpec("TagSpecifications."+strconv.Itoa(i), resourceType, tags); err != nil {
			return nil, err
		}
	}
	return tags, nil
}

func (f form) tagSpec(p, resourceType string, tags map[string]string) error {
	{
		if rt := f.str(p + ".ResourceType"); rt != "" && rt != resourceType {
			return errInvalid("'%s' is not a valid taggable resource type for this operation.", rt)
		}
		spec := f.tags(p + ".Tag")
		if err := checkTags(spec, true); err != nil {
			return err
		}
		for k, v := range spec {
			tags[k] = v
		}
	}
	return nil
}

// tags returns prefix.N.Key/Value pairs.
func (f form) tags(prefix string) map[string]string {
	tags := map[string]string{}
	for _, j := range f.indices(prefix) {
		q := prefix + "." + strconv.Itoa(j)
		if k := f.str(q + ".Key"); k != "" {
			tags[k] = f.str(q + ".Value")
		}
	}
	return tags
}

// xmlTag is an EC2 tag in a tagSet.
type xmlTag struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

func tagSet(tags map[string]string) []xmlTag {
	out := make([]xmlTag, 0, len(tags))
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		out = append(out, xmlTag{Key: k, Value: tags[k]})
	}
	return out
}
