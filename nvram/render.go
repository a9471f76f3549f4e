package nvram

import (
	"fmt"
	"strings"
	"time"
)

// dirTimeLayout is the date column of `dir` ("Oct 9 2015 13:14:16 +01:00"),
// right-aligned in 27 columns.
const dirTimeLayout = "Jan 2 2006 15:04:05 -07:00"

// RenderDir renders `dir DEVICE:` as IOS prints it, with "\n" line endings.
// Dates are shown in loc (the device's time zone; nil means UTC); nvram: shows
// "<no date>" as IOS does.
//
// IOS (ISR G1/G2):
//
//	Directory of flash:/
//
//	    1  -rw-    97794040  Oct 9 2015 13:14:16 +01:00  c2900-universalk9-mz.SPA.154-3.M.bin
//
//	255744000 bytes total (157949960 bytes free)
//
// IOS-XE uses a 15-column size field ("   12  -rw-        392479704  ...").
func (f *FS) RenderDir(loc *time.Location) (string, error) {
	if loc == nil {
		loc = time.UTC
	}
	entries, err := f.List()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Directory of %s:/\n\n", f.name)
	if len(entries) == 0 {
		b.WriteString("No files in directory\n")
	}
	for _, e := range entries {
		f.renderEntry(&b, e, loc)
	}
	fmt.Fprintf(&b, "\n%d bytes total (%d bytes free)\n", f.Total(), f.Free())
	return b.String(), nil
}

// RenderDirFile renders `dir DEVICE:/FILE`: the directory header names the
// file, and the listing holds its one line.
func (f *FS) RenderDirFile(name string, loc *time.Location) (string, error) {
	if loc == nil {
		loc = time.UTC
	}
	e, err := f.Stat(name)
	if err != nil {
		return "", err
	}
	p, _ := f.cleanPath(name)
	var b strings.Builder
	fmt.Fprintf(&b, "Directory of %s:/%s\n\n", f.name, p)
	f.renderEntry(&b, e, loc)
	fmt.Fprintf(&b, "\n%d bytes total (%d bytes free)\n", f.Total(), f.Free())
	return b.String(), nil
}

func (f *FS) renderEntry(b *strings.Builder, e Entry, loc *time.Location) {
	date := "<no date>"
	if f.name != "nvram" {
		date = e.ModTime.In(loc).Format(dirTimeLayout)
	}
	switch f.format {
	case FormatXE:
		fmt.Fprintf(b, "%5d  %s  %15d  %27s  %s\n", e.Index, permString(e, f.format), e.Size, date, e.Name)
	default:
		fmt.Fprintf(b, "%5d  %s%12d  %27s  %s\n", e.Index, permString(e, f.format), e.Size, date, e.Name)
	}
}

// permString is the IOS permission column: "-rw-" for ordinary files, "----"
// for private ones (no group/other read bit, e.g. private-config), "drw-"
// ("drwx" on IOS-XE) for directories.
func permString(e Entry, format Format) string {
	switch {
	case e.IsDir && format == FormatXE:
		return "drwx"
	case e.IsDir:
		return "drw-"
	case e.Mode.Perm()&0o044 != 0:
		return "-rw-"
	default:
		return "----"
	}
}
