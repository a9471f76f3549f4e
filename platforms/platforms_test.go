package platforms

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

var cet = time.FixedZone("CET", 3600)

// Seed lab start plus five minutes.
var now = time.Date(2015, 10, 9, 13, 19, 16, 0, cet)

var seedNames = map[string]string{
	"ISR-G2": "Root-CA", "ISR-G1": "spoke-1", "ISR-4K": "spoke-2", "ASR1k": "spoke-3", "CSR1k": "spoke-4",
}

func seedState(p *Profile) VersionState {
	return VersionState{
		Hostname:        seedNames[p.Name],
		Uptime:          "5 minutes",
		ProcessorUptime: "7 minutes",
		RestartedAt:     now.Add(-5 * time.Minute),
		Now:             now,
	}
}

func TestLookup(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"ISR-G1", "ISR-G1"}, {"isr-g1", "ISR-G1"}, {"2811", "ISR-G1"},
		{"ISR-G2", "ISR-G2"}, {"CISCO2911", "ISR-G2"}, {"cisco2911/k9", "ISR-G2"},
		{"ISR-4K", "ISR-4K"}, {"ISR4331", "ISR-4K"}, {"isr4331/K9", "ISR-4K"},
		{"ASR1k", "ASR1k"}, {"ASR1001-X", "ASR1k"}, {"asr1K", "ASR1k"},
		{"CSR1k", "CSR1k"}, {"CSR1000V", "CSR1k"}, {" csr1000v ", "CSR1k"},
	}
	for _, tt := range tests {
		p, err := Lookup(tt.in)
		if err != nil {
			t.Errorf("Lookup(%q): %v", tt.in, err)
			continue
		}
		if p.Name != tt.want {
			t.Errorf("Lookup(%q) = %s, want %s", tt.in, p.Name, tt.want)
		}
	}
	_, err := Lookup("7200")
	if err == nil {
		t.Fatal("Lookup(7200) succeeded")
	}
	for _, name := range []string{"ISR-G1", "ISR-G2", "ISR-4K", "ASR1k", "CSR1k", "platforms:"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not mention %s", err, name)
		}
	}
}

func TestLookupReturnsCopy(t *testing.T) {
	p, _ := Lookup("ISR-G1")
	p.Interfaces[0].Name = "changed"
	p.Model = "changed"
	q, _ := Lookup("ISR-G1")
	if q.Interfaces[0].Name != "FastEthernet0/0" || q.Model != "2811" {
		t.Error("Lookup returned shared data")
	}
}

