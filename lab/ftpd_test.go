package lab

import (
	"bytes"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/jlaffaye/ftp"
)

// ftpdFixture is a lab FTP service on a temporary root with /DB, and a
// dialer of logged-in clients.
func ftpdFixture(tb testing.TB) (root string, dial func() *ftp.ServerConn) {
	tb.Helper()
	root = tb.TempDir()
	if err := os.Mkdir(filepath.Join(root, "DB"), 0o700); err != nil {
		tb.Fatal(err)
	}
	srv := newFTPServer(root, "127.0.0.1", nil, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	go srv.Serve(ln)
	tb.Cleanup(func() { srv.Close() })
	return root, func() *ftp.ServerConn {
		c, err := ftp.Dial(ln.Addr().String())
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { c.Quit() })
		if err := c.Login("anonymous", "x"); err != nil {
			tb.Fatal(err)
		}
		return c
	}
}

// BenchmarkFTPStor is one upload of a CA database file (2 KiB) to the lab
// FTP service on a kept, logged-in connection: what a certificate server
// pays per database write in a clock jump (BenchmarkFourYears1000Spokes
// makes about 27,000 of them).
func BenchmarkFTPStor(b *testing.B) {
	_, dial := ftpdFixture(b)
	c := dial()
	data := bytes.Repeat([]byte("0123456789abcdef"), 128)
	for b.Loop() {
		if err := c.Stor("/DB/ROOTCA.crl", bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}

// TestFTPRewriteKeepsASpare: rewriting a file leaves its old inode as a
// spare for the next upload (no inode allocated or freed), which LIST
// does not show; contents are exact whatever the sizes.
func TestFTPRewriteKeepsASpare(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("renameat2 RENAME_EXCHANGE is Linux's")
	}
	root, dial := ftpdFixture(t)
	c := dial()
	dst := filepath.Join(root, "DB", "ROOTCA.ser")
	var first os.FileInfo
	for i, data := range []string{strings.Repeat("x", 5000), "short", strings.Repeat("y", 300), "z"} {
		if err := c.Stor("/DB/ROOTCA.ser", strings.NewReader(data)); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(dst)
		if err != nil || string(got) != data {
			t.Fatalf("upload %d: %d bytes on disk, want %d (%v)", i, len(got), len(data), err)
		}
		fi, _ := os.Stat(dst)
		switch i {
		case 0:
			first = fi
		case 1:
			spares, _ := filepath.Glob(filepath.Join(root, "DB", ftpTmpPrefix+"*"))
			if len(spares) != 1 {
				t.Fatalf("upload files after a rewrite: %v", spares)
			}
			if sfi, err := os.Stat(spares[0]); err != nil || !os.SameFile(first, sfi) {
				t.Fatalf("the old file is not the spare: %v", err)
			}
		}
	}
	names, err := c.NameList("/DB")
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 1 || !strings.HasSuffix(names[0], "ROOTCA.ser") {
		t.Errorf("NLST /DB = %v, want only ROOTCA.ser", names)
	}
}

// TestFTPDownloadSurvivesRewrites: a file being downloaded keeps its
// content however many times it is rewritten meanwhile (the spare, the
// file before last, is not reused while a download is under way).
func TestFTPDownloadSurvivesRewrites(t *testing.T) {
	root, dial := ftpdFixture(t)
	big := bytes.Repeat([]byte("A"), 8<<20) // more than the socket buffers hold
	if err := os.WriteFile(filepath.Join(root, "DB", "f"), big, 0o600); err != nil {
		t.Fatal(err)
	}
	reader, writer := dial(), dial()
	resp, err := reader.Retr("/DB/f")
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []byte("BCDE") {
		if err := writer.Stor("/DB/f", bytes.NewReader(bytes.Repeat([]byte{b}, 8<<20))); err != nil {
			t.Fatal(err)
		}
	}
	got, err := io.ReadAll(resp)
	resp.Close()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, big) {
		t.Errorf("the download changed under its reader (%d bytes, first %q, last %q)", len(got), got[0], got[len(got)-1])
	}
}
