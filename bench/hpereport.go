package bench

import (
	"fmt"
	"html"
	"io"
	"strings"
)

// WriteTable prints the cases and the targets as a Markdown table.
func (r *HPEResult) WriteTable(w io.Writer) {
	fmt.Fprintf(w, "HPE benchmark, %s: %d cores, kernel %s, %d-tunnel groups, %d TCP streams, %.1fs x %d repeats (interleaved), cap %.2f Gbit/s per tunnel; load average %.2f before, %.2f after\n\n",
		r.Date, r.Cores, r.Kernel, r.Tunnels, r.Streams, r.Duration, r.Repeats, r.CapBps/1e9, r.LoadAvg[0], r.LoadAvg[1])
	fmt.Fprintln(w, "| case | Gbit/s median | min | max | CPU s/Gbit | vs single ESP | packets per tunnel |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | --- |")
	for _, c := range r.Cases {
		if c.Skipped != "" {
			fmt.Fprintf(w, "| %s | skipped: %s | | | | | |\n", c.Name, c.Skipped)
			continue
		}
		var pk []string
		for _, p := range c.TunnelPackets {
			pk = append(pk, fmt.Sprint(p))
		}
		fmt.Fprintf(w, "| %s | %.2f | %.2f | %.2f | %.2f | %.2fx | %s |\n",
			c.Name, c.Gbps.Median, c.Gbps.Min, c.Gbps.Max, c.CPUPerGbit.Median, c.Ratio, strings.Join(pk, " "))
	}
	fmt.Fprintln(w)
	for _, t := range r.Targets {
		mark := "HOLDS"
		switch {
		case t.Note != "":
			mark = "n/a (" + t.Note + ")"
		case !t.Holds:
			mark = "FAILS"
		}
		fmt.Fprintf(w, "%-86s got %.2f, want >= %.2f: %s\n", t.Claim, t.Got, t.Want, mark)
	}
	fmt.Fprintln(w)
	for _, n := range r.Notes {
		fmt.Fprintln(w, "- "+n)
	}
}

// Save writes the result as JSON to dir/hpe-<cores>core.json and returns
// the path.
func (r *HPEResult) Save(dir string) (string, error) {
	return saveJSON(dir, fmt.Sprintf("hpe-%dcore.json", r.Cores), r)
}

// SVG draws the cases' median goodput as a horizontal bar chart with
// min-max whiskers; capped cases are drawn lighter with the cap marked.
func (r *HPEResult) SVG() []byte {
	const (
		left, right, top, rowH, barH = 200.0, 40.0, 60.0, 30.0, 18.0
		width                        = 960.0
	)
	var rows []HPECase
	for _, c := range r.Cases {
		if c.Skipped == "" {
			rows = append(rows, c)
		}
	}
	maxV := 0.0
	for _, c := range rows {
		maxV = max(maxV, c.Gbps.Max)
	}
	scaleMax := niceCeil(maxV)
	plotW := width - left - right
	x := func(v float64) float64 { return left + v/scaleMax*plotW }
	height := top + rowH*float64(len(rows)) + 50
	colors := map[string][2]string{
		"plain": {"#7f7f7f", "#bfbfbf"}, "esp": {"#1f77b4", "#9ec9e8"},
		"wireguard": {"#2ca02c", "#a6dba0"}, "strongswan": {"#d62728", "#f4a6a6"},
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" font-family="sans-serif" font-size="12">`+"\n", width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%.0f" y="22" font-size="15" font-weight="bold">HPE vs single tunnel: TCP goodput, %d cores, %d streams (median, whiskers min-max)</text>`+"\n", 10.0, r.Cores, r.Streams)
	fmt.Fprintf(&b, `<text x="%.0f" y="40" fill="#555">%s, %d-tunnel groups, cap %.2f Gbit/s per tunnel (light bars: capped)</text>`+"\n", 10.0, html.EscapeString(r.Date), r.Tunnels, r.CapBps/1e9)
	for i := 0; i <= 5; i++ {
		v := scaleMax * float64(i) / 5
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.0f" x2="%.1f" y2="%.0f" stroke="#ddd"/>`+"\n", x(v), top-5, x(v), height-45)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.0f" text-anchor="middle" fill="#555">%.3g</text>`+"\n", x(v), height-30, v)
	}
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" text-anchor="middle">Gbit/s</text>`+"\n", left+plotW/2, height-12)
	for i, c := range rows {
		y := top + rowH*float64(i)
		col := colors[c.Kind]
		fill := col[0]
		if c.CapBps > 0 {
			fill = col[1]
		}
		fmt.Fprintf(&b, `<text x="%.0f" y="%.1f" text-anchor="end">%s</text>`+"\n", left-8, y+barH-4, html.EscapeString(shortLabel(c)))
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.0f" fill="%s" stroke="%s"/>`+"\n", left, y, x(c.Gbps.Median)-left, barH, fill, col[0])
		mid := y + barH/2
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>`+"\n", x(c.Gbps.Min), mid, x(c.Gbps.Max), mid)
		for _, v := range []float64{c.Gbps.Min, c.Gbps.Max} {
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>`+"\n", x(v), mid-4, x(v), mid+4)
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f">%.2f</text>`+"\n", x(c.Gbps.Max)+5, y+barH-4, c.Gbps.Median)
		if c.CapBps > 0 {
			total := c.CapBps * float64(c.Tunnels) / 1e9
			if total <= scaleMax {
				fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2" stroke-dasharray="3,2"/>`+"\n", x(total), y-2, x(total), y+barH+2, col[0])
			}
		}
	}
	b.WriteString("</svg>\n")
	return []byte(b.String())
}

// shortLabel names a case in a few words for the chart.
func shortLabel(c HPECase) string {
	kind := map[string]string{"esp": "ESP", "wireguard": "WireGuard"}[c.Kind]
	var l string
	switch {
	case c.Kind == "plain":
		l = "plain, no encryption"
	case c.Kind == "strongswan":
		l = "strongSwan, 1 tunnel"
	case c.Tunnels == 1:
		l = "single " + kind
	default:
		l = fmt.Sprintf("HPE %d x %s", c.Tunnels, kind)
	}
	if c.CapBps > 0 {
		l += ", capped"
	}
	if c.UnderlayMTU != 0 {
		l += fmt.Sprintf(", MTU %d", c.UnderlayMTU)
	}
	return l
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := 1.0
	for p*10 <= v {
		p *= 10
	}
	for p > v {
		p /= 10
	}
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}