func TestProfilesData(t *testing.T) {
	tests := []struct {
		name, model, version, xe, flash string
		calendar                        bool
		firstIf                         string
		nIf                             int
	}{
		{"ISR-G1", "2811", "15.1(4)M", "", "flash", true, "FastEthernet0/0", 2},
		{"ISR-G2", "CISCO2911/K9", "15.4(3)M", "", "flash", true, "GigabitEthernet0/0", 3},
		{"ISR-4K", "ISR4331/K9", "15.5(2)S", "03.15.00.S", "bootflash", true, "GigabitEthernet0/0/0", 4},
		{"ASR1k", "ASR1001-X", "15.5(2)S", "03.15.00.S", "bootflash", true, "GigabitEthernet0/0/0", 9},
		{"CSR1k", "CSR1000V", "15.5(2)S", "03.15.00.S", "bootflash", false, "GigabitEthernet1", 3},
	}
	all := All()
	if len(all) != len(tests) {
		t.Fatalf("All() has %d profiles", len(all))
	}
	for i, tt := range tests {
		p := all[i]
		if p.Name != tt.name || p.Model != tt.model || p.Version != tt.version || p.XEVersion != tt.xe ||
			p.Flash != tt.flash || p.HasCalendar != tt.calendar || p.Interfaces[0].Name != tt.firstIf ||
			len(p.Interfaces) != tt.nIf {
			t.Errorf("profile %d = %s/%s/%s/%s/%s cal=%v if=%s n=%d", i, p.Name, p.Model, p.Version,
				p.XEVersion, p.Flash, p.HasCalendar, p.Interfaces[0].Name, len(p.Interfaces))
		}
		if p.ConfigRegister != "0x2102" || p.FlashSize <= 0 || p.NVRAMSize <= 0 {
			t.Errorf("%s: config register/sizes %s %d %d", p.Name, p.ConfigRegister, p.FlashSize, p.NVRAMSize)
		}
		if !strings.HasPrefix(p.Image, p.Flash+":") && (p.FlashPrimary == "" || !strings.HasPrefix(p.Image, p.FlashPrimary+":")) {
			t.Errorf("%s: image %s not on %s", p.Name, p.Image, p.Flash)
		}
		// IOS-XE hardware boots packages.conf with its sub-packages beside
		// it (checked against show_version__asr1001x_iosxe_17.5.1a__genie
		// and show_version__csr1000v_iosxe_16.11.1a_devnet__github_blog:
		// System image file is "bootflash:packages.conf"); the ISR G2's
		// image is on flash0: (show_version__isr_g2_2901_15.4-3-M1__github_lab,
		// show_version__isr_g2_1941_15.1-4-M8__genie).
		switch {
		case p.IsXE() && (p.Image != "bootflash:packages.conf" || len(p.BootFiles) < 2):
			t.Errorf("%s: XE image %s with %d packages", p.Name, p.Image, len(p.BootFiles))
		case p.Name == "ISR-G2" && !strings.HasPrefix(p.Image, "flash0:c2900-"):
			t.Errorf("%s: image %s", p.Name, p.Image)
		}
		for _, f := range p.BootFiles {
			if f.Size <= 0 || !(strings.HasSuffix(f.Name, ".pkg") || strings.HasSuffix(f.Name, ".conf")) {
				t.Errorf("%s: boot file %+v", p.Name, f)
			}
		}
		seen := map[string]bool{}
		for _, itf := range p.Interfaces {
			if seen[itf.Name] || itf.Short == "" || itf.Hardware == "" || itf.Bandwidth <= 0 {
				t.Errorf("%s: bad interface %+v", p.Name, itf)
			}
			seen[itf.Name] = true
		}
	}
}

func TestIdentityStable(t *testing.T) {
	serialRE := regexp.MustCompile(`^[A-Z]{3}\d{4}[0-9A-Z]{4}$`)
	csrRE := regexp.MustCompile(`^[0-9A-Z]{11}$`)
	macRE := regexp.MustCompile(`^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$`)
	for _, p := range All() {
		t.Run(p.Name, func(t *testing.T) {
			a, b := p.Identity("Root-CA"), p.Identity("Root-CA")
			ja, _ := json.Marshal(a)
			jb, _ := json.Marshal(b)
			if string(ja) != string(jb) {
				t.Errorf("identity not stable: %s vs %s", ja, jb)
			}
			c := p.Identity("spoke-1")
			if c.Serial == a.Serial || c.BaseMAC == a.BaseMAC {
				t.Errorf("different names share identity: %+v %+v", a, c)
			}
			re := serialRE
			if p.SerialPrefix == "" {
				re = csrRE
			}
			if !re.MatchString(a.Serial) || a.ProcessorBoardID != a.Serial {
				t.Errorf("serial %q / board ID %q", a.Serial, a.ProcessorBoardID)
			}
			if !macRE.MatchString(a.BaseMAC) || !strings.HasPrefix(a.BaseMAC, p.MACPrefix) {
				t.Errorf("base MAC %q", a.BaseMAC)
			}
			for i := range p.Interfaces {
				m := a.InterfaceMAC(i)
				if !macRE.MatchString(m) || (i > 0 && m == a.InterfaceMAC(i-1)) {
					t.Errorf("InterfaceMAC(%d) = %q", i, m)
				}
			}
		})
	}
}

func TestInterfaceMAC(t *testing.T) {
	id := Identity{BaseMAC: "0019.aa3c.5eff"}
	tests := []struct {
		i    int
		want string
	}{{0, "0019.aa3c.5eff"}, {1, "0019.aa3c.5f00"}, {2, "0019.aa3c.5f01"}}
	for _, tt := range tests {
		if got := id.InterfaceMAC(tt.i); got != tt.want {
			t.Errorf("InterfaceMAC(%d) = %s, want %s", tt.i, got, tt.want)
		}
	}
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from golden\n--- got ---\n%s\n--- want ---\n%s", name, got, want)
	}
}

