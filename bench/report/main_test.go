package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iosemu/iosemu/lab"
)

// The generated lab files are valid labs, up to the largest size.
func TestLabFileParses(t *testing.T) {
	for _, n := range []int{1, 5, 100, 1000} {
		s, err := lab.Parse("gen", []byte(labFile(n)))
		if err != nil {
			t.Fatalf("%d devices: %v", n, err)
		}
		if len(s.Devices) != n {
			t.Fatalf("%d devices: parsed %d", n, len(s.Devices))
		}
	}
}

// TestReportRuns runs the documented command on a tiny lab and checks that
// every figure was measured.
func TestReportRuns(t *testing.T) {
	dir := t.TempDir()
	ios := filepath.Join(dir, "iosemu")
	rep := filepath.Join(dir, "report")
	for bin, pkg := range map[string]string{ios: "../../cmd/iosemu", rep: "."} {
		if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", pkg, err, out)
		}
	}
	js := filepath.Join(dir, "report.json")
	cmd := exec.Command(rep, "--iosemu", ios, "--sizes", "2", "--concurrency", "1,2", "--sessions", "4", "--held", "30", "--show-run", "3", "--json", js)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("report: %v\n%s", err, out)
	}
	for _, want := range []string{"| 2 devices: start to every SSH banner", "| session c=2 p99", "| RSS per held session", "| show running-config p50"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	data, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	var r Report
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Programs) != 1 || r.Machine.Cores == 0 {
		t.Fatalf("report: %s", data)
	}
	p := r.Programs[0]
	if len(p.Errors) > 0 || len(p.Starts) != 1 || p.Starts[0].Error != "" || p.Starts[0].ReadySec <= 0 || p.Starts[0].IdleRSSMiB <= 0 {
		t.Errorf("start figures: %s", data)
	}
	if len(p.Sessions) != 2 || p.Sessions[1].Concurrency != 2 || p.Sessions[1].Latency.N != 4 || p.Sessions[0].Failed != 0 || p.Sessions[0].Latency.P50 <= 0 {
		t.Errorf("session figures: %s", data)
	}
	if p.Held == nil || p.Held.Sessions != 30 || p.ShowRun == nil || p.ShowRun.N != 3 {
		t.Errorf("held and show running-config figures: %s", data)
	}
}
