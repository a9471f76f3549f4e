package main

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/iosemu/iosemu/lab"
)

// freePorts returns n distinct ports below 32768 that are free right now.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	seen := map[int]bool{}
	for try := 0; len(ports) < n && try < 1000; try++ {
		p := 20000 + rand.IntN(12000)
		if seen[p] {
			continue
		}
		seen[p] = true
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			continue
		}
		ln.Close()
		ports = append(ports, p)
	}
	if len(ports) < n {
		t.Fatal("no free ports")
	}
	return ports
}

// startProc starts the binary and waits for a line of its output that
// contains want; it is killed when the test ends.
func startProc(t *testing.T, want string, args ...string) (*syncBuffer, <-chan string) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	out := &syncBuffer{}
	cmd.Stderr = out
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := make(chan string, 100)
	up := make(chan struct{})
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		once := false
		for sc.Scan() {
			out.Write([]byte(sc.Text() + "\n"))
			if !once && strings.Contains(sc.Text(), want) {
				once = true
				close(up)
				continue
			}
			if once {
				lines <- sc.Text()
			}
		}
	}()
	select {
	case <-up:
	case <-time.After(30 * time.Second): // wall-clock-ok: a process that never comes up fails the test
		t.Fatalf("%v did not say %q:\n%s", args, want, out.String())
	}
	return out, lines
}

// waitLine waits for a line containing want.
func waitLine(t *testing.T, lines <-chan string, out *syncBuffer, want string) {
	t.Helper()
	deadline := time.After(60 * time.Second) // wall-clock-ok: an enrolment that never ends fails the test
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("process ended before %q:\n%s", want, out.String())
			}
			if strings.Contains(l, want) {
				return
			}
		case <-deadline:
			t.Fatalf("no %q:\n%s", want, out.String())
		}
	}
}

