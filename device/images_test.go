package device_test

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var (
	dirEntry = regexp.MustCompile(`(?m)^\s+\d+\s+([-d])r\S*\s+(\d+)\s+.*\s(\S+)$`)
	dirTotal = regexp.MustCompile(`(?m)^(\d+) bytes total \((\d+) bytes free\)$`)
)

// dirSum reads a dir listing: its files and their sizes, and the total
// and free bytes of its last line.
func dirSum(t *testing.T, out string) (files map[string]int64, used, total, free int64) {
	t.Helper()
	files = map[string]int64{}
	for _, m := range dirEntry.FindAllStringSubmatch(out, -1) {
		n, _ := strconv.ParseInt(m[2], 10, 64)
		if m[1] == "-" {
			files[m[3]] = n
			used += n
		}
	}
	m := dirTotal.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no total line:\n%s", out)
	}
	total, _ = strconv.ParseInt(m[1], 10, 64)
	free, _ = strconv.ParseInt(m[2], 10, 64)
	return files, used, total, free
}

// TestPlatformImages: each platform's flash holds what a real one boots
// from, with the free space adding up with every file, and an SCP upload
// takes its size from the free space.
//
// Checked against: ISR G2: show_version__isr_g2_2901_15.4-3-M1__github_lab
// and show_version__isr_g2_1941_15.1-4-M8__genie (System image file is
// "flash0:c2900-…", "flash0:c1900-…"); IOS-XE:
// show_version__asr1001x_iosxe_17.5.1a__genie and
// show_version__csr1000v_iosxe_16.11.1a_devnet__github_blog (System image
// file is "bootflash:packages.conf"). The sub-package names are the seven
// of Cisco's ISR 4000 / ASR 1000 software configuration guides (RPBase,
// RPControl, RPAccess, RPIOS, ESPBase, SIPBase, SIPSPA) and the CSR's
// mono and rpboot packages; no capture of `dir bootflash:` was at hand, so
// their sizes are plausible, not copied (they add up to about the size of
// the consolidated image).
func TestPlatformImages(t *testing.T) {
	for _, tc := range []struct {
		platform, fs, image string
		files               []string
	}{
		{"ISR-G2", "flash0", `System image file is "flash0:c2900-universalk9-mz.SPA.154-3.M.bin"`, []string{"c2900-universalk9-mz.SPA.154-3.M.bin"}},
		{"ISR-4K", "bootflash", `System image file is "bootflash:packages.conf"`, []string{"packages.conf", "isr4300-packages-universalk9.03.15.00.S.155-2.S-std.conf",
			"isr4300-rpbase.03.15.00.S.155-2.S-std.SPA.pkg", "isr4300-rpios-universalk9.03.15.00.S.155-2.S-std.SPA.pkg", "isr4300-espbase.03.15.00.S.155-2.S-std.SPA.pkg"}},
		{"ASR1k", "bootflash", `System image file is "bootflash:packages.conf"`, []string{"packages.conf", "asr1001x-packages-universalk9.03.15.00.S.155-2.S-std.conf",
			"asr1001x-rpcontrol.03.15.00.S.155-2.S-std.SPA.pkg", "asr1001x-sipspa.03.15.00.S.155-2.S-std.SPA.pkg"}},
		{"CSR1k", "bootflash", `System image file is "bootflash:packages.conf"`, []string{"packages.conf", "csr1000v-mono-universalk9.03.15.00.S.155-2.S-std.SPA.pkg",
			"csr1000v-rpboot.03.15.00.S.155-2.S-std.SPA.pkg"}},
	} {
		t.Run(tc.platform, func(t *testing.T) {
			r := newSCPRouter(t, tc.platform, "ip scp server enable\n")
			out := session(t, r, "terminal length 0", "show version", "dir", "show bootvar", "show file systems")
			if !strings.Contains(out, tc.image) || !strings.Contains(out, "Directory of "+tc.fs+":/\n") {
				t.Errorf("image or dir heading:\n%s", out)
			}
			files, used, total, free := dirSum(t, out[strings.Index(out, "#dir"):])
			for _, f := range tc.files {
				if files[f] <= 0 {
					t.Errorf("dir lacks %s:\n%s", f, out)
				}
			}
			if used+free != total {
				t.Errorf("%d bytes in files + %d free != %d total", used, free, total)
			}
			if tc.fs == "bootflash" && !strings.Contains(out, "BOOT variable = bootflash:packages.conf,12;") {
				t.Errorf("show bootvar:\n%s", out)
			}
			if !regexp.MustCompile(`\* +` + strconv.FormatInt(total, 10) + ` +` + strconv.FormatInt(free, 10) + ` +disk`).MatchString(out) {
				t.Errorf("show file systems disagrees with dir (%d/%d):\n%s", total, free, out)
			}
			// An upload by SCP takes its bytes from the free space.
			data := strings.Repeat("x", 123457)
			if st := execSCP(t, r, "admin", "scp -t "+tc.fs+":/up.bin", func(from *bufio.Reader, to io.Writer) {
				ack(t, from)
				fmt.Fprintf(to, "C0644 %d up.bin\n", len(data))
				ack(t, from)
				io.WriteString(to, data)
				to.Write([]byte{0})
				ack(t, from)
			}); st != 0 {
				t.Fatalf("scp exit %d", st)
			}
			out = session(t, r, "terminal length 0", "dir "+tc.fs+":")
			files2, used2, total2, free2 := dirSum(t, out)
			if files2["up.bin"] != int64(len(data)) || used2 != used+int64(len(data)) || free2 != free-int64(len(data)) || total2 != total || used2+free2 != total2 {
				t.Errorf("after the upload: up.bin %d, used %d, free %d (before %d/%d)\n%s", files2["up.bin"], used2, free2, used, free, out)
			}
		})
	}
}

// TestFlashAlias: on an ISR G2 flash: is flash0:'s alias: the same files
// under the name typed, for dir, dir of a file and show.
func TestFlashAlias(t *testing.T) {
	r := newSCPRouter(t, "ISR-G2", "")
	out := session(t, r, "terminal length 0", "dir flash:", "dir flash0:", "dir flash0:/c2900-universalk9-mz.SPA.154-3.M.bin", "dir flash", "show flash", "show file systems | include flash")
	for _, want := range []string{"Directory of flash:/\n\n    1  -rw-    97794040 ", "Directory of flash0:/\n\n    1  -rw-    97794040 ",
		"Directory of flash0:/c2900-universalk9-mz.SPA.154-3.M.bin\n", "1     97794040 ", "disk     rw   flash0: flash:#"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "%") {
		t.Errorf("an error:\n%s", out)
	}
}
