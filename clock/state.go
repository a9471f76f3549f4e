package clock

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// State is what a restarted lab needs to continue where it stood.
//
// The persisted quantity is Offset, virtual minus wall time at the moment of
// saving. On load the lab clock is set to wall + Offset, whatever the scale:
// while a lab is stopped its time passes at real speed (×1), like a powered-off
// router's battery-backed calendar, and the scale applies only while it runs.
// With scale 1 this means a restarted lab is exactly where it would have been
// had it kept running; a lab that was advanced 639 days stays 639 days ahead.
// A frozen lab (scale 0) is the exception: it continues at the saved Virtual
// instant, since only jumps move it.
// Virtual, Wall and Scale are recorded for people and tools reading the file.
type State struct {
	Version int           `json:"version"`
	Offset  time.Duration `json:"offset_ns"`
	Virtual time.Time     `json:"virtual"`
	Wall    time.Time     `json:"wall"`
	Scale   float64       `json:"scale"`
}

const stateVersion = 1

// State returns the lab's current persistent state.
func (l *Lab) State() State {
	l.mu.Lock()
	defer l.mu.Unlock()
	v, w := l.nowNs(), l.wallNow()
	return State{
		Version: stateVersion,
		Offset:  time.Duration(v - w.UnixNano()),
		Virtual: fromNs(v),
		Wall:    w.UTC(),
		Scale:   l.scale,
	}
}

// SaveState writes the lab's state to path atomically (temporary file in the
// same directory, fsync, rename).
func (l *Lab) SaveState(path string) error {
	b, err := json.MarshalIndent(l.State(), "", "  ")
	if err != nil {
		return fmt.Errorf("clock: encode state: %w", err)
	}
	b = append(b, '\n')
	if err := writeFileAtomic(path, b); err != nil {
		return fmt.Errorf("clock: save state: %w", err)
	}
	return nil
}

// ReadState reads a state file written by SaveState.
func ReadState(path string) (State, error) {
	var s State
	b, err := os.ReadFile(path)
	if err != nil {
		return s, fmt.Errorf("clock: read state: %w", err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("clock: read state %s: %w", path, err)
	}
	if s.Version != stateVersion {
		return s, fmt.Errorf("clock: read state %s: unsupported version %d", path, s.Version)
	}
	return s, nil
}

// LoadState reads path and puts the lab clock at wall + the saved offset (see
// State). It is meant for start-up, before timers are armed: it moves the
// clock without firing timers, backwards too. A missing file returns an
// error wrapping os.ErrNotExist, and leaves the clock alone.
func (l *Lab) LoadState(path string) error {
	s, err := ReadState(path)
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.jumping {
		return ErrJumpInProgress
	}
	if l.scale == 0 && l.wall != nil {
		// A frozen lab stays where it stood: it moves only by jumps.
		l.reanchor(s.Virtual.UnixNano())
	} else {
		l.reanchor(l.wallNow().UnixNano() + int64(s.Offset))
	}
	l.kick()
	return nil
}

func writeFileAtomic(path string, b []byte) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(b); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil {
		// Make the rename durable; best effort, not every platform can sync a directory.
		_ = d.Sync()
		d.Close()
	}
	return nil
}
