package device_test

import (
	"bufio"
	"io"
	"strings"
	"testing"
)

// TestDelete removes a flash file with IOS's two questions (the file name,
// then the confirmation naming the file), keeps it when the confirmation is
// declined, reports a missing file, and asks nothing under `file prompt
// quiet`. On IOS-XE flash: is another name of bootflash: (netmiko's test
// suite uses flash: on every cisco_ios device).
func TestDelete(t *testing.T) {
	for _, platform := range []string{"ISR-G2", "CSR1k"} {
		t.Run(platform, func(t *testing.T) {
			r := newSCPRouter(t, platform, "ip scp server enable\n")
			put := func(name string) {
				t.Helper()
				st := execSCP(t, r, "admin", "scp -t flash:/"+name, func(from *bufio.Reader, to io.Writer) {
					ack(t, from)
					io.WriteString(to, "C0644 6 x\nhello\n\x00")
					ack(t, from)
					ack(t, from)
				})
				if st != 0 {
					t.Fatalf("scp to flash:/%s: exit status %d", name, st)
				}
			}
			put("t.txt")
			out := serve(t, r, "delete flash:/t.txt\r\rndir flash:/t.txt\rexit\r", "admin")
			if !strings.Contains(out, "Delete filename [t.txt]? \nDelete flash:/t.txt? [confirm]n") ||
				strings.Contains(out, "%Error opening") {
				t.Errorf("declined delete: want both questions and the file kept:\n%s", out)
			}
			out = serve(t, r, "delete flash:/t.txt\r\r\rdir flash:/t.txt\rdelete flash:nope\r\rexit\r", "admin")
			for _, want := range []string{
				"Delete flash:/t.txt? [confirm]\n",
				"%Error opening flash:/t.txt (No such file or directory)",
				"%Error deleting flash:/nope (No such file or directory)",
			} {
				if !strings.Contains(out, want) {
					t.Errorf("want %q in\n%s", want, out)
				}
			}
			put("q.txt")
			out = serve(t, r, "configure terminal\rfile prompt quiet\rend\rdelete flash:q.txt\rdir flash:q.txt\rexit\r", "admin")
			if strings.Contains(out, "Delete filename") || !strings.Contains(out, "%Error opening flash:/q.txt (No such file or directory)") {
				t.Errorf("file prompt quiet: want no question and the file gone:\n%s", out)
			}
			out = serve(t, r, "show file systems\rexit\r", "admin")
			if platform == "CSR1k" && !strings.Contains(out, " bootflash: flash:#") {
				t.Errorf("show file systems: want bootflash: with its flash: alias:\n%s", out)
			}
		})
	}
}
