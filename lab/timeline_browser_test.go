package lab

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/iosemu/iosemu/clock"
)

var screenshot = flag.String("screenshot", "", "write the timeline test's screenshot (PNG) to this file")

// chromium finds Debian's chromium: a missing one skips the test, or fails
// it in CI.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed (apt-get install -y chromium)")
	}
	t.Skip("chromium is not installed (apt-get install -y chromium)")
	return ""
}

// pageBar is a certificate bar as the page draws it.
type pageBar struct {
	Device string `json:"device"`
	Role   string `json:"role"`
	Title  string `json:"title"`
	Serial string `json:"serial"`
	Start  string `json:"start"`
	End    string `json:"end"`
}

const barsJS = `JSON.stringify(Array.from(document.querySelectorAll("rect.bar")).map(b => ({
	device: b.dataset.device, role: b.dataset.role, title: b.dataset.title,
	serial: b.dataset.serial, start: b.dataset.start, end: b.dataset.end})))`

// TestTimelinePageInChromium drives the timeline page: the seed lab at the
// seeds' first moment, then a jump to Jul 11 2017 from the page's own
// controls; the page then draws the rollover CA certificate (from Oct 8
// 2017) and every spoke's shadow ID certificate, without a reload.
func TestTimelinePageInChromium(t *testing.T) {
	bin := chromium(t)
	spec, _ := Builtin("seed")
	start := time.Date(2015, 10, 9, 13, 14, 16, 0, time.FixedZone("CET", 3600))
	l, base := startLab(t, spec, clock.NewFake(start))
	page := fmt.Sprintf("http://127.0.0.1:%d/", base)

	opts := append(chromedp.DefaultExecAllocatorOptions[:0:0],
		chromedp.ExecPath(bin),
		chromedp.Flag("headless", "new"),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.WindowSize(1400, 900),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 240*time.Second) // wall-clock-ok: a bound on the browser, not lab time
	defer cancel()

	bars := func() []pageBar {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](barsJS))
		if err != nil {
			t.Fatal(err)
		}
		var out []pageBar
		if err := json.Unmarshal([]byte(s), &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate(page),
		chromedp.WaitVisible(chromedp.CSS(`svg#timeline`)),
	); err != nil {
		t.Fatal(err)
	}
	devices, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("g.row")).map(g => g.dataset.device)`))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"Root-CA", "spoke-1", "spoke-2", "spoke-3", "spoke-4"}; strings.Join(devices, ",") != strings.Join(want, ",") {
		t.Fatalf("rows %q, want %q", devices, want)
	}
	// Every device's certificates, as /v1/pki has them.
	before := bars()
	for _, d := range l.PKI().Devices {
		n := 0
		for _, b := range before {
			if b.Device == d.Name {
				n++
			}
		}
		if n != len(d.Certs) || n == 0 {
			t.Errorf("%s: %d bars on the page, %d certificates held", d.Name, n, len(d.Certs))
		}
	}
	for _, b := range before {
		if b.Role == "CA rollover" || b.Role == "ID rollover" {
			t.Errorf("a rollover certificate before the rollover: %+v", b)
		}
	}

	// jumpTo jumps from the page (the date field and its button) and waits
	// until the page has drawn the new lab time; the page must then draw
	// what /v1/pki holds.
	jumpTo := func(date, shown string) []pageBar {
		t.Helper()
		if err := chromedp.Do(ctx,
			chromedp.SetValue(chromedp.CSS(`#date`), date),
			chromedp.Click(chromedp.CSS(`#go`)),
			chromedp.Poll[chromedp.Void](fmt.Sprintf(`document.getElementById("now").textContent.includes(%q) && !document.querySelector("#go").disabled`, shown),
				// A 640-day jump takes seconds, more under -race on a busy machine.
				chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(200*time.Second)),
		); err != nil {
			st, _ := chromedp.Run(context.WithoutCancel(ctx), chromedp.Evaluate[string](`document.getElementById("status").textContent`))
			t.Fatalf("the page did not jump to %s: %v (lab clock %v, page status %q)", date, err, l.Clock().Now(), st)
		}
		if want := date + "T00:00:00Z"; l.Clock().Now().Format(time.RFC3339) != want {
			t.Errorf("lab clock %v after the jump, want %s", l.Clock().Now(), want)
		}
		got := bars()
		var want []string
		for _, d := range l.PKI().Devices {
			for _, c := range d.Certs {
				want = append(want, d.Name+" "+c.Role+" "+c.Serial)
			}
		}
		var have []string
		for _, b := range got {
			have = append(have, b.Device+" "+b.Role+" "+b.Serial)
		}
		slices.Sort(want)
		slices.Sort(have)
		if !slices.Equal(have, want) {
			t.Errorf("at %s the page draws\n%q\n/v1/pki holds\n%q", date, have, want)
		}
		return got
	}
	find := func(bs []pageBar, device, role string) *pageBar {
		for i := range bs {
			if bs[i].Device == device && bs[i].Role == role {
				return &bs[i]
			}
		}
		return nil
	}

	// Jul 11 2017: the certificate server made its rollover CA certificate
	// the day before (CS SHADOW CERT GENERATION); it starts when the
	// current one ends.
	after := jumpTo("2017-07-11", "Jul 11 2017")
	if r := find(after, "Root-CA", "CA rollover"); r == nil || r.Start != "2017-10-08" || r.Title != "CA Certificate (Rollover)" {
		t.Errorf("Root-CA's rollover CA certificate: %+v, want one starting 2017-10-08", r)
	}
	// Sep 10 2017: every spoke's SHADOW timer has fetched the rollover CA
	// certificate and enrolled a shadow ID certificate under it.
	after = jumpTo("2017-09-10", "Sep 10 2017")
	for _, s := range []string{"spoke-1", "spoke-2", "spoke-3", "spoke-4"} {
		if b := find(after, s, "ID rollover"); b == nil || b.Start != "2017-10-08" {
			t.Errorf("%s: shadow ID certificate on the page: %+v", s, b)
		}
		if b := find(after, s, "CA rollover"); b == nil || b.Start != "2017-10-08" {
			t.Errorf("%s: rollover CA certificate on the page: %+v", s, b)
		}
	}
	// The reload check: the page was not navigated again.
	if navs, err := chromedp.Run(ctx, chromedp.Evaluate[int](`performance.getEntriesByType("navigation").length`)); err != nil || navs != 1 {
		t.Errorf("navigations %d (%v), want 1", navs, err)
	}
	// Hovering a bar shows its show crypto pki certificates block.
	if err := chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](`(() => { const b = document.querySelector('rect.bar[data-role="CA rollover"]'); const r = b.getBoundingClientRect();
			b.dispatchEvent(new MouseEvent("mousemove", {clientX: r.x + 20, clientY: r.y + 5, bubbles: true})); return true; })()`),
	); err != nil {
		t.Fatal(err)
	}
	tip, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS(`#tip`)))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"CA Certificate (Rollover)", "Status: Available", "start date: 13:14:16 CET Oct 8 2017"} {
		if !strings.Contains(tip, want) {
			t.Errorf("hover text lacks %q:\n%s", want, tip)
		}
	}
	if *screenshot != "" {
		// The screenshot shows a hover: spoke-1's shadow ID certificate.
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`(() => { const b = document.querySelector('rect.bar[data-role="ID rollover"][data-device="spoke-1"]'); const r = b.getBoundingClientRect();
			b.dispatchEvent(new MouseEvent("mousemove", {clientX: r.x + 30, clientY: r.y + 8, bubbles: true})); return true; })()`)); err != nil {
			t.Fatal(err)
		}
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(*screenshot, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
