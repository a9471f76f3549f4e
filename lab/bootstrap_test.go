package lab

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iosemu/iosemu/clock"
)

func TestBootstrapIsTypedOnceOnFirstStart(t *testing.T) {
	spec, err := Parse("lab.yaml", []byte(`
devices:
  - name: R1
    platform: ISR-G2
    address: 10.0.0.1
    config: |
      hostname R1
      username admin privilege 15 secret cisco
      interface GigabitEthernet0/0
       ip address 10.0.0.1 255.255.255.0
       no shutdown
      line vty 0 4
       login local
    bootstrap: |
      admin
      cisco
      configure terminal
      hostname BOOTED
      end
      write memory
`))
	if err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	c := clock.NewFake(time.Date(2015, 10, 9, 12, 0, 0, 0, time.UTC))
	base := freeBase(t, 1)
	l, err := Start(spec, Options{StateDir: state, BasePort: base, Clock: c})
	if err != nil {
		t.Fatal(err)
	}
	if h := l.Node("R1").Router.Hostname(); h != "BOOTED" {
		t.Fatalf("hostname after the bootstrap = %q, want BOOTED", h)
	}
	logText, err := os.ReadFile(filepath.Join(state, "devices", "R1", bootstrapLog))
	if err != nil || !strings.Contains(string(logText), "BOOTED#write memory") {
		t.Fatalf("bootstrap.log = %q, %v; want the typed session", logText, err)
	}
	// A change after the bootstrap, saved: the next start must not type the
	// bootstrap again over it.
	run(l.Node("R1"), "configure terminal", "hostname LATER", "end", "write memory")
	l.Close()
	l, err = Start(spec, Options{StateDir: state, BasePort: base, Clock: c})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if h := l.Node("R1").Router.Hostname(); h != "LATER" {
		t.Fatalf("hostname after a restart = %q, want LATER (the bootstrap ran again)", h)
	}
}

func TestDevicesReachLabAddressesOverHTTP(t *testing.T) {
	spec, _ := Builtin("seed")
	l, _ := startLab(t, spec, clock.NewFake(time.Date(2015, 10, 9, 12, 0, 0, 0, time.UTC)))
	do := func(url string) (string, error) {
		req, _ := http.NewRequestWithContext(context.Background(), "GET", url, nil)
		resp, err := l.httpClient().Do(req)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.Header.Get("Server") + " " + resp.Status + " " + string(b), nil
	}
	// Root-CA serves HTTP on 80 (ip http server): the request reaches its
	// listener, whatever port the lab gave it on 127.0.0.1.
	if got, err := do("http://172.16.1.1:80/nothing"); err != nil || !strings.HasPrefix(got, "cisco-IOS 404") {
		t.Fatalf("GET Root-CA = %q, %v; want its HTTP server's 404", got, err)
	}
	for _, url := range []string{
		"http://172.16.1.11:80/", // spoke-1 has no ip http server
		"http://172.16.1.1:8080/",
		"http://192.0.2.1:80/", // nobody
	} {
		if got, err := do(url); err == nil {
			t.Errorf("GET %s = %q, want a failed connection", url, got)
		}
	}
}

func TestForwardServiceReachesARealHost(t *testing.T) {
	real := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "external CA") }))
	defer real.Close()
	_, port, _ := net.SplitHostPort(real.Listener.Addr().String())
	spec, err := Parse("lab.yaml", []byte(`
services:
  - {name: ext-ca, kind: forward, address: 10.9.9.9, to: 127.0.0.1}
devices:
  - {name: R1, platform: ISR-G2, address: 10.0.0.1}
`))
	if err != nil {
		t.Fatal(err)
	}
	l, _ := startLab(t, spec, clock.NewFake(time.Date(2015, 10, 9, 12, 0, 0, 0, time.UTC)))
	resp, err := l.httpClient().Get("http://10.9.9.9:" + port + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if b, _ := io.ReadAll(resp.Body); string(b) != "external CA" {
		t.Fatalf("GET through the forward service = %q", b)
	}
	if _, err := Parse("lab.yaml", []byte("services:\n  - {name: x, kind: forward, address: 10.9.9.9}\ndevices:\n  - {name: R1, platform: ISR-G2, address: 10.0.0.1}\n")); err == nil || !strings.Contains(err.Error(), "services[0].to") {
		t.Fatalf("a forward service without to: %v", err)
	}
}
