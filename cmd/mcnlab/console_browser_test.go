package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/mcnlab/mcnlab/internal/roottest"
)

// shotsEnv names a folder where the console tests write their screenshots
// under fixed names (`make console-screenshots` points it at
// docs/console); without it they go to the test's artifact directory
// (kept with go test -artifacts).
const shotsEnv = "MCNLAB_CONSOLE_SHOTS"

// browser is one headless Chromium for a test; each tab has its own
// sessionStorage, so its own sign-in.
type browser struct {
	t   *testing.T
	ctx context.Context // the allocator's
}

// newBrowser starts Debian's chromium headless (as root it needs
// --no-sandbox) at 1280×800; it goes when the test ends. A missing
// chromium skips the test, and fails it in CI.
func newBrowser(t *testing.T) *browser {
	t.Helper()
	path := ""
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		roottest.Missing(t, "chromium is not installed (Debian package chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.WindowSize(1280, 800), chromedp.Flag("hide-scrollbars", true))
	ctx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	return &browser{t: t, ctx: ctx}
}

// tab opens a tab; it closes when the test that asked for it ends.
func (b *browser) tab(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithErrorf(func(string, ...any) {}))
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil { // starts the browser or the tab
		t.Fatalf("start chromium: %v", err)
	}
	// A script error in the page fails the test that opened it.
	var mu sync.Mutex
	var thrown []string
	if err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*runtime.EventExceptionThrown); ok {
			mu.Lock()
			d := e.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			thrown = append(thrown, fmt.Sprintf("%s (%s:%d)", msg, d.URL, d.LineNumber+1))
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, e := range thrown {
			t.Errorf("script error in the console: %s", e)
		}
	})
	return ctx
}

// do runs actions with a deadline, failing the test with what was asked.
func do(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, time.Minute) // a loaded machine starts pages slowly
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// poll waits until a JavaScript expression is truthy, checking every
// 10 ms; it reports how long that took, and whether it came within limit.
func poll(ctx context.Context, expr string, limit time.Duration) (time.Duration, bool) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, limit+2*time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[any](expr, chromedp.WithPollingInterval(10*time.Millisecond), chromedp.WithPollingTimeout(limit)))
	return time.Since(start), err == nil
}

// waitFor polls expr and fails the test when it is not true within limit.
func waitFor(t *testing.T, ctx context.Context, what, expr string, limit time.Duration) time.Duration {
	t.Helper()
	took, ok := poll(ctx, expr, limit)
	if !ok {
		t.Fatalf("%s: not within %s (%s); the page shows: %.300s", what, limit, expr,
			eval[string](t, ctx, `[...document.querySelectorAll(".error")].map(e => e.textContent).join("; ") || document.title`))
	}
	return took
}

// signIn loads the console and signs in through its form with token.
func signIn(t *testing.T, ctx context.Context, url, token string) {
	t.Helper()
	do(t, ctx, "sign in",
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), token),
		chromedp.Click(chromedp.CSS(`#signin button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#nav")))
}

// screenshot saves the whole page as NAME.png and logs where.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv(shotsEnv)
	if dir == "" {
		dir = t.ArtifactDir()
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	p := filepath.Join(dir, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s (%d KiB)", p, len(png)>>10)
}

// contrastJS computes the WCAG 2 contrast ratio of each element that
// matches a selector (its colour on the first opaque background up its
// ancestors) and returns the lowest as "ratio selector text".
const contrastJS = `(() => {
  const rgb = (s) => (s.match(/[\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => { const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const bg = (el) => { for (; el; el = el.parentElement) { const c = rgb(getComputedStyle(el).backgroundColor); if (c.length === 3 || c[3] > 0.5) return c; } return [255, 255, 255]; };
  let worst = [99, "", ""];
  for (const sel of %s) for (const el of document.querySelectorAll(sel)) {
    if (!el.textContent.trim() || !el.getClientRects().length) continue;
    const st = getComputedStyle(el);
    const fg = el instanceof SVGElement ? rgb(st.fill) : rgb(st.color);
    const a = lum(fg), b = lum(bg(el instanceof SVGElement ? el.closest("div") : el));
    const r = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (r < worst[0]) worst = [r, sel, el.textContent.trim().slice(0, 40)];
  }
  return worst[0].toFixed(2) + " " + worst[1] + " " + worst[2];
})()`

// checkContrast fails when text of the selectors has a contrast ratio
// under WCAG AA's 4.5:1.
func checkContrast(t *testing.T, ctx context.Context, selectors string) {
	t.Helper()
	got := eval[string](t, ctx, fmt.Sprintf(contrastJS, selectors))
	var ratio float64
	fmt.Sscanf(got, "%g", &ratio)
	t.Logf("lowest text contrast: %s", got)
	if ratio < 4.5 {
		t.Errorf("text contrast %s, want at least 4.5:1 (WCAG AA)", got)
	}
}

// tabTo presses Tab from the top of the page (its skip link) until the focused element
// matches selector; it returns how many presses that took, failing after
// max.
func tabTo(t *testing.T, ctx context.Context, selector string, max int) int {
	t.Helper()
	// The skip link is the page's first focusable element.
	eval[any](t, ctx, `document.querySelector("a.skip").focus(), 0`)
	for i := 1; i <= max; i++ {
		do(t, ctx, "press Tab", chromedp.KeyEvent("\t"))
		if eval[bool](t, ctx, fmt.Sprintf(`!!document.activeElement && document.activeElement.matches(%q)`, selector)) {
			return i
		}
	}
	t.Fatalf("%s not reached by %d presses of Tab; focus is on %s", selector, max,
		eval[string](t, ctx, `document.activeElement ? document.activeElement.outerHTML.slice(0, 120) : "nothing"`))
	return 0
}
