package lab

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/iosemu/iosemu/internal/porttest"
)

func TestDeviceNamesAreHostnames(t *testing.T) {
	lab := func(names ...string) string {
		var b strings.Builder
		b.WriteString("devices:\n")
		for i, n := range names {
			fmt.Fprintf(&b, "  - {name: %q, platform: ISR-G2, address: 10.0.0.%d}\n", n, i+1)
		}
		return b.String()
	}
	for _, tc := range []struct {
		names []string
		want  string // "" = accepted
	}{
		{[]string{"Root-CA", "spoke-1", "R1", strings.Repeat("a", 63)}, ""},
		{[]string{"../../x"}, `lab.yaml:2: devices[0].name: "../../x" is not a device name`},
		{[]string{"R1", "a/b"}, `lab.yaml:3: devices[1].name: "a/b" is not a device name`},
		{[]string{".."}, "is not a device name"},
		{[]string{"1R"}, "is not a device name"},
		{[]string{"-R"}, "is not a device name"},
		{[]string{"R 1"}, "is not a device name"},
		{[]string{"R_1"}, "is not a device name"},
		{[]string{"Rö"}, "is not a device name"},
		{[]string{strings.Repeat("a", 64)}, "is not a device name"},
		{[]string{"R1", "r1"}, `lab.yaml:3: devices[1].name: duplicate device "r1" ("R1" already`},
		{[]string{"spoke-1", "SPOKE-1"}, `duplicate device "SPOKE-1"`},
	} {
		_, err := Parse("lab.yaml", []byte(lab(tc.names...)))
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("names %q: %v, want %q", tc.names, err, tc.want)
		}
	}
}

// A YAML syntax error names the line of the mistake, not the line where the
// enclosing block began.
func TestYAMLSyntaxErrorLine(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"name: x\ndevices:\n  - name: R1\n   platform: x\n  - name: R2\n", "lab.yaml:4: "},
		{"name: x\ndevices:\n  - name: \"R1\n    platform: x\n  - name: R2\n", "lab.yaml:3: "},
		{"name: x\nservices:\n  - name: y\ndevices:\n  - name: R1\n  platform: x\n", "lab.yaml:6: "},
		{"name: x\ndevices:\n  - name: R1\n    platform: ISR-G2\n    address: 10.0.0.1\n    address 2\n", "lab.yaml:6: "},
		{"devices: [", "lab.yaml:1: "},
		{"name: x\ndevices:\n  - {name: R1,\n     platform: ISR-G2, address: 10.0.0.1}\n  - name: R2\n   x: 1\n", "lab.yaml:6: "},
		{"name: x\n\tdevices: []\n", "lab.yaml:2: "},
	} {
		_, err := Parse("lab.yaml", []byte(tc.yaml))
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q...", tc.yaml, err, tc.want)
		}
	}
}

func TestLayout(t *testing.T) {
	for _, tc := range []struct {
		base, n                            int
		ssh0, sshN, tel0, telN, http0, ftp int
	}{
		{2200, 5, 2201, 2205, 2301, 2305, 2401, 2500},
		{2200, 99, 2201, 2299, 2301, 2399, 2401, 2500},
		{2200, 100, 2201, 2300, 2401, 2500, 2601, 2800},
		{2200, 101, 2201, 2301, 2401, 2501, 2601, 2800},
		{2200, 1000, 2201, 3200, 3301, 4300, 4401, 5500},
		{1, MaxDevices, 2, 21800, 21802, 43600, 43602, 65401},
	} {
		l, err := LayoutFor(tc.base, tc.n)
		if err != nil {
			t.Fatalf("LayoutFor(%d, %d): %v", tc.base, tc.n, err)
		}
		got := []int{l.SSH(0), l.SSH(tc.n - 1), l.Telnet(0), l.Telnet(tc.n - 1), l.HTTP(0), l.FTP()}
		want := []int{tc.ssh0, tc.sshN, tc.tel0, tc.telN, tc.http0, tc.ftp}
		if !slices.Equal(got, want) {
			t.Errorf("LayoutFor(%d, %d) = %v, want %v", tc.base, tc.n, got, want)
		}
		// No port twice, all in range, and porttest agrees.
		ports := l.Ports()
		seen := map[int]bool{}
		for _, p := range ports {
			if seen[p] || p < 1 || p > 65535 {
				t.Fatalf("LayoutFor(%d, %d): port %d repeated or out of range", tc.base, tc.n, p)
			}
			seen[p] = true
		}
		if !slices.Equal(ports, porttest.Ports(tc.base, tc.n)) {
			t.Errorf("porttest.Ports(%d, %d) disagrees with lab.Layout", tc.base, tc.n)
		}
	}
	for _, tc := range []struct {
		base, n int
		want    string
	}{
		{65300, 5, "use a base port from 1 to 65235"},
		{63000, 1000, "need ports 63000 to 66300"},
		{63000, 1000, "use a base port from 1 to 62235"},
		{0, 5, "use a base port from 1"},
		{1, MaxDevices + 1, "do not fit in one lab"},
	} {
		if _, err := LayoutFor(tc.base, tc.n); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("LayoutFor(%d, %d) = %v, want %q", tc.base, tc.n, err, tc.want)
		}
	}
}

// 101 and 1,000 devices are a lab (it used to say "choose another
// --base-port", which no base port could satisfy).
func TestLargeLabsParse(t *testing.T) {
	for _, n := range []int{101, 1000} {
		var b strings.Builder
		b.WriteString("devices:\n")
		for i := range n {
			fmt.Fprintf(&b, "  - {name: R%d, platform: ISR-G2, address: 10.%d.%d.1}\n", i, i/256, i%256)
		}
		s, err := Parse("big.yaml", []byte(b.String()))
		if err != nil || len(s.Devices) != n {
			t.Fatalf("%d devices: %v", n, err)
		}
	}
}

// FuzzLoad feeds arbitrary lab files to the loader: it never panics, and
// what it accepts is a lab that can be started: device names are safe
// directory names, unique without case, and the ports fit.
func FuzzLoad(f *testing.F) {
	for _, name := range []string{"seed.yaml", "blank.yaml"} {
		data, err := os.ReadFile(filepath.Join("labs", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("devices:\n  - {name: \"../../x\", platform: ISR-G2, address: 10.0.0.1}\n"))
	f.Add([]byte("devices:\n  - {name: R1, platform: ISR-G2, address: 10.0.0.1}\n  - {name: r1, platform: ISR-G2, address: 10.0.0.2}\n"))
	f.Add([]byte("name: x\ndevices:\n  - name: R1\n   platform: x\n"))
	f.Add([]byte("services:\n  - {name: ftp, kind: ftp, address: 10.1.1.1, users: [{name: a, password: b}]}\ndevices:\n  - {name: R1, platform: ISR-G2, address: 10.0.0.1}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.yaml", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.yaml") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		seen := map[string]bool{}
		for _, d := range s.Devices {
			if !validName(d.Name) || filepath.Base(d.Name) != d.Name || seen[strings.ToLower(d.Name)] {
				t.Fatalf("accepted device name %q", d.Name)
			}
			seen[strings.ToLower(d.Name)] = true
			if d.profile == nil {
				t.Fatalf("device %q has no platform", d.Name)
			}
		}
		if _, err := LayoutFor(1, len(s.Devices)); err != nil {
			t.Fatalf("accepted %d devices: %v", len(s.Devices), err)
		}
	})
}