func goldenName(p *Profile, cmd string) string {
	return cmd + "__" + strings.ToLower(strings.ReplaceAll(p.Name, "-", "")) + ".txt"
}

func TestShowVersionGolden(t *testing.T) {
	for _, p := range All() {
		t.Run(p.Name, func(t *testing.T) {
			id := p.Identity(seedNames[p.Name])
			checkGolden(t, goldenName(p, "show_version"), p.ShowVersion(id, seedState(p)))
		})
	}
}

func TestShowInventoryGolden(t *testing.T) {
	for _, p := range All() {
		t.Run(p.Name, func(t *testing.T) {
			id := p.Identity(seedNames[p.Name])
			checkGolden(t, goldenName(p, "show_inventory"), p.ShowInventory(id))
		})
	}
}

func TestShowVersionVariants(t *testing.T) {
	g1, _ := Lookup("ISR-G1")
	xe, _ := Lookup("ISR-4K")
	csr, _ := Lookup("CSR1k")
	reload := now.Add(-10 * time.Minute)
	tests := []struct {
		name    string
		p       *Profile
		st      VersionState
		want    []string
		notWant []string
	}{
		{"classic power-on", g1, VersionState{Hostname: "R1", Now: now},
			[]string{"R1 uptime is 0 minutes\n", "System returned to ROM by power-on\n", "Last reload reason: power-on\n"},
			[]string{"System restarted at", "Uptime for this control processor"}},
		{"classic reload", g1, VersionState{Hostname: "R1", Uptime: "1 minute", LastReloadReason: "Reload Command", ReloadedAt: reload, RestartedAt: reload.Add(time.Minute), Now: now},
			[]string{"System returned to ROM by reload at 13:09:16 CET Fri Oct 9 2015\n", "System restarted at 13:10:16 CET Fri Oct 9 2015\n", "Last reload reason: Reload Command\n"}, nil},
		{"config register change", g1, VersionState{Hostname: "R1", ConfigRegister: "0x2142", NextConfigRegister: "0x2102", Now: now},
			[]string{"Configuration register is 0x2142 (will be 0x2102 at next reload)\n"}, nil},
		{"same next register", g1, VersionState{Hostname: "R1", NextConfigRegister: "0x2102", Now: now},
			[]string{"Configuration register is 0x2102\n"}, []string{"will be"}},
		{"xe power-on", xe, VersionState{Hostname: "R2", Uptime: "2 minutes", Now: now},
			[]string{"Uptime for this control processor is 2 minutes\n", "System returned to ROM by reload\n", "Last reload reason: PowerOn\n"},
			[]string{"Last reload type"}},
		{"xe reload", xe, VersionState{Hostname: "R2", LastReloadReason: "Reload Command", ReloadedAt: reload, Now: now.UTC()},
			[]string{"System returned to ROM by Reload Command at 12:09:16 UTC Fri Oct 9 2015\n"}, nil},
		{"csr has no restart line", csr, VersionState{Hostname: "R3", RestartedAt: reload, ReloadedAt: reload, LastReloadReason: "Reload Command", Now: now},
			[]string{"System returned to ROM by reload\n"}, []string{"System restarted"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := tt.p.ShowVersion(tt.p.Identity("x"), tt.st)
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("missing %q in\n%s", w, out)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(out, w) {
					t.Errorf("unexpected %q", w)
				}
			}
			if strings.Contains(out, "\r") || !strings.HasSuffix(out, "\n") {
				t.Error("line endings")
			}
		})
	}
}