func writeDeviceFile(t *testing.T, f lab.DeviceFile) string {
	t.Helper()
	dir := t.TempDir()
	data, err := yaml.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "device.yaml"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestDeviceEnrolsAgainstDevice runs the seed lab's Root-CA and spoke-1 as
// two `iosemu device` processes and the lab FTP service as `iosemu service
// ftp`, each on its own ports of 127.0.0.1 with the lab addresses mapped to
// them (in containers, the addresses are the containers' own). The CA's
// bootstrap enables it (its database on the FTP service); the spoke's waits
// for the CA's SCEP and enrols over real HTTP.
func TestDeviceEnrolsAgainstDevice(t *testing.T) {
	seed, ok := lab.Builtin("seed")
	if !ok {
		t.Fatal("no seed lab")
	}
	ca, spoke := seed.Devices[0], seed.Devices[1]
	if ca.Name != "Root-CA" || !strings.Contains(spoke.Bootstrap, "crypto pki enroll") {
		t.Fatalf("the seed lab's first devices are not a CA and an enrolling spoke: %s, %s", ca.Name, spoke.Name)
	}
	p := freePorts(t, 7)
	ftpPort, caSSH, caTel, caHTTP, spSSH, spTel, spHTTP := p[0], p[1], p[2], p[3], p[4], p[5], p[6]
	ftpDir := t.TempDir()
	ftpArgs := []string{"service", "ftp", "--dir", ftpDir, "--listen", fmt.Sprintf("127.0.0.1:%d", ftpPort)}
	for _, s := range seed.Services {
		for _, d := range s.Dirs {
			ftpArgs = append(ftpArgs, "--mkdir", d)
		}
	}
	startProc(t, "lab FTP service", ftpArgs...)

	services := []lab.ServiceSpec{{Name: "ftp", Kind: "ftp", Address: "10.1.1.1"}, {Name: "ntp", Kind: "ntp", Address: "10.1.1.1"}}
	ftpPeers := map[string]string{"10.1.1.1:21": fmt.Sprintf("127.0.0.1:%d", ftpPort), "10.1.1.1": "127.0.0.1"}
	caDir := writeDeviceFile(t, lab.DeviceFile{DeviceSpec: ca, Services: services, Peers: ftpPeers, WaitFor: []string{"tcp://10.1.1.1:21"}})
	caOut, caLines := startProc(t, "Ctrl-C stops the device", "device", "--dir", caDir, "--state", t.TempDir(),
		"--listen", "127.0.0.1", "--ssh-port", fmt.Sprint(caSSH), "--telnet-port", fmt.Sprint(caTel), "--http-port", fmt.Sprint(caHTTP))

	spDir := writeDeviceFile(t, lab.DeviceFile{DeviceSpec: spoke, Services: services,
		WaitFor: []string{"http://172.16.1.1:80/cgi-bin/pkiclient.exe?operation=GetCACert&message=ROOTCA"}})
	spState := t.TempDir()
	// The CA's HTTP port comes from a flag, as a test on one host needs.
	spOut, spLines := startProc(t, "Ctrl-C stops the device", "device", "--dir", spDir, "--state", spState,
		"--peer", fmt.Sprintf("172.16.1.1:80=127.0.0.1:%d", caHTTP),
		"--listen", "127.0.0.1", "--ssh-port", fmt.Sprint(spSSH), "--telnet-port", fmt.Sprint(spTel), "--http-port", fmt.Sprint(spHTTP))

	waitLine(t, caLines, caOut, "Root-CA: bootstrap done")
	waitLine(t, spLines, spOut, "spoke-1: bootstrap done")

	certs := sshExec(t, spSSH, "show crypto pki certificates", nil)
	for _, want := range []string{"Certificate\n", "Status: Available", "CA Certificate", "cn=RootCA", "Associated Trustpoints: Root-CA"} {
		if !strings.Contains(certs, want) {
			log, _ := os.ReadFile(filepath.Join(spState, "devices", "spoke-1", "bootstrap.log"))
			t.Fatalf("spoke-1 lacks %q in show crypto pki certificates:\n%s\nbootstrap.log:\n%s", want, certs, log)
		}
	}
	// The CA wrote its database to the FTP service.
	if _, err := os.Stat(filepath.Join(ftpDir, "DB", "ROOTCA", "ROOTCA.ser")); err != nil {
		entries, _ := os.ReadDir(filepath.Join(ftpDir, "DB", "ROOTCA"))
		t.Errorf("the CA's database is not on the FTP service: %v %v", err, entries)
	}
	// The CA issued the spoke's certificate: its server shows it.
	if srv := sshExec(t, caSSH, "show crypto pki server", nil); !strings.Contains(srv, "Status: enabled") {
		t.Errorf("Root-CA's server is not enabled:\n%s", srv)
	}
}

// TestDeviceFromFlags runs a device described by flags alone, with a
// config file, and a restart that keeps its state.
func TestDeviceFromFlags(t *testing.T) {
	p := freePorts(t, 4)
	cfg := filepath.Join(t.TempDir(), "r1.cfg")
	if err := os.WriteFile(cfg, []byte("hostname EDGE-1\nusername admin privilege 15 secret cisco\ninterface GigabitEthernet1\n ip address 10.0.0.1 255.255.255.0\n no shutdown\nline vty 0 4\n login local\n transport input ssh telnet\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"device", "--name", "R1", "--platform", "CSR1000V", "--address", "10.0.0.1", "--config", cfg,
		"--state", t.TempDir(), "--listen", "127.0.0.1", "--ssh-port", fmt.Sprint(p[0]), "--telnet-port", fmt.Sprint(p[1]), "--http-port", fmt.Sprint(p[2]),
		"--control", fmt.Sprintf("127.0.0.1:%d", p[3])}
	out, _ := startProc(t, "Ctrl-C stops the device", args...)
	for _, want := range []string{"device R1 (CSR1k CSR1000V), lab address 10.0.0.1", fmt.Sprintf("SSH %d, telnet %d, HTTP %d on 127.0.0.1", p[0], p[1], p[2])} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("start-up lines lack %q:\n%s", want, out.String())
		}
	}
	run := sshExec(t, p[0], "show running-config", nil)
	if !strings.Contains(run, "hostname EDGE-1\n") || !strings.Contains(run, " ip address 10.0.0.1 255.255.255.0\n") {
		t.Errorf("running-config is not the --config file:\n%s", run)
	}
	// The control API lists the one device with its real ports.
	devs, err := exec.Command(binary, "ctl", "--addr", fmt.Sprintf("127.0.0.1:%d", p[3]), "devices").CombinedOutput()
	if err != nil || !strings.Contains(string(devs), "R1") || !strings.Contains(string(devs), fmt.Sprint(p[0])) {
		t.Errorf("ctl devices: %v\n%s", err, devs)
	}
}

func TestDeviceCommandLineErrors(t *testing.T) {
	empty := t.TempDir()
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"device"}, 2, "give --dir DIR"},
		{[]string{"device", "--dir", empty}, 1, "has no device.yaml"},
		{[]string{"device", "--name", "R1", "--platform", "C7200"}, 2, "platform"},
		{[]string{"device", "--name", "R1", "--platform", "CSR1k", "--peer", "10.1.1.1:21=ftp"}, 2, "a port on both sides or on neither"},
		{[]string{"device", "--name", "R1", "--platform", "CSR1k", "--service", "ftp"}, 2, "want KIND=LABADDR"},
		{[]string{"device", "--name", "R1", "--platform", "CSR1k", "--time-scale", "-1"}, 2, "--time-scale must be 0 (frozen) or positive"},
		{[]string{"service", "ftp", "--listen", "nowhere"}, 1, "lab: ftp"},
	} {
		out, err := exec.Command(binary, tc.args...).CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		if code != tc.code || !strings.Contains(string(out), tc.want) {
			t.Errorf("iosemu %v: exit %d %q; want exit %d containing %q", tc.args, code, out, tc.code, tc.want)
		}
	}
}
