package interop

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iosemu/iosemu/internal/porttest"
)

// device is one entry of GET /v1/devices.
type device struct {
	Name     string `json:"name"`
	Platform string `json:"platform"`
	Model    string `json:"model"`
	Version  string `json:"version"`
	Hostname string `json:"hostname"`
	SSH      int    `json:"ssh"`
	Telnet   int    `json:"telnet"`
	HTTP     int    `json:"http"`
	Address  string `json:"address"`
}

// want is what a real router of each seed-lab device reports; tests compare
// client output with this table, not with the control API, so a platform
// regression shows up here.
type want struct {
	Model     string // ansible_net_model, the "cisco MODEL (...) processor" line
	Version   string // ansible_net_version
	IOSLine   string // a substring of show version's first IOS line
	Image     string // ansible_net_image, "System image file is" value
	ModelLine string // a substring of the processor line
	Uplink    string // the interface the seed lab addresses
}

var wants = map[string]want{
	"Root-CA": {
		Model:     "CISCO2911/K9",
		Version:   "15.4(3)M",
		IOSLine:   "Cisco IOS Software, C2900 Software (C2900-UNIVERSALK9-M), Version 15.4(3)M, RELEASE SOFTWARE (fc1)",
		Image:     "flash0:c2900-universalk9-mz.SPA.154-3.M.bin",
		ModelLine: "Cisco CISCO2911/K9 (revision 1.0) with",
		Uplink:    "GigabitEthernet0/0",
	},
	"spoke-1": {
		Model:     "2811",
		Version:   "15.1(4)M",
		IOSLine:   "Cisco IOS Software, 2800 Software (C2800NM-ADVENTERPRISEK9-M), Version 15.1(4)M, RELEASE SOFTWARE (fc1)",
		Image:     "flash:c2800nm-adventerprisek9-mz.151-4.M.bin",
		ModelLine: "Cisco 2811 (revision 53.51) with",
		Uplink:    "FastEthernet0/0",
	},
	"spoke-2": {
		Model:     "ISR4331/K9",
		Version:   "03.15.00.S",
		IOSLine:   "Cisco IOS Software, ISR Software (X86_64_LINUX_IOSD-UNIVERSALK9-M), Version 15.5(2)S, RELEASE SOFTWARE (fc3)",
		Image:     "bootflash:packages.conf",
		ModelLine: "cisco ISR4331/K9 (1RU) processor with",
		Uplink:    "GigabitEthernet0/0/0",
	},
	"spoke-3": {
		Model:     "ASR1001-X",
		Version:   "03.15.00.S",
		IOSLine:   "Cisco IOS Software, ASR1000 Software (X86_64_LINUX_IOSD-UNIVERSALK9-M), Version 15.5(2)S, RELEASE SOFTWARE (fc3)",
		Image:     "bootflash:packages.conf",
		ModelLine: "cisco ASR1001-X (1NG) processor (revision 1NG) with",
		Uplink:    "GigabitEthernet0/0/0",
	},
	"spoke-4": {
		Model:     "CSR1000V",
		Version:   "03.15.00.S",
		IOSLine:   "Cisco IOS Software, CSR1000V Software (X86_64_LINUX_IOSD-UNIVERSALK9-M), Version 15.5(2)S, RELEASE SOFTWARE (fc3)",
		Image:     "bootflash:packages.conf",
		ModelLine: "cisco CSR1000V (VXE) processor (revision VXE) with",
		Uplink:    "GigabitEthernet1",
	},
}

// lab is the running iosemu child process shared by every test.
var lab struct {
	bin     string
	devices []device
	err     error // why the lab is not running (every test then fails)
}

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	tmp, err := os.MkdirTemp("", "iosemu-interop-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "interop:", err)
		return 1
	}
	defer os.RemoveAll(tmp)

	lab.bin = filepath.Join(tmp, "iosemu")
	args := []string{"build", "-o", lab.bin}
	if raceEnabled {
		args = append(args, "-race")
	}
	build := exec.Command("go", append(args, "./cmd/iosemu")...)
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "interop: go build: %v\n%s", err, out)
		return 1
	}

	stop, err := startLab(tmp)
	if err != nil {
		// Let the tests run and fail with the reason: a lab that does
		// not start is the first thing these tests must report.
		lab.err = err
		fmt.Fprintln(os.Stderr, "interop:", err)
	}
	code := m.Run()
	if stop != nil {
		if err := stop(); err != nil {
			fmt.Fprintln(os.Stderr, "interop:", err)
			code = 1
		}
	}
	return code
}

// startLab starts `iosemu run` on a free random base port and waits until
// the control API lists the devices. It retries with another base when a
// port was taken between the check and the start.
func startLab(tmp string) (stop func() error, err error) {
	for attempt := 0; attempt < 5; attempt++ {
		var base int
		base, err = porttest.FreeBase(len(wants))
		if err != nil {
			break
		}
		stop, err = startLabOn(tmp, base, attempt)
		if err == nil {
			return stop, nil
		}
	}
	return nil, fmt.Errorf("interop: start lab: %w", err)
}

