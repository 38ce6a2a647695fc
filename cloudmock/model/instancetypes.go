package model

// InterfaceLimits are how many network interfaces an instance type takes,
// and how many private IPv4 addresses each of them.
type InterfaceLimits struct {
	Interfaces            int
	AddressesPerInterface int
}

// instanceTypeLimits are the limits of the instance types that the model
// knows; other types are not limited.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/AvailableIpPerENI.html — maximum network interfaces and private IPv4 addresses per interface, by instance type
var instanceTypeLimits = map[string]InterfaceLimits{
	"m1.small":  {2, 4},
	"t2.nano":   {2, 2},
	"t2.micro":  {2, 2},
	"t2.small":  {3, 4},
	"t2.medium": {3, 6},
	"t2.large":  {3, 12},
	"t3.nano":   {2, 2},
	"t3.micro":  {2, 2},
	"t3.small":  {3, 4},
	"t3.medium": {3, 6},
	"t3.large":  {3, 12},
	"m4.large":  {2, 10},
	"m5.large":  {3, 10},
	"m5.xlarge": {4, 15},
	"c5.large":  {3, 10},
	"c5.xlarge": {4, 15},
}

// InstanceTypeLimits returns an instance type's interface limits, and
// whether the model knows the type.
func InstanceTypeLimits(typ string) (InterfaceLimits, bool) {
	l, ok := instanceTypeLimits[typ]
	return l, ok
}
