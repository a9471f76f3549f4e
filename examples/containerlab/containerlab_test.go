// Package containerlab_test checks the containerlab topologies of the
// examples: that they are valid against containerlab's own JSON schema, and
// that the per-node device.yaml files are the seed lab's devices (go test
// ./examples/containerlab -update rewrites them from lab/labs/seed.yaml).
package containerlab_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"

	"github.com/iosemu/iosemu/lab"
)

var update = flag.Bool("update", false, "rewrite seed/*/device.yaml from lab/labs/seed.yaml")

// servicesHost is the lab-services container's address in seed.clab.yml:
// the seed configs' 10.1.1.1 (FTP, NTP) is outside the management subnet,
// so each device maps it there.
const servicesHost = "172.16.1.100"

// nodeName is a device's containerlab node name: lower case, as Kubernetes
// (clabernetes) needs its names.
func nodeName(device string) string { return strings.ToLower(device) }

var (
	dbURL     = regexp.MustCompile(`(?m)^\s*database url ftp://([0-9.]+)/`)
	enrollURL = regexp.MustCompile(`(?m)^\s*enrollment url (http://[^\s/]+)`)
)

// deviceFile is lab.DeviceFile as written: no empty fields.
type deviceFile struct {
	lab.DeviceSpec `yaml:",inline"`
	Services       []service         `yaml:"services,omitempty"`
	Peers          map[string]string `yaml:"peers,omitempty"`
	WaitFor        []string          `yaml:"wait_for,omitempty"`
}

type service struct {
	Name    string `yaml:"name"`
	Kind    string `yaml:"kind"`
	Address string `yaml:"address"`
	To      string `yaml:"to,omitempty"`
}

// seedDeviceFiles renders the seed lab's devices as device.yaml files.
func seedDeviceFiles(t *testing.T) map[string][]byte {
	t.Helper()
	seed, ok := lab.Builtin("seed")
	if !ok {
		t.Fatal("no seed lab")
	}
	peers := map[string]string{}
	for _, s := range seed.Services {
		peers[s.Address] = servicesHost
	}
	var services []service
	for _, s := range seed.Services {
		services = append(services, service{s.Name, s.Kind, s.Address, s.To})
	}
	files := map[string][]byte{}
	for _, d := range seed.Devices {
		f := deviceFile{DeviceSpec: d, Services: services, Peers: peers}
		// A CA's bootstrap needs its database's FTP server; an enrolling
		// spoke's needs its CA's SCEP. Their containers start in any order.
		if m := dbURL.FindStringSubmatch(d.Config); m != nil {
			f.WaitFor = append(f.WaitFor, "tcp://"+m[1]+":21")
		}
		if m := enrollURL.FindStringSubmatch(d.Config); m != nil && strings.Contains(d.Bootstrap, "crypto pki enroll") {
			f.WaitFor = append(f.WaitFor, m[1]+"/cgi-bin/pkiclient.exe?operation=GetCACert")
		}
		var b bytes.Buffer
		b.WriteString("# " + d.Name + " of the seed lab, for `iosemu device --dir`. Generated from\n" +
			"# lab/labs/seed.yaml by `go test ./examples/containerlab -update`: edit that file instead.\n")
		enc := yaml.NewEncoder(&b)
		enc.SetIndent(2)
		if err := enc.Encode(f); err != nil {
			t.Fatal(err)
		}
		files[filepath.Join("seed", nodeName(d.Name), "device.yaml")] = b.Bytes()
	}
	return files
}

func TestSeedDeviceFilesInSync(t *testing.T) {
	for path, want := range seedDeviceFiles(t) {
		if *update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (go test ./examples/containerlab -update writes it)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is not lab/labs/seed.yaml's device (go test ./examples/containerlab -update rewrites it)", path)
		}
		if _, err := lab.ParseDeviceFile(path, got); err != nil {
			t.Errorf("iosemu device cannot read %s: %v", path, err)
		}
	}
}

// schemaPath finds containerlab's schema in the shared/ folder beside the
// repository (or beside one of its parents, for a git worktree).
func schemaPath(t *testing.T) string {
	t.Helper()
	rel := filepath.Join("shared", "reference", "containerlab", "clab.schema.json")
	dir, err := filepath.Abs(filepath.Join("..", "..", "..")) // the repo root's parent
	if err != nil {
		t.Fatal(err)
	}
	for {
		p := filepath.Join(dir, rel)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("containerlab's schema is missing: no ../%s beside the repository", rel)
	}
	t.Skipf("no ../%s beside the repository", rel)
	return ""
}