func startLabOn(tmp string, base, attempt int) (func() error, error) {
	state := filepath.Join(tmp, fmt.Sprintf("state%d", attempt))
	cmd := exec.Command(lab.bin, "run", "--state", state, "--base-port", fmt.Sprint(base))
	var stdout, stderr lockedBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() error {
		_ = cmd.Process.Signal(os.Interrupt)
		t := time.NewTimer(10 * time.Second) // wall-clock-ok: bound the child's shutdown
		defer t.Stop()
		select {
		case err := <-exited:
			// A race-enabled binary reports data races on stderr (and
			// exits 66): the lab under these clients must have none.
			if strings.Contains(stderr.String(), "WARNING: DATA RACE") {
				return fmt.Errorf("interop: the iosemu binary reported a data race (exit %v):\n%s", err, stderr.String())
			}
			if err != nil {
				return fmt.Errorf("interop: iosemu run exited with %v:\n%s", err, stderr.String())
			}
			return nil
		case <-t.C:
			_ = cmd.Process.Kill()
			<-exited
			return errors.New("interop: lab did not stop on SIGINT; killed")
		}
	}

	addr := fmt.Sprintf("127.0.0.1:%d", base)
	url := "http://" + addr + "/v1/devices"
	deadline := time.NewTimer(60 * time.Second) // wall-clock-ok: bound the lab's start
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond) // wall-clock-ok: poll a real child process
	defer tick.Stop()
	for {
		select {
		case err := <-exited:
			return nil, fmt.Errorf("iosemu run exited (%v): %s", err, stderr.String())
		case <-deadline.C:
			_ = cmd.Process.Kill()
			<-exited
			return nil, fmt.Errorf("control API %s did not answer in 60s: %s", url, stderr.String())
		case <-tick.C:
		}
		// The lab prints its control address once its listeners are up;
		// until then an answer on the port could come from another lab.
		if !strings.Contains(stdout.String(), addr) {
			continue
		}
		devs, err := getDevices(url)
		if err != nil {
			continue
		}
		lab.devices = devs
		return stop, nil
	}
}

func getDevices(url string) ([]device, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", url, resp.Status)
	}
	var devs []device
	if err := json.NewDecoder(resp.Body).Decode(&devs); err != nil {
		return nil, fmt.Errorf("%s: %w", url, err)
	}
	if len(devs) == 0 {
		return nil, fmt.Errorf("%s: no devices", url)
	}
	return devs, nil
}

// routers returns the lab's devices, failing the test when the lab is not
// running or is not the seed lab.
func routers(t *testing.T) []device {
	t.Helper()
	if lab.err != nil {
		t.Fatalf("lab not running: %v", lab.err)
	}
	if len(lab.devices) != len(wants) {
		t.Fatalf("lab has %d devices, want the %d of the seed lab", len(lab.devices), len(wants))
	}
	for _, d := range lab.devices {
		if _, ok := wants[d.Name]; !ok {
			t.Fatalf("unexpected device %q in the lab", d.Name)
		}
	}
	return lab.devices
}

// need returns the path of a client program: missing, it skips the test
// locally and fails it in CI.
func need(t *testing.T, prog string) string {
	t.Helper()
	p, err := exec.LookPath(prog)
	if err != nil {
		missing(t, "%s not installed: %v", prog, err)
	}
	return p
}

// needPython checks that /usr/bin/python3 can import module.
func needPython(t *testing.T, module string) {
	t.Helper()
	if out, err := exec.Command("/usr/bin/python3", "-c", "import "+module).CombinedOutput(); err != nil {
		missing(t, "/usr/bin/python3 cannot import %s: %v\n%s", module, err, out)
	}
}

func missing(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

// run runs a client program with a deadline and returns its combined
// output; a non-zero exit or a timeout fails the test with the output.
func run(t *testing.T, timeout time.Duration, cmd *exec.Cmd) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	c := exec.CommandContext(ctx, cmd.Path, cmd.Args[1:]...)
	c.Dir, c.Env, c.Stdin = cmd.Dir, cmd.Env, cmd.Stdin
	c.WaitDelay = 2 * time.Second
	out, err := c.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("%s timed out after %v:\n%s", strings.Join(c.Args, " "), timeout, out)
	}
	if err != nil {
		t.Fatalf("%s: %v:\n%s", strings.Join(c.Args, " "), err, out)
	}
	return string(out)
}

// lines returns the non-empty lines of s without carriage returns.
func lines(s string) []string {
	var ls []string
	sc := bufio.NewScanner(strings.NewReader(strings.ReplaceAll(s, "\r", "")))
	for sc.Scan() {
		if l := sc.Text(); l != "" {
			ls = append(ls, l)
		}
	}
	return ls
}

// lockedBuffer collects a child's stderr for error messages.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
