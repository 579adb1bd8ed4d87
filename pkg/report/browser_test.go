package report_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

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

// TestHTMLInBrowser opens the samples' report in headless Chromium (both
// languages) and checks that it renders without console errors or
// exceptions, requests nothing but the page itself, shows every chart with
// a non-empty drawing, and sorts a table; it keeps a full-page PNG
// screenshot as an artifact.
func TestHTMLInBrowser(t *testing.T) {
	bin := chromiumPath(t)
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	for _, lang := range []string{"en", "zh"} {
		t.Run(lang, func(t *testing.T) {
			dir := t.TempDir()
			page := filepath.Join(dir, "report.html")
			f, err := os.Create(page)
			if err != nil {
				t.Fatal(err)
			}
			d := sampleDoc(t, lang)
			if err := report.WriteHTML(f, d); err != nil {
				t.Fatal(err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
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
			// everything the page did is recorded before the last action
			// returns.
			var mu sync.Mutex
			var problems, requests []string
			err = chromedp.Listen(cctx, func(ev any) {
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
						problems = append(problems, fmt.Sprintf("console.%s: %s", e.Type, strings.Join(args, " ")))
					}
				case *runtime.EventExceptionThrown:
					problems = append(problems, (&chromedp.ExceptionError{ExceptionDetails: e.ExceptionDetails}).Error())
				case *cdplog.EventEntryAdded:
					if e.Entry.Level == cdplog.EntryLevelError || e.Entry.Level == cdplog.EntryLevelWarning {
						problems = append(problems, fmt.Sprintf("log %s (%s): %s %s", e.Entry.Level, e.Entry.Source, e.Entry.Text, e.Entry.URL))
					}
				case *network.EventRequestWillBeSent:
					requests = append(requests, e.Request.URL)
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := chromedp.Do(cctx, chromedp.Navigate(pageURL), chromedp.WaitReady("footer#provenance")); err != nil {
				t.Fatal(err)
			}
			title, err := chromedp.Run(cctx, chromedp.Title())
			if err != nil {
				t.Fatal(err)
			}
			charts, err := chromedp.Run(cctx, chromedp.Evaluate[[]chartInfo](chartsJS))
			if err != nil {
				t.Fatal(err)
			}
			sorted, err := chromedp.Run(cctx, chromedp.Evaluate[sortResult](sortJS))
			if err != nil {
				t.Fatal(err)
			}
			shot, err := chromedp.Run(cctx, chromedp.FullScreenshot(100)) // 100: PNG
			if err != nil {
				t.Fatal(err)
			}
			png := filepath.Join(artifactDir(t), "analyze-report-"+lang+".png")
			if err := os.WriteFile(png, shot, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("screenshot: %s (%d bytes)", png, len(shot))

			mu.Lock()
			defer mu.Unlock()
			for _, p := range problems {
				t.Errorf("browser reported: %s", p)
			}
			for _, u := range requests {
				if u != pageURL && !strings.HasPrefix(u, "data:") {
					t.Errorf("page requested %s: it must be self-contained", u)
				}
			}
			if want := report.Label(lang, "title"); title != want {
				t.Errorf("title %q, want %q", title, want)
			}
			// the samples have a time series, declines, merchants, models and
			// firmware, so every chart of the page must be there
			wantCharts := []string{"timeseries", "causes", "top_merchants", "top_models", "heatmap", "firmware"}
			if len(charts) != len(wantCharts) {
				t.Fatalf("%d charts, want %d: %+v", len(charts), len(wantCharts), charts)
			}
			for i, c := range charts {
				if want := report.Label(lang, wantCharts[i]); c.Label != want {
					t.Errorf("chart %d is %q, want %q", i, c.Label, want)
				}
				if c.Width < 100 || c.Height < 50 || c.Shapes == 0 || c.Texts == 0 {
					t.Errorf("chart %q is empty or collapsed: %+v", c.Label, c)
				}
			}
			if !ordered(sorted.Asc, 1) || !ordered(sorted.Desc, -1) {
				t.Errorf("causes table sorted by declines: ascending %v, descending %v", sorted.Asc, sorted.Desc)
			}
		})
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
