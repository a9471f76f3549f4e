package main

import (
	"debug/elf"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
)

// TestImageBuilds builds the container image from the repository's
// Dockerfile with podman. Here there is no registry, so the Dockerfile's
// build stage (FROM golang) is replaced by a named build context holding
// what that stage makes: the static binary (built here with the same
// flags) and the empty state dir. The final stage, FROM scratch, is built
// as written.
func TestImageBuilds(t *testing.T) {
	podman, err := exec.LookPath("podman")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("podman is not installed (.ci/run installs it)")
		}
		t.Skip("podman is not installed")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.TempDir()
	bin := filepath.Join(ctx, "out", "iosemu")
	if err := os.MkdirAll(filepath.Join(ctx, "out", "state"), 0o755); err != nil {
		t.Fatal(err)
	}
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("static build: %v\n%s", err, out)
	}
	// FROM scratch has no libc: the binary must need no loader.
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("the binary is dynamically linked (%v): FROM scratch cannot run it", p.Type)
		}
	}
	f.Close()

	tag := fmt.Sprintf("localhost/iosemu-test:%d", os.Getpid())
	out, err := exec.Command(podman, "build", "--build-context", "build="+ctx, "-t", tag, "-f", filepath.Join(root, "Dockerfile"), root).CombinedOutput()
	if err != nil {
		t.Fatalf("podman build: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command(podman, "rmi", "-f", tag).Run() })
	out, err = exec.Command(podman, "image", "inspect", "--format", "{{json .Config}}", tag).Output()
	if err != nil {
		t.Fatalf("podman image inspect: %v", err)
	}
	var cfg struct {
		User         string
		ExposedPorts map[string]any
		Entrypoint   []string
		WorkingDir   string
	}
	if err := json.Unmarshal(out, &cfg); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if cfg.User != "65532:65532" && cfg.User != "65532" {
		t.Errorf("image user %q, want 65532 (non-root)", cfg.User)
	}
	for _, p := range []string{"22/tcp", "23/tcp", "80/tcp"} {
		if _, ok := cfg.ExposedPorts[p]; !ok {
			t.Errorf("image does not expose %s: %v", p, cfg.ExposedPorts)
		}
	}
	if !reflect.DeepEqual(cfg.Entrypoint, []string{"/iosemu", "device"}) {
		t.Errorf("entrypoint %q", cfg.Entrypoint)
	}
	// The image's files: the binary, and a state dir the user can write.
	mnt, err := exec.Command(podman, "image", "mount", tag).Output()
	if err != nil {
		t.Logf("podman image mount: %v (files not checked)", err)
		return
	}
	defer exec.Command(podman, "image", "unmount", tag).Run()
	dir := strings.TrimSpace(string(mnt))
	if fi, err := os.Stat(filepath.Join(dir, "iosemu")); err != nil || fi.Mode().Perm()&0o111 == 0 {
		t.Errorf("/iosemu in the image: %v %v", fi, err)
	}
	fi, err := os.Stat(filepath.Join(dir, cfg.WorkingDir))
	if err != nil {
		t.Fatalf("working dir %s: %v", cfg.WorkingDir, err)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); !ok || st.Uid != 65532 {
		t.Errorf("working dir %s is not the user's: %+v", cfg.WorkingDir, fi.Sys())
	}
}
