package interop

import (
	"context"
	"encoding/xml"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// netmikoSuiteModules are the modules of netmiko's own test suite (tag
// v2.4.2, the version Debian ships) run against every seed-lab device.
var netmikoSuiteModules = []string{
	"test_netmiko_show.py",
	"test_netmiko_config.py",
	"test_netmiko_save.py",
	"test_netmiko_scp.py",
}

// netmikoSuiteExpected lists the tests of netmiko's suite that fail against
// a real IOS router too, with the text their failure must contain and why.
// Any other failure fails TestNetmikoSuite, and so does one of these
// passing (the list is then out of date).
var netmikoSuiteExpected = map[string]struct{ failure, why string }{
	"test_netmiko_show.py::test_send_command_genie": {
		"Genie and PyATS are not installed",
		"use_genie needs Cisco's pyATS/Genie, which Debian does not package; netmiko raises before it parses anything",
	},
	"test_netmiko_save.py::test_save_confirm": {
		"'bool' object has no attribute",
		"the test passes save_config_confirm (True in netmiko's commands.yml example) as save_config's first argument, cmd: netmiko fails writing True to the channel",
	},
	"test_netmiko_save.py::test_save_cmd": {
		"Search pattern never detected",
		"save_config(cmd='copy run start') waits for the prompt, but IOS first asks 'Destination filename [startup-config]?' (as a real router does without file prompt quiet)",
	},
}

// TestNetmikoSuite runs four modules of netmiko 2.4.2's own test suite
// (show, config, save, scp) with pytest against every seed-lab device as
// cisco_ios over SSH. The suite comes from the netmiko repository, not from
// this one: IOSEMU_NETMIKO_TESTS names an extracted copy of its tests/
// directory at v2.4.2 (.ci/run extracts it); the test writes the
// etc/test_devices.yml, commands.yml and responses.yml the suite reads
// (commands.yml is the suite's cisco_ios example). use_textfsm parses with
// the community templates of IOSEMU_NTC_TEMPLATES.
func TestNetmikoSuite(t *testing.T) {
	devs := routers(t)
	suite := os.Getenv("IOSEMU_NETMIKO_TESTS")
	if suite == "" {
		missing(t, "IOSEMU_NETMIKO_TESTS is not set (netmiko v2.4.2's tests/ directory; .ci/run extracts it)")
	}
	if _, err := os.Stat(filepath.Join(suite, "conftest.py")); err != nil {
		t.Fatalf("IOSEMU_NETMIKO_TESTS=%s is not netmiko's tests/ directory: %v", suite, err)
	}
	templates := ntcTemplates(t)
	needPython(t, "netmiko")
	needPython(t, "pytest")
	needPython(t, "yaml")
	for _, d := range devs {
		t.Run(d.Name, func(t *testing.T) {
			t.Parallel()
			// The scp module expects its files absent at the start.
			configure(t, d, "configure terminal", "file prompt quiet", "end",
				"delete flash:test9.txt", "delete flash:test2.txt",
				"configure terminal", "no file prompt", "end")
			dir := filepath.Join(t.TempDir(), "tests")
			if err := copyTree(suite, dir); err != nil {
				t.Fatal(err)
			}
			writeSuiteConfig(t, dir, d)
			results := filepath.Join(t.TempDir(), "results.xml")
			args := append([]string{"-m", "pytest", "-p", "no:cacheprovider", "-q", "--junitxml=" + results},
				netmikoSuiteModules...)
			args = append(args, "--test_device", d.Name)
			ctx, cancel := context.WithTimeout(context.Background(), 240*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, "/usr/bin/python3", args...)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "NET_TEXTFSM="+templates)
			cmd.WaitDelay = 2 * time.Second
			out, err := cmd.CombinedOutput()
			if ctx.Err() != nil {
				t.Fatalf("pytest timed out:\n%s", out)
			}
			cases, perr := readJUnit(results)
			if perr != nil {
				t.Fatalf("pytest (%v) left no results: %v\n%s", err, perr, out)
			}
			checkSuite(t, cases, string(out))
		})
	}
}