// Regular expressions of the Ansible cisco.ios collection, copied from
// plugins/cliconf/ios.py get_device_info and
// plugins/module_utils/network/ios/facts/legacy/base.py.
var (
	ansibleVersion  = regexp.MustCompile(`Version (\S+)`)
	ansibleModel    = []*regexp.Regexp{regexp.MustCompile(`(?m)^[Cc]isco (.+) \(revision`), regexp.MustCompile(`(?m)^[Cc]isco (\S+).+bytes of .*memory`)}
	ansibleHostname = regexp.MustCompile(`(?m)^(.+) uptime`)
	ansibleImage    = regexp.MustCompile(`image file is "(.+)"`)
	ansibleSerial   = regexp.MustCompile(`board ID (\S+)`)
	ansibleIOSType  = regexp.MustCompile(`\sIOS-XE\s`)
	// Older ios_facts (Ansible 2.x module_utils) version regex.
	ansibleLegacyVersion = regexp.MustCompile(`Version (\S+),`)
)

func TestAnsibleFacts(t *testing.T) {
	for _, p := range All() {
		t.Run(p.Name, func(t *testing.T) {
			id := p.Identity(seedNames[p.Name])
			out := strings.TrimSpace(p.ShowVersion(id, seedState(p)))

			m := ansibleVersion.FindStringSubmatch(out)
			wantVersion := p.Version
			if p.IsXE() {
				wantVersion = p.XEVersion // first "Version X" is the XE banner on 3.x
			}
			if m == nil || strings.Trim(m[1], ",") != wantVersion {
				t.Errorf("network_os_version = %v, want %s", m, wantVersion)
			}
			if m := ansibleLegacyVersion.FindStringSubmatch(out); m == nil || m[1] != p.Version {
				t.Errorf("legacy version = %v, want %s", m, p.Version)
			}
			var model string
			for _, re := range ansibleModel {
				if m := re.FindStringSubmatch(out); m != nil {
					model = strings.Split(m[1], " ")[0]
					break
				}
			}
			if model != p.Model {
				t.Errorf("network_os_model = %q, want %q", model, p.Model)
			}
			if m := ansibleHostname.FindStringSubmatch(out); m == nil || m[1] != seedNames[p.Name] {
				t.Errorf("network_os_hostname = %v", m)
			}
			if m := ansibleImage.FindStringSubmatch(out); m == nil || m[1] != p.Image {
				t.Errorf("network_os_image = %v, want %s", m, p.Image)
			}
			if m := ansibleSerial.FindStringSubmatch(out); m == nil || m[1] != id.Serial {
				t.Errorf("serialnum = %v, want %s", m, id.Serial)
			}
			if got := ansibleIOSType.MatchString(out); got != p.IsXE() {
				t.Errorf("iostype IOS-XE = %v, want %v", got, p.IsXE())
			}
		})
	}
}

// TestSlots: show platform lists modules, then RP and FP, then power; the
// ISR4331's fan tray is P2 as on the real router; classic IOS has none.
func TestSlots(t *testing.T) {
	p, _ := Lookup("ISR-4K")
	var got []string
	for _, s := range p.Slots() {
		got = append(got, s.Slot)
	}
	if want := "0, 0/0, 1, R0, F0, P0, P2"; strings.Join(got, ",") != strings.ReplaceAll(strings.ReplaceAll(want, " ", ""), "0/0", " 0/0") {
		t.Errorf("ISR-4K slots %q, want %s", got, want)
	}
	g2, _ := Lookup("ISR-G2")
	if g2.Slots() != nil || len(g2.Licenses()) == 0 {
		t.Errorf("ISR-G2: slots %v, licenses %v", g2.Slots(), g2.Licenses())
	}
	if g1, _ := Lookup("ISR-G1"); g1.Licenses() != nil || strings.TrimSpace(g1.ShowLicense()) != "" {
		t.Errorf("ISR-G1 has licenses")
	}
}

// TestCSRSerial: a CSR 1000V's serial is 11 characters starting with 9, as
// in show_inventory__csr1000v__github_ciscolive_lab.txt (9M93T8LVKM4) and
// show_version__csr1000v_iosxe_16.11.1a_devnet__github_blog.txt (9RYMNIFHO62).
func TestCSRSerial(t *testing.T) {
	p, _ := Lookup("CSR1k")
	for _, name := range []string{"R1", "spoke-4", "x"} {
		if s := p.Identity(name).Serial; len(s) != 11 || s[0] != '9' {
			t.Errorf("CSR serial for %s = %q", name, s)
		}
	}
}
