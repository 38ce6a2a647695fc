package bench

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
)

// WriteTable prints the plan figure and one row per N, then each N's
// phases.
func (r *ScaleResult) WriteTable(w io.Writer) {
	if p := r.Plan; p != nil {
		fmt.Fprintf(w, "%d spokes, %d workloads: validate %.2f s, simulate (%d pairs, whole matrix printed) %.2f s\n\n",
			p.Spokes, p.Workloads, p.ValidateS, p.Pairs, p.SimulateS)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "spokes\tgateways\ttunnels\tconverged s\ts/spoke\tRSS total MB\tRSS/gw MB (min-max)\tanon/gw MB\tcontroller CPU s\tAPI calls\tcloud CPU s\treach\tdestroy s\tleft\tload\t")
	for _, x := range r.Runs {
		fmt.Fprintf(tw, "%d\t%d\t%d\t%.2f\t%.3f\t%.0f\t%.1f (%.1f-%.1f)\t%.1f\t%.1f\t%d\t%.1f\t%d/%d\t%.2f\t%d\t%.1f-%.1f\t\n",
			x.Spokes, x.Gateways, x.Tunnels, x.ConvergedS, x.PerSpokeS, x.RSSTotalMB, x.RSSGatewayMB.Median, x.RSSGatewayMB.Min, x.RSSGatewayMB.Max, x.AnonGatewayMB.Median,
			x.ControllerCPUS, x.APICalls, x.CloudCPUS, x.Reach.Passed, x.Reach.Pairs, x.DestroyS, len(x.Leftover), x.LoadBefore, x.LoadAfter)
	}
	tw.Flush()
	for _, x := range r.Runs {
		fmt.Fprintf(w, "\n%d spokes, phases done at (from the deploy's start):\n", x.Spokes)
		for _, p := range x.Phases {
			if p.S == 0 {
				fmt.Fprintf(w, "  %8s  %s (%d)\n", "not done", p.Name, p.Count)
				continue
			}
			fmt.Fprintf(w, "  %7.2fs  %s (%d)\n", p.S, p.Name, p.Count)
		}
		if x.Error != "" {
			fmt.Fprintf(w, "  failed after %.0fs: %s\n", x.ConvergedS, firstLine(x.Error))
		}
	}
}

// firstLine is s up to its first newline.
func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// Save writes r as scale-<cores>core[-ha].json in dir and returns the
// path; the SVG plot goes beside it.
func (r *ScaleResult) Save(dir string) (string, error) {
	name := fmt.Sprintf("scale-%dcore", r.Cores)
	if r.HA {
		name += "-ha"
	}
	p, err := saveJSON(dir, name+".json", r)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, name+".svg"), r.SVG(), 0o644); err != nil {
		return "", fmt.Errorf("save scale plot: %w", err)
	}
	return p, nil
}

// saveJSON writes v as indented JSON to dir/name and returns the path.
func saveJSON(dir, name string, v any) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("save %s: %w", name, err)
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return "", fmt.Errorf("save %s: %w", name, err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, append(b, '\n'), 0o644); err != nil {
		return "", fmt.Errorf("save %s: %w", name, err)
	}
	return p, nil
}

// SVG plots time to converged (left axis) and the gateways' total RSS
// (right axis) against the number of spokes.
func (r *ScaleResult) SVG() []byte {
	const (
		left, right, top, bottom = 70.0, 70.0, 60.0, 50.0
		width, height            = 720.0, 420.0
	)
	maxN, maxS, maxMB := 1.0, 0.0, 0.0
	var runs []ScaleRun // those that converged
	for _, x := range r.Runs {
		if x.Error == "" {
			runs = append(runs, x)
		}
	}
	for _, x := range runs {
		maxN = max(maxN, float64(x.Spokes))
		maxS = max(maxS, x.ConvergedS)
		maxMB = max(maxMB, x.RSSTotalMB)
	}
	maxN, maxS, maxMB = niceCeil(maxN), niceCeil(maxS), niceCeil(maxMB)
	pw, ph := width-left-right, height-top-bottom
	x := func(n float64) float64 { return left + n/maxN*pw }
	yS := func(v float64) float64 { return top + ph - v/maxS*ph }
	yMB := func(v float64) float64 { return top + ph - v/maxMB*ph }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" font-family="sans-serif" font-size="12">`+"\n", width, height)
	b.WriteString(`<rect width="100%" height="100%" fill="white"/>` + "\n")
	ha := "single gateways"
	if r.HA {
		ha = "HA pairs"
	}
	fmt.Fprintf(&b, `<text x="10" y="22" font-size="15" font-weight="bold">Transit with N spokes (%s), %d cores: time to converged and gateways' RSS</text>`+"\n", ha, r.Cores)
	fmt.Fprintf(&b, `<text x="10" y="40" fill="#555">%s</text>`+"\n", html.EscapeString(r.Date))
	for i := 0; i <= 5; i++ {
		f := float64(i) / 5
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", left, yS(f*maxS), left+pw, yS(f*maxS))
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end" fill="#1f77b4">%.3g</text>`+"\n", left-6, yS(f*maxS)+4, f*maxS)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" fill="#d62728">%.3g</text>`+"\n", left+pw+6, yMB(f*maxMB)+4, f*maxMB)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="#555">%.3g</text>`+"\n", x(f*maxN), top+ph+18, f*maxN)
	}
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">spokes</text>`+"\n", left+pw/2, height-10)
	fmt.Fprintf(&b, `<text x="14" y="%.1f" fill="#1f77b4" transform="rotate(-90 14 %.1f)" text-anchor="middle">converged, s</text>`+"\n", top+ph/2, top+ph/2)
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" fill="#d62728" transform="rotate(90 %.1f %.1f)" text-anchor="middle">gateways' RSS, MB</text>`+"\n", width-14, top+ph/2, width-14, top+ph/2)
	for _, series := range []struct {
		color string
		y     func(ScaleRun) float64
	}{{"#1f77b4", func(s ScaleRun) float64 { return yS(s.ConvergedS) }}, {"#d62728", func(s ScaleRun) float64 { return yMB(s.RSSTotalMB) }}} {
		var pts []string
		for _, s := range runs {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(float64(s.Spokes)), series.y(s)))
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="4" fill="%s"/>`+"\n", x(float64(s.Spokes)), series.y(s), series.color)
		}
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>`+"\n", strings.Join(pts, " "), series.color)
	}
	b.WriteString("</svg>\n")
	return []byte(b.String())
}
