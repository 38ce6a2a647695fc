package aws_test

import (
	"bytes"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	cmaws "github.com/mcnlab/mcnlab/cloudmock/aws"
)

// updateCoverage rewrites COVERAGE.md from the SDK and the handler:
// go test ./cloudmock/aws -run TestCoverageTable -update-coverage
var updateCoverage = flag.Bool("update-coverage", false, "rewrite COVERAGE.md")

// ec2Module is the SDK module whose operations and documented filters are
// the EC2 API reference as this repository pins it (go.mod).
const ec2Module = "github.com/aws/aws-sdk-go-v2/service/ec2"

// networking selects the EC2 actions the coverage table lists: every
// action on a networking construct, and the instance, launch-template,
// region and tag calls that networking code makes.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/OperationList-query-vpc.html — the VPC (networking) actions
var networking = regexp.MustCompile(`Vpc|Subnet|Route|InternetGateway|CarrierGateway|NatGateway|NetworkAcl|SecurityGroup|` +
	`NetworkInterface|Address|Ipv6|PrivateIp|DhcpOptions|PrefixList|TransitGateway|Vpn|CustomerGateway|FlowLogs|ClientVpn|` +
	`TrafficMirror|NetworkInsights|LocalGateway|Coip|Ipam|Byoip|PublicIpv4Pool|TrunkInterface|Secondary(Network|Subnet|Interface)|` +
	`InstanceConnectEndpoint|VerifiedAccess|NetworkPerformance|PrivateDnsName|PublicIpDnsName|ClassicLink|LaunchTemplate|` +
	`^(Run|Start|Stop|Terminate|Reboot)Instances$|^DescribeInstances$|^DescribeInstanceStatus$|InstanceAttribute$|` +
	`^DescribeInstanceType|^Describe(Regions|AvailabilityZones|AccountAttributes)$|^(Create|Delete|Describe)Tags$`)

// ec2Dir returns the directory of the pinned EC2 SDK module.
func ec2Dir(t *testing.T) string {
	t.Helper()
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	out, err := exec.Command(gobin, "list", "-m", "-f", "{{.Dir}}", ec2Module).Output()
	if err != nil {
		t.Fatalf("go list -m %s: %v (run go mod download)", ec2Module, err)
	}
	return strings.TrimSpace(string(out))
}

// apiAction is one EC2 action of the API reference.
type apiAction struct {
	name    string
	filters []string // the Filters the reference documents, tag:<key> as "tag:Name"
}

// filterDoc matches one documented filter in a Filters field comment:
// "  - vpc-id - The ID of the VPC."
var filterDoc = regexp.MustCompile(`^\s*-\s+([a-z0-9][A-Za-z0-9:._<>*-]*)\s+-\s`)

// referenceActions parses every api_op_*.go of the SDK: the action names
// and, for each, the filter names documented on its input's Filters field.
func referenceActions(t *testing.T, dir string) []apiAction {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "api_op_*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var out []apiAction
	fset := token.NewFileSet()
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "api_op_"), ".go")
		if strings.HasSuffix(name, "_test") || !networking.MatchString(name) {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, parser.ParseComments)
		if err != nil {
			t.Fatalf("parse %s: %v", f, err)
		}
		out = append(out, apiAction{name: name, filters: documentedFilters(file, name+"Input")})
	}
	slices.SortFunc(out, func(a, b apiAction) int { return strings.Compare(a.name, b.name) })
	return out
}

// documentedFilters returns the filter names in the doc comment of the
// Filters field of the named input struct.
func documentedFilters(file *ast.File, input string) []string {
	var names []string
	ast.Inspect(file, func(n ast.Node) bool {
		ts, ok := n.(*ast.TypeSpec)
		if !ok || ts.Name.Name != input {
			return true
		}
		st, ok := ts.Type.(*ast.StructType)
		if !ok {
			return false
		}
		for _, fld := range st.Fields.List {
			if len(fld.Names) != 1 || (fld.Names[0].Name != "Filters" && fld.Names[0].Name != "Filter") || fld.Doc == nil {
				continue
			}
			for _, line := range strings.Split(fld.Doc.Text(), "\n") {
				m := filterDoc.FindStringSubmatch(line)
				if m == nil {
					continue
				}
				f := m[1]
				if f == "tag" || strings.HasPrefix(f, "tag:") {
					f = "tag:<key>"
				}
				if !slices.Contains(names, f) {
					names = append(names, f)
				}
			}
		}
		return false
	})
	return names
}

// probeName is the name a documented filter is probed with.
func probeName(f string) string {
	if f == "tag:<key>" {
		return "tag:Name"
	}
	return strings.NewReplacer("<key>", "Name", "<", "", ">", "").Replace(f)
}

// filterRefused reports whether a Describe answers a filter with EC2's
// unknown-filter error.
func filterRefused(t *testing.T, l *lab, action, name string, extra url.Values) bool {
	t.Helper()
	v := url.Values{"Action": {action}, "Version": {cmaws.APIVersion}, "Filter.1.Name": {name}, "Filter.1.Value.1": {"*"}}
	for k, vs := range extra {
		v[k] = vs
	}
	body := v.Encode()
	code, out := signedPost(t, l, body, body, time.Now())
	if code == 200 {
		return false
	}
	quoted := "&#39;" + name + "&#39;"
	if strings.Contains(out, "<Code>InvalidParameterValue</Code>") && strings.Contains(out, "The filter "+quoted+" is invalid") {
		return true
	}
	if strings.Contains(out, "<Code>InvalidParameterValue</Code>") && strings.Contains(out, quoted) {
		return false // known, but * is no value for it (a CIDR filter, say)
	}
	t.Fatalf("%s with filter %s: HTTP %d: %s", action, name, code, out)
	return false
}

