package scenario

import (
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// The JUnit XML that CI systems read (Jenkins, GitLab, GitHub actions'
// reporters): the Apache Ant format, valid under both its common XSD
// (JUnit.xsd, github.com/windyroad/JUnit-Schema) and Jenkins' junit-10
// schema (the tests check both): testsuites holding a testsuite per
// scenario, a testcase per assertion. The Ant schema has no skipped
// element and no output per case: an assertion skipped after a failed
// action is an error of type skipped, and what each case saw goes to the
// suite's system-out.

type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Package    string          `xml:"package,attr"`
	ID         int             `xml:"id,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Hostname   string          `xml:"hostname,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Time       string          `xml:"time,attr"`
	Properties junitProperties `xml:"properties"`
	Cases      []junitCase     `xml:"testcase"`
	SystemOut  string          `xml:"system-out"`
	SystemErr  string          `xml:"system-err"`
}

type junitProperties struct {
	Props []junitProperty `xml:"property"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string `xml:"name,attr"`
	Classname string `xml:"classname,attr"`
	Time      string `xml:"time,attr"`
	// Error is a case skipped after a failed action (type skipped).
	Error   *junitMessage `xml:"error"`
	Failure *junitMessage `xml:"failure"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

// WriteJUnit writes the results as JUnit XML: a testsuite per scenario
// (named for it, its lab and file as properties), a testcase per
// assertion or failed action, with the failure's message and, as its
// text, what was seen.
func WriteJUnit(w io.Writer, results []*Result, started time.Time) error {
	host, _ := os.Hostname()
	all := junitSuites{}
	for i, r := range results {
		s := junitSuite{
			Name: r.File.Name, Package: "mcnlab.scenario", ID: i, Timestamp: started.UTC().Format("2006-01-02T15:04:05"),
			Hostname: host, Time: seconds(r.Elapsed),
			Properties: junitProperties{Props: []junitProperty{{Name: "file", Value: r.File.Path}, {Name: "lab", Value: r.Lab}}},
		}
		var out strings.Builder
		for _, c := range r.Cases {
			jc := junitCase{Name: fmt.Sprintf("line %d: %s", c.Line, c.Name), Classname: "scenario." + r.File.Name, Time: seconds(c.Elapsed)}
			switch {
			case c.Skipped != "":
				jc.Error = &junitMessage{Message: "skipped: " + c.Skipped, Type: "skipped"}
				s.Errors++
			case c.Failure != "":
				jc.Failure = &junitMessage{Message: c.Failure, Type: "assertion", Text: c.Detail}
				s.Failures++
			case c.Detail != "":
				fmt.Fprintf(&out, "%s: %s\n", jc.Name, c.Detail)
			}
			s.Cases = append(s.Cases, jc)
		}
		s.Tests, s.SystemOut = len(s.Cases), out.String()
		all.Suites = append(all.Suites, s)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(all); err != nil {
		return fmt.Errorf("write junit: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}