type topology struct {
	Name string `yaml:"name"`
	Mgmt struct {
		Subnet string `yaml:"ipv4-subnet"`
		Gw     string `yaml:"ipv4-gw"`
	} `yaml:"mgmt"`
	Topology struct {
		Defaults struct {
			Image string `yaml:"image"`
		} `yaml:"defaults"`
		Nodes map[string]struct {
			Mgmt  string   `yaml:"mgmt-ipv4"`
			Binds []string `yaml:"binds"`
			Cmd   string   `yaml:"cmd"`
		} `yaml:"nodes"`
	} `yaml:"topology"`
}

func TestTopologiesMatchSchema(t *testing.T) {
	files, err := filepath.Glob("*.clab.yml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no topologies: %v", err)
	}
	path := schemaPath(t)
	c := jsonschema.NewCompiler()
	sch, err := c.Compile(path)
	if err != nil {
		t.Fatalf("containerlab schema: %v", err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := yaml.Unmarshal(data, &v); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		// Through JSON, so that the validator sees JSON's types.
		js, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(inst); err != nil {
			t.Errorf("%s does not match containerlab's schema: %v", file, err)
		}
	}
}

// TestSchemaRejects shows the validation can fail: a node field
// containerlab does not know.
func TestSchemaRejects(t *testing.T) {
	sch, err := jsonschema.NewCompiler().Compile(schemaPath(t))
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(`{"name":"x","topology":{"nodes":{"a":{"kind":"linux","ports-of-call":1}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err == nil {
		t.Error("an unknown node field passes the schema")
	}
}

// TestSeedTopologyAddresses checks what the schema cannot: each router's
// container has its lab address, finds its device.yaml, and the services
// container is where the device files send 10.1.1.1.
func TestSeedTopologyAddresses(t *testing.T) {
	data, err := os.ReadFile("seed.clab.yml")
	if err != nil {
		t.Fatal(err)
	}
	var topo topology
	if err := yaml.Unmarshal(data, &topo); err != nil {
		t.Fatal(err)
	}
	subnet, err := netip.ParsePrefix(topo.Mgmt.Subnet)
	if err != nil {
		t.Fatal(err)
	}
	seed, _ := lab.Builtin("seed")
	used := map[string]string{topo.Mgmt.Gw: "the gateway"}
	for name, n := range topo.Topology.Nodes {
		if other, dup := used[n.Mgmt]; dup {
			t.Errorf("%s and %s both have %s", name, other, n.Mgmt)
		}
		used[n.Mgmt] = name
		if a, err := netip.ParseAddr(n.Mgmt); err != nil || !subnet.Contains(a) {
			t.Errorf("%s: mgmt-ipv4 %q is not in %s", name, n.Mgmt, subnet)
		}
	}
	svc, ok := topo.Topology.Nodes["lab-services"]
	if !ok || svc.Mgmt != servicesHost || !strings.HasPrefix(svc.Cmd, "service ftp") {
		t.Errorf("no lab-services node at %s running the FTP service: %+v", servicesHost, svc)
	}
	// The FTP service has the folders the seed lab's has (the CA's database).
	for _, s := range seed.Services {
		for _, d := range s.Dirs {
			if !strings.Contains(svc.Cmd+" ", " --mkdir "+d+" ") {
				t.Errorf("lab-services does not make %s: %q", d, svc.Cmd)
			}
		}
	}
	for _, d := range seed.Devices {
		n, ok := topo.Topology.Nodes[nodeName(d.Name)]
		if !ok {
			t.Errorf("seed device %s has no node %s", d.Name, nodeName(d.Name))
			continue
		}
		if n.Mgmt != d.Address {
			t.Errorf("%s: mgmt-ipv4 %s, but its lab address is %s", d.Name, n.Mgmt, d.Address)
		}
		want := "seed/" + nodeName(d.Name) + ":/config:ro"
		if len(n.Binds) != 1 || n.Binds[0] != want {
			t.Errorf("%s: binds %v, want [%s]", d.Name, n.Binds, want)
		}
		if _, err := os.Stat(filepath.Join("seed", nodeName(d.Name), "device.yaml")); errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: no device.yaml", d.Name)
		}
	}
	if len(topo.Topology.Nodes) != len(seed.Devices)+1 {
		t.Errorf("%d nodes; want the %d seed devices and lab-services", len(topo.Topology.Nodes), len(seed.Devices))
	}
}