// coverageRow is one line of the table.
type coverageRow struct {
	apiAction
	implemented bool
	probed      bool     // the fixture gave the Describe something to filter
	supported   []string // documented filters the handler applies
}

func (r coverageRow) missing() []string {
	var m []string
	for _, f := range r.filters {
		if !slices.Contains(r.supported, f) {
			m = append(m, f)
		}
	}
	return m
}

// coverageRows probes the handler for each reference action.
func coverageRows(t *testing.T, ref []apiAction) []coverageRow {
	l := newLab(t)
	params := coverageFixture(t, l)
	impl := cmaws.Actions()
	rows := make([]coverageRow, 0, len(ref))
	for _, a := range ref {
		r := coverageRow{apiAction: a, implemented: slices.Contains(impl, a.name)}
		if r.implemented && len(a.filters) > 0 {
			// An unknown filter is refused only once there is an object to
			// test it on, so the refusal also proves the fixture has one.
			r.probed = filterRefused(t, l, a.name, "mcnlab-no-such-filter", params[a.name])
			for _, f := range a.filters {
				if r.probed && !filterRefused(t, l, a.name, probeName(f), params[a.name]) {
					r.supported = append(r.supported, f)
				}
			}
		}
		rows = append(rows, r)
	}
	return rows
}

// renderCoverage writes the table as Markdown.
func renderCoverage(rows []coverageRow) []byte {
	var b bytes.Buffer
	impl, desc, full := 0, 0, 0
	for _, r := range rows {
		if r.implemented {
			impl++
			if len(r.filters) > 0 {
				desc++
				if r.probed && len(r.missing()) == 0 {
					full++
				}
			}
		}
	}
	fmt.Fprintf(&b, "# cloudmock EC2 coverage\n\n")
	fmt.Fprintf(&b, "Generated by `go test ./cloudmock/aws -run TestCoverageTable -update-coverage` from the EC2 API reference as the pinned SDK (%s) documents it, and checked by that test. ", ec2Module)
	fmt.Fprintf(&b, "It lists every EC2 networking action (and the instance, launch-template, region and tag calls networking code makes): %d actions, %d implemented; ", len(rows), impl)
	fmt.Fprintf(&b, "of the %d implemented calls with documented filters, %d support every one. ", desc, full)
	fmt.Fprintf(&b, "Filters are probed against a populated cloud: a filter is supported when the handler applies it rather than refusing it as unknown.\n\n")
	fmt.Fprintf(&b, "| Action | Implemented | Filters supported | Documented filters not supported |\n|---|---|---|---|\n")
	for _, r := range rows {
		mark := "no"
		if r.implemented {
			mark = "yes"
		}
		sup, miss := "", ""
		switch {
		case len(r.filters) == 0:
		case !r.implemented:
			miss = fmt.Sprintf("(%d documented)", len(r.filters))
		case !r.probed:
			sup = "not probed: the fixture has none"
		default:
			sup = codeList(r.supported)
			miss = codeList(r.missing())
			if miss == "" {
				sup = "all " + fmt.Sprint(len(r.filters)) + ": " + sup
			}
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", r.name, mark, sup, miss)
	}
	return b.Bytes()
}

func codeList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = "`" + x + "`"
	}
	return strings.Join(q, " ")
}

// TestCoverageTable checks COVERAGE.md against the SDK's action list and
// the handler: every implemented EC2 action is listed, every implemented
// Describe with documented filters is probed, and the file is current.
func TestCoverageTable(t *testing.T) {
	ref := referenceActions(t, ec2Dir(t))
	if len(ref) < 300 {
		t.Fatalf("found %d networking actions in the SDK; the selection is broken", len(ref))
	}
	listed := map[string]bool{}
	for _, a := range ref {
		listed[a.name] = true
	}
	ec2Only := regexp.MustCompile(`^[A-Z]`)
	for _, a := range cmaws.Actions() {
		if ec2Only.MatchString(a) && !listed[a] && !nonEC2[a] {
			t.Errorf("action %s is implemented but not in the table: widen the networking selection or list it in nonEC2", a)
		}
	}
	rows := coverageRows(t, ref)
	for _, r := range rows {
		if r.implemented && len(r.filters) > 0 && !r.probed {
			t.Errorf("%s: the coverage fixture has nothing for it to list (or it does not refuse unknown filters): add its objects to coverageFixture", r.name)
		}
	}
	got := renderCoverage(rows)
	if *updateCoverage {
		if err := os.WriteFile("COVERAGE.md", got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile("COVERAGE.md")
	if err != nil {
		t.Fatalf("read COVERAGE.md: %v (generate it with -update-coverage)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("cloudmock/aws/COVERAGE.md is stale: run go test ./cloudmock/aws -run TestCoverageTable -update-coverage")
	}
}