// checkSuite compares pytest's outcomes with netmikoSuiteExpected.
func checkSuite(t *testing.T, cases []junitCase, out string) {
	t.Helper()
	seen := map[string]bool{}
	modules := map[string]int{}
	for _, c := range cases {
		mod := strings.TrimPrefix(c.Class, "tests.") + ".py"
		modules[mod]++
		id := mod + "::" + c.Name
		seen[id] = true
		exp, expected := netmikoSuiteExpected[id]
		switch {
		case c.Skipped != nil:
			t.Errorf("%s skipped: %s", id, c.Skipped.Message)
		case c.failed() && !expected:
			t.Errorf("%s failed:\n%s", id, c.text())
		case c.failed() && !strings.Contains(c.text(), exp.failure):
			t.Errorf("%s failed, but not for the known reason (%s):\n%s", id, exp.why, c.text())
		case !c.failed() && expected:
			t.Errorf("%s passed, but is listed as failing against a real router (%s): update netmikoSuiteExpected", id, exp.why)
		}
	}
	for _, m := range netmikoSuiteModules {
		if modules[m] == 0 {
			t.Errorf("pytest ran no test of %s:\n%s", m, out)
		}
	}
	var ids []string
	for id := range netmikoSuiteExpected {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if !seen[id] {
			t.Errorf("%s did not run:\n%s", id, out)
		}
	}
	if len(cases) < 40 {
		t.Errorf("pytest ran %d tests, want netmiko 2.4.2's 40 of these modules:\n%s", len(cases), out)
	}
}

// writeSuiteConfig writes the files netmiko's conftest reads for device d.
// fast_cli with a global_delay_factor of 0.2 is netmiko's own option for
// fast devices: its reads time out after 20 s instead of 100 s.
func writeSuiteConfig(t *testing.T, dir string, d device) {
	t.Helper()
	files := map[string]string{
		"test_devices.yml": fmt.Sprintf(`%s:
  device_type: cisco_ios
  ip: 127.0.0.1
  port: %d
  username: admin
  password: cisco
  secret: cisco
  fast_cli: true
  global_delay_factor: 0.2
`, d.Name, d.SSH),
		"commands.yml": `cisco_ios:
  version: "show version"
  basic: "show ip interface brief"
  extended_output: "show version"
  config:
    - "logging buffered 20000"
    - "no logging console"
    - "logging buffered 20010"
  config_verification: "show run | inc logging buffer"
  config_file: 'cisco_ios_commands.txt'
  save_config_cmd: 'copy run start'
  save_config_confirm: True
  save_config_response: ''
`,
		"responses.yml": fmt.Sprintf(`%[1]s:
  base_prompt: %[1]s
  router_prompt: %[1]s>
  enable_prompt: %[1]s#
  interface_ip: %[2]s
  version_banner: "Cisco IOS Software"
  multiple_line_output: "Configuration register is"
  file_check_cmd: "logging buffered 8880"
  save_config: 'OK'
  scp_remote_space: 1000
`, d.Name, d.Address),
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, "etc", name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// junitCase is one <testcase> of pytest's --junitxml report.
type junitCase struct {
	Class   string        `xml:"classname,attr"`
	Name    string        `xml:"name,attr"`
	Failure *junitMessage `xml:"failure"`
	Error   *junitMessage `xml:"error"`
	Skipped *junitMessage `xml:"skipped"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

func (c junitCase) failed() bool { return c.Failure != nil || c.Error != nil }

func (c junitCase) text() string {
	var b strings.Builder
	for _, m := range []*junitMessage{c.Failure, c.Error} {
		if m != nil {
			b.WriteString(m.Message + "\n" + m.Text)
		}
	}
	return b.String()
}

func readJUnit(path string) ([]junitCase, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Suites []struct {
			Cases []junitCase `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("interop: %s: %w", path, err)
	}
	var cases []junitCase
	for _, s := range doc.Suites {
		cases = append(cases, s.Cases...)
	}
	return cases, nil
}

// copyTree copies the regular files and directories under src to dst.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if e.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !e.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
}

// ntcTemplates returns the directory of the community TextFSM templates
// (networktocode/ntc-templates' ntc_templates/templates, with its index)
// named by IOSEMU_NTC_TEMPLATES; unset, the test skips (fails in CI).
func ntcTemplates(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("IOSEMU_NTC_TEMPLATES")
	if dir == "" {
		missing(t, "IOSEMU_NTC_TEMPLATES is not set (ntc-templates' ntc_templates/templates; .ci/run extracts it)")
	}
	if _, err := os.Stat(filepath.Join(dir, "index")); err != nil {
		t.Fatalf("IOSEMU_NTC_TEMPLATES=%s has no index file: %v", dir, err)
	}
	return dir
}
