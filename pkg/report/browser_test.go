package report_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/payops/analyze/pkg/report"
)

// chromiumPath finds a Chromium to drive: $ANALYZE_CHROMIUM, or chromium
// (Debian's package) and its usual other names on PATH. Without one the
// browser tests skip, except under CI (env CI set), where they fail: CI
// installs it (.ci/run: apt-get install chromium chromium-driver
// fonts-noto-cjk).
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("ANALYZE_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no Chromium found (chromium, chromium-browser, google-chrome on PATH or $ANALYZE_CHROMIUM): " +
		"install it with apt-get install -y chromium chromium-driver fonts-noto-cjk to run the browser test"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// artifactDir is where screenshots go: $ANALYZE_ARTIFACTS, else the
// system temp directory (kept after the test, unlike t.TempDir).
func artifactDir(t *testing.T) string {
	dir := os.Getenv("ANALYZE_ARTIFACTS")
	if dir == "" {
		dir = os.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

type sortResult struct {
	Asc  []string `json:"asc"`
	Desc []string `json:"desc"`
}

// chartInfo is what the page reports about one svg.chart.
type chartInfo struct {
	Label  string  `json:"label"`
	Width  float64 `json:"width"`
	Height float64 `json:"height"`
	Shapes int     `json:"shapes"` // rect and polygon elements with a non-empty box
	Texts  int     `json:"texts"`
}

const chartsJS = `Array.from(document.querySelectorAll("svg.chart")).map(function (s) {
  var r = s.getBoundingClientRect();
  var shapes = Array.from(s.querySelectorAll("rect,polygon")).filter(function (e) {
    var b = e.getBBox(); return b.width > 0 && b.height > 0;
  }).length;
  return {label: s.getAttribute("aria-label") || "", width: r.width, height: r.height,
          shapes: shapes, texts: s.querySelectorAll("text").length};
})`

// sortJS clicks the "declines" header of the causes table twice (the first
// click sorts ascending, the second descending) and returns the declines
// column as shown after each click. The table starts in descending order,
// so the first click must change it.
const sortJS = `(function () {
  var t = document.querySelector("#causes table.sortable");
  var th = t.tHead.rows[0].cells[1];
  var col = function () { return Array.from(t.tBodies[0].rows).map(function (r) { return r.cells[1].textContent; }); };
  th.click(); var asc = col();
  th.click(); return {asc: asc, desc: col()};
})()`

// pageReport is what the browser saw of one page.
type pageReport struct {
	problems []string // console errors and warnings, exceptions, error log entries
	requests []string // every URL the page requested, the page included
	title    string
	charts   []chartInfo
	sorted   sortResult
	shot     []byte // full-page PNG, screen media
	print    []byte // full-page PNG, print media at A4 width
	// printOverflow is how far the page is wider than the A4 text width
	// under print media (0 when it fits).
	printOverflow float64
	overflowing   []string // the innermost elements past the right edge then
}

// overflowJS lists the innermost elements that end past the window's
// right edge, to say what makes a page too wide.
const overflowJS = `Array.from(document.querySelectorAll("body *")).filter(function (e) {
  return e.getBoundingClientRect().right > window.innerWidth + 0.5 &&
    !Array.from(e.children).some(function (c) { return c.getBoundingClientRect().right > window.innerWidth + 0.5; });
}).slice(0, 8).map(function (e) {
  return e.tagName.toLowerCase() + (e.className && e.className.baseVal === undefined ? "." + e.className : "") +
    " right=" + Math.round(e.getBoundingClientRect().right) + " " + (e.textContent || "").slice(0, 40);
})`

// a4Width is the text width of A4 with the page's 12 mm margins, in CSS
// pixels: (210 - 24) mm at 96 px per inch.
const a4Width = 703

// inspectPage opens page (a file) in a fresh headless Chromium and
// records what it did; sortable says whether to click the causes table.
func inspectPage(t *testing.T, bin, page string, sortable bool) *pageReport {
	t.Helper()
	dir := t.TempDir()
	pageURL := (&url.URL{Scheme: "file", Path: page}).String()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.NoSandbox, // root in containers; the page is our own file
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(filepath.Join(dir, "profile")),
		chromedp.WindowSize(1200, 900),
	)
	actx, cancelA := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelA()
	cctx, cancelC := chromedp.NewContext(actx)
	defer cancelC()

	// Listen sees the events in the order the browser sends them, so
	// everything the page did is recorded before the last action returns.
	r := &pageReport{}
	var mu sync.Mutex
	err := chromedp.Listen(cctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			switch e.Type {
			case runtime.ConsoleAPICalledTypeError, runtime.ConsoleAPICalledTypeWarning, runtime.ConsoleAPICalledTypeAssert:
				var args []string
				for _, a := range e.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				r.problems = append(r.problems, fmt.Sprintf("console.%s: %s", e.Type, strings.Join(args, " ")))
			}
		case *runtime.EventExceptionThrown:
			r.problems = append(r.problems, (&chromedp.ExceptionError{ExceptionDetails: e.ExceptionDetails}).Error())
		case *cdplog.EventEntryAdded:
			if e.Entry.Level == cdplog.EntryLevelError || e.Entry.Level == cdplog.EntryLevelWarning {
				r.problems = append(r.problems, fmt.Sprintf("log %s (%s): %s %s", e.Entry.Level, e.Entry.Source, e.Entry.Text, e.Entry.URL))
			}
		case *network.EventRequestWillBeSent:
			r.requests = append(r.requests, e.Request.URL)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	run := func(a chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(cctx, a); err != nil {
			t.Fatal(err)
		}
	}
	run(chromedp.Navigate(pageURL))
	run(chromedp.WaitReady("body"))
	if r.title, err = chromedp.Run(cctx, chromedp.Title()); err != nil {
		t.Fatal(err)
	}
	if r.charts, err = chromedp.Run(cctx, chromedp.Evaluate[[]chartInfo](chartsJS)); err != nil {
		t.Fatal(err)
	}
	if r.shot, err = chromedp.Run(cctx, chromedp.FullScreenshot(100)); err != nil { // 100: PNG
		t.Fatal(err)
	}
	if sortable {
		if r.sorted, err = chromedp.Run(cctx, chromedp.Evaluate[sortResult](sortJS)); err != nil {
			t.Fatal(err)
		}
	}
	// print media at the width of an A4 page's text
	run(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
		return err
	}))
	run(chromedp.EmulateViewport(a4Width, 1000))
	if r.printOverflow, err = chromedp.Run(cctx, chromedp.Evaluate[float64](`document.documentElement.scrollWidth - window.innerWidth`)); err != nil {
		t.Fatal(err)
	}
	if r.printOverflow > 0 {
		if r.overflowing, err = chromedp.Run(cctx, chromedp.Evaluate[[]string](overflowJS)); err != nil {
			t.Fatal(err)
		}
	}
	if r.print, err = chromedp.Run(cctx, chromedp.FullScreenshot(100)); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	r.problems = slices.Clone(r.problems)
	r.requests = slices.Clone(r.requests)
	return r
}

// TestHTMLInBrowser opens the samples' report in headless Chromium (both
// languages) and checks that it renders without console errors or
// exceptions, requests nothing but the page itself, shows every chart with
// a non-empty drawing, sorts a table, and fits an A4 page under print
// media. It keeps full-page PNG screenshots (screen and print) as
// artifacts in $ANALYZE_ARTIFACTS (default: the temp directory).
func TestHTMLInBrowser(t *testing.T) {
	bin := chromiumPath(t)
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	for _, lang := range []string{"en", "zh"} {
		t.Run(lang, func(t *testing.T) {
			page := filepath.Join(t.TempDir(), "report.html")
			writeHTMLFile(t, page, sampleDoc(t, lang))
			r := inspectPage(t, bin, page, true)
			for suffix, png := range map[string][]byte{"": r.shot, "-print": r.print} {
				path := filepath.Join(artifactDir(t), "analyze-report-"+lang+suffix+".png")
				if err := os.WriteFile(path, png, 0o644); err != nil {
					t.Fatal(err)
				}
				t.Logf("screenshot: %s (%d bytes)", path, len(png))
			}
			for _, p := range r.problems {
				t.Errorf("browser reported: %s", p)
			}
			pageURL := (&url.URL{Scheme: "file", Path: page}).String()
			for _, u := range r.requests {
				if u != pageURL && !strings.HasPrefix(u, "data:") {
					t.Errorf("page requested %s: it must be self-contained", u)
				}
			}
			if want := report.Label(lang, "title"); r.title != want {
				t.Errorf("title %q, want %q", r.title, want)
			}
			// the samples have a time series, declines, merchants, models and
			// firmware, so every chart of the page must be there
			wantCharts := []string{"timeseries", "causes", "top_merchants", "top_models", "heatmap", "firmware"}
			if len(r.charts) != len(wantCharts) {
				t.Fatalf("%d charts, want %d: %+v", len(r.charts), len(wantCharts), r.charts)
			}
			for i, c := range r.charts {
				if want := report.Label(lang, wantCharts[i]); c.Label != want {
					t.Errorf("chart %d is %q, want %q", i, c.Label, want)
				}
				if c.Width < 100 || c.Height < 50 || c.Shapes == 0 || c.Texts == 0 {
					t.Errorf("chart %q is empty or collapsed: %+v", c.Label, c)
				}
			}
			if !ordered(r.sorted.Asc, 1) || !ordered(r.sorted.Desc, -1) {
				t.Errorf("causes table sorted by declines: ascending %v, descending %v", r.sorted.Asc, r.sorted.Desc)
			}
			if r.printOverflow > 0 {
				t.Errorf("under print media the page is %v px wider than A4: %q", r.printOverflow, r.overflowing)
			}
		})
	}
}

// TestBrowserCheckCatches is the control of TestHTMLInBrowser: a page
// with a script error, a console.error, an external image and an empty
// chart must be caught by the same checks.
func TestBrowserCheckCatches(t *testing.T) {
	bin := chromiumPath(t)
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	page := filepath.Join(t.TempDir(), "bad.html")
	bad := `<!DOCTYPE html><html><head><title>bad</title></head><body>
<svg class="chart" aria-label="empty" viewBox="0 0 10 10" width="10"></svg>
<img src="http://127.0.0.1:9/x.png" alt="">
<script>console.error("boom"); null.x;</script></body></html>`
	if err := os.WriteFile(page, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	r := inspectPage(t, bin, page, false)
	joined := strings.Join(r.problems, "\n")
	if !strings.Contains(joined, "boom") || !strings.Contains(joined, "TypeError") {
		t.Errorf("console error or exception not caught: %q", r.problems)
	}
	if !slices.Contains(r.requests, "http://127.0.0.1:9/x.png") {
		t.Errorf("external request not seen: %q", r.requests)
	}
	if len(r.charts) != 1 || r.charts[0].Shapes != 0 {
		t.Errorf("empty chart not seen as empty: %+v", r.charts)
	}
}

func writeHTMLFile(t *testing.T, path string, d *report.Document) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := report.WriteHTML(f, d); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// ordered reports whether cells hold at least two grouped numbers
// ("1,143") in ascending (dir 1) or descending (dir -1) order, the first
// and last differing.
func ordered(cells []string, dir int64) bool {
	if len(cells) < 2 {
		return false
	}
	ns := make([]int64, len(cells))
	for i, c := range cells {
		if _, err := fmt.Sscan(strings.ReplaceAll(c, ",", ""), &ns[i]); err != nil {
			return false
		}
		if i > 0 && (ns[i]-ns[i-1])*dir < 0 {
			return false
		}
	}
	return ns[0] != ns[len(ns)-1]
}
