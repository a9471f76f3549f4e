package interop

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestAnsible runs testdata/ansible_playbook.yml (Debian ansible 7.7,
// cisco.ios 4.6.1, network_cli over paramiko) against all five devices:
// ios_command show version, ios_config twice (the second run must be
// idempotent, which needs the running-config to show the line exactly as
// typed), the saved startup-config, and ios_facts gather_subset=min. The
// playbook asserts per host; the test also checks the per-host stats and
// the facts from the JSON callback's output.
func TestAnsible(t *testing.T) {
	devs := routers(t)
	playbook := need(t, "ansible-playbook")
	// HOME is a temp dir below, so only system-wide collections count.
	needPython(t, "ansible_collections.cisco.ios")
	needPython(t, "ansible_collections.ansible.netcommon")
	needPython(t, "paramiko")

	tmp := t.TempDir()
	for _, d := range []string{"home", "local", "remote"} {
		if err := os.Mkdir(filepath.Join(tmp, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	hosts := map[string]any{}
	for _, d := range devs {
		w := wants[d.Name]
		hosts[d.Name] = map[string]any{
			"ansible_port":   d.SSH,
			"want_model":     w.Model,
			"want_version":   w.Version,
			"want_image":     w.Image,
			"want_interface": w.Uplink,
			"want_address":   d.Address,
		}
	}
	inv := map[string]any{"all": map[string]any{"children": map[string]any{"routers": map[string]any{
		"hosts": hosts,
		"vars": map[string]any{
			"ansible_host":              "127.0.0.1",
			"ansible_user":              "admin",
			"ansible_password":          "cisco",
			"ansible_connection":        "ansible.netcommon.network_cli",
			"ansible_network_os":        "cisco.ios.ios",
			"ansible_host_key_checking": false,
			"ansible_become":            true,
			"ansible_become_method":     "enable",
			"ansible_become_password":   "cisco",
		},
	}}}}
	invJSON, err := json.Marshal(inv)
	if err != nil {
		t.Fatal(err)
	}
	invPath := filepath.Join(tmp, "inventory.json")
	if err := os.WriteFile(invPath, invJSON, 0o644); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, playbook, "-i", invPath, "testdata/ansible_playbook.yml")
	cmd.WaitDelay = 5 * time.Second
	cmd.Env = append(os.Environ(),
		"HOME="+filepath.Join(tmp, "home"),
		"ANSIBLE_LOCAL_TEMP="+filepath.Join(tmp, "local"),
		"ANSIBLE_REMOTE_TEMP="+filepath.Join(tmp, "remote"),
		"ANSIBLE_HOST_KEY_CHECKING=False",
		"ANSIBLE_STDOUT_CALLBACK=json",
		"ANSIBLE_NOCOLOR=1",
		"ANSIBLE_FORKS=5",
		"ANSIBLE_PERSISTENT_COMMAND_TIMEOUT=60",
		"ANSIBLE_PERSISTENT_CONNECT_TIMEOUT=60",
	)
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	out, runErr := cmd.Output()
	if ctx.Err() != nil {
		t.Fatalf("ansible-playbook timed out:\n%s\n%s", out, stderr.String())
	}

	var res struct {
		Plays []struct {
			Tasks []struct {
				Task struct {
					Name string `json:"name"`
				} `json:"task"`
				Hosts map[string]struct {
					Failed        bool           `json:"failed"`
					Msg           any            `json:"msg"`
					AnsibleFacts  map[string]any `json:"ansible_facts"`
					Changed       bool           `json:"changed"`
					Unreachable   bool           `json:"unreachable"`
					ModuleStderr  string         `json:"module_stderr"`
					AssertionText string         `json:"assertion"`
				} `json:"hosts"`
			} `json:"tasks"`
		} `json:"plays"`
		Stats map[string]struct {
			OK          int `json:"ok"`
			Changed     int `json:"changed"`
			Failures    int `json:"failures"`
			Unreachable int `json:"unreachable"`
			Skipped     int `json:"skipped"`
		} `json:"stats"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("ansible-playbook (%v): output is not JSON: %v\n%s\n%s", runErr, err, out, stderr.String())
	}
	if len(res.Plays) != 1 {
		t.Fatalf("ansible-playbook (%v): %d plays, want 1\n%s", runErr, len(res.Plays), stderr.String())
	}
	tasks := res.Plays[0].Tasks
	for _, task := range tasks {
		for host, r := range task.Hosts {
			if r.Failed || r.Unreachable {
				t.Errorf("%s: task %q failed: %v %s %s", host, task.Task.Name, r.Msg, r.AssertionText, r.ModuleStderr)
			}
		}
	}
	for _, d := range devs {
		st, ok := res.Stats[d.Name]
		if !ok {
			t.Errorf("%s: no stats", d.Name)
			continue
		}
		// Every task ran and succeeded; only the first ios_config changed
		// anything.
		if st.Failures != 0 || st.Unreachable != 0 || st.OK != len(tasks) || st.Changed != 1 {
			t.Errorf("%s: stats %+v, want ok=%d changed=1 and no failures", d.Name, st, len(tasks))
		}
	}
	// The facts, checked here too so a broken assert cannot hide them.
	for _, task := range tasks {
		if task.Task.Name != "facts" {
			continue
		}
		for _, d := range devs {
			w := wants[d.Name]
			f := task.Hosts[d.Name].AnsibleFacts
			for k, v := range map[string]any{
				"ansible_net_model":    w.Model,
				"ansible_net_version":  w.Version,
				"ansible_net_hostname": d.Name,
				"ansible_net_image":    w.Image,
			} {
				if f[k] != v {
					t.Errorf("%s: %s = %#v, want %q", d.Name, k, f[k], v)
				}
			}
		}
	}
	if runErr != nil && !t.Failed() {
		t.Fatalf("ansible-playbook: %v\n%s", runErr, stderr.String())
	}
}
