package nvram

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// The index file (DEVICE.index beside the device directory) keeps the creation
// index `dir` shows for every file, one "INDEX<TAB>PATH" line per file, and a
// first line "next<TAB>N" with the next index to hand out.

func (f *FS) loadIndex() error {
	f.idx = make(map[string]int)
	f.next = 1
	b, err := os.ReadFile(f.indexPath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("nvram: read index of %s: %w", f.name, err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "\t")
		if !ok {
			continue // tolerate damage: reconcile fills the gaps
		}
		if k == "next" {
			if n, err := strconv.Atoi(v); err == nil && n > 0 {
				f.next = n
			}
			continue
		}
		n, err := strconv.Atoi(k)
		if err != nil || n < 1 || v == "" {
			continue
		}
		f.idx[v] = n
		if n >= f.next && !f.isReservedIndex(n) {
			f.next = n + 1
		}
	}
	return nil
}

// reconcileLocked drops index entries whose file is gone and indexes files
// that have none (e.g. written just before a crash).
func (f *FS) reconcileLocked() error {
	present := make(map[string]bool)
	var missing []string
	err := fs.WalkDir(f.root.FS(), ".", func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == "." {
			return nil
		}
		present[p] = true
		if _, ok := f.idx[p]; !ok {
			missing = append(missing, p)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("nvram: scan %s: %w", f.name, err)
	}
	changed := false
	for p := range f.idx {
		if !present[p] {
			delete(f.idx, p)
			changed = true
		}
	}
	sort.Strings(missing)
	for _, p := range missing {
		f.assignLocked(p)
		changed = true
	}
	if changed {
		return f.saveIndexLocked()
	}
	return nil
}

func (f *FS) saveIndexLocked() error {
	if f.nosync && f.deferred.later(f) {
		return nil // saved by the Deferred's Flush
	}
	return f.writeIndexLocked()
}

// writeIndexLocked writes the index file (fsynced unless f.nosync).
func (f *FS) writeIndexLocked() error {
	type kv struct {
		p string
		n int
	}
	var rows []kv
	for p, n := range f.idx {
		rows = append(rows, kv{p, n})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].n < rows[j].n })
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "next\t%d\n", f.next)
	for _, r := range rows {
		fmt.Fprintf(&buf, "%d\t%s\n", r.n, r.p)
	}
	dir := filepath.Dir(f.indexPath)
	tmp, err := os.CreateTemp(dir, tmpPrefix+f.name+"-*")
	if err != nil {
		return fmt.Errorf("nvram: save index of %s: %w", f.name, err)
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("nvram: save index of %s: %w", f.name, err)
	}
	if !f.nosync {
		if err := fsync(tmp); err != nil {
			return fmt.Errorf("nvram: save index of %s: %w", f.name, err)
		}
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("nvram: save index of %s: %w", f.name, err)
	}
	if err := os.Rename(tmp.Name(), f.indexPath); err != nil {
		return fmt.Errorf("nvram: save index of %s: %w", f.name, err)
	}
	ok = true
	if f.nosync {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("nvram: save index of %s: %w", f.name, err)
	}
	defer d.Close()
	if err := fsync(d); err != nil {
		return fmt.Errorf("nvram: save index of %s: %w", f.name, err)
	}
	return nil
}
