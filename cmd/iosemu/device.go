package main

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/iosemu/iosemu/lab"
)

// deviceCmd is `iosemu device`: one router with real ports, for a
// container (one node of a containerlab topology).
func deviceCmd() *cobra.Command {
	var (
		dir, name, platform, address, configFile, bootstrapFile string
		state, start, listen, control                           string
		scale                                                   float64
		sshPort, telnetPort, httpPort                           int
		peers, services, waitFor                                []string
		verbose                                                 bool
	)
	c := &cobra.Command{
		Use:   "device",
		Short: "Run one router on real ports (SSH 22, telnet 23, HTTP 80), for a container",
		Long: `Run one emulated router until interrupted, on real ports: SSH 22, telnet 23,
HTTP 80 (answers while the router has ip http server).

The router comes from --dir DIR/device.yaml (the fields of a lab file's device:
name, platform, address, config, bootstrap; and services, peers, wait_for), from
flags, or both (flags win). Its lab peers are real hosts: SCEP and copy ftp://
connect to the lab address itself, as in a container network where the peer's
container has that address. --peer LABADDR=HOST sends every port of a lab
address to another host, --peer LABADDR:PORT=HOST:PORT one port.

On the first start of a state dir the bootstrap is typed at the router once
every wait_for URL answers 2xx; the router serves its ports meanwhile.

Ports below 1024 need root, CAP_NET_BIND_SERVICE, or the container sysctl
net.ipv4.ip_unprivileged_port_start=0 (the default of Docker 20.10+).`,
		Example: `  iosemu device --dir /config
  iosemu device --name R1 --platform CSR1k --address 10.0.0.1 --ssh-port 2222 --telnet-port 2323 --http-port 8080`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f := &lab.DeviceFile{}
			if dir != "" {
				var err error
				f, err = lab.LoadDeviceFile(filepath.Join(dir, "device.yaml"))
				if errors.Is(err, fs.ErrNotExist) {
					return fmt.Errorf("%s has no device.yaml (mount a directory holding one, or give --name and --platform): %w", dir, err)
				}
				if err != nil {
					return err
				}
			}
			fl := cmd.Flags()
			set := func(flag string, dst *string, val string) {
				if fl.Changed(flag) {
					*dst = val
				}
			}
			set("name", &f.Name, name)
			set("platform", &f.Platform, platform)
			set("address", &f.Address, address)
			for flag, dst := range map[string]*string{"config": &f.Config, "bootstrap": &f.Bootstrap} {
				file := configFile
				if flag == "bootstrap" {
					file = bootstrapFile
				}
				if fl.Changed(flag) {
					data, err := os.ReadFile(file)
					if err != nil {
						return fmt.Errorf("--%s: %w", flag, err)
					}
					*dst = string(data)
				}
			}
			for _, p := range peers {
				from, to, err := lab.ParsePeer(p)
				if err != nil {
					return usageError{fmt.Errorf("--peer: %w", err)}
				}
				if f.Peers == nil {
					f.Peers = map[string]string{}
				}
				f.Peers[from] = to
			}
			for _, s := range services {
				kind, addr, ok := strings.Cut(s, "=")
				if !ok {
					return usageError{fmt.Errorf("--service %q: want KIND=LABADDR (ftp=10.1.1.1, ntp=10.1.1.1)", s)}
				}
				f.Services = append(f.Services, lab.ServiceSpec{Name: kind, Kind: kind, Address: addr})
			}
			f.WaitFor = append(f.WaitFor, waitFor...)
			if f.Name == "" && f.Platform == "" {
				return usageError{errors.New("give --dir DIR (with DIR/device.yaml) or --name and --platform")}
			}
			if err := f.Check(); err != nil {
				return usageError{err}
			}
			var startAt time.Time
			if start != "" {
				var err error
				if startAt, err = time.Parse(time.RFC3339Nano, start); err != nil {
					return usageError{fmt.Errorf("--start %q is not an RFC 3339 time (e.g. 2015-10-09T13:14:16+01:00)", start)}
				}
			}
			if scale < 0 || math.IsNaN(scale) || math.IsInf(scale, 0) {
				return usageError{fmt.Errorf("--time-scale must be 0 (frozen) or positive, not %v", scale)}
			}
			level := slog.LevelWarn
			if verbose {
				level = slog.LevelInfo
			}
			logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
			out := cmd.OutOrStdout()
			l, err := lab.StartDevice(f, lab.DeviceOptions{
				StateDir: state, Start: startAt, Scale: scale, Listen: listen,
				SSHPort: sshPort, TelnetPort: telnetPort, HTTPPort: httpPort, Control: control,
				Logger: logger,
				BootstrapDone: func(err error) {
					if err != nil {
						logger.Error("bootstrap failed", "err", err)
						return
					}
					fmt.Fprintf(out, "%s: bootstrap done\n", f.Name)
				},
			})
			if err != nil {
				if errors.Is(err, syscall.EACCES) {
					return fmt.Errorf("%w (ports below 1024: run with --cap-add=NET_BIND_SERVICE or --sysctl net.ipv4.ip_unprivileged_port_start=0, or choose ports above 1023)", err)
				}
				return err
			}
			n := l.Nodes()[0]
			p := n.Router.Platform()
			fmt.Fprintf(out, "iosemu %s: device %s (%s %s), lab address %s, state in %s, clock %s (x%g)\n",
				version, f.Name, p.Name, p.Model, f.Address, state, l.Clock().Now().Format(time.RFC3339), scale)
			fmt.Fprintf(out, "SSH %d, telnet %d, HTTP %d on %s. Login admin / cisco. Ctrl-C stops the device.\n",
				n.SSHPort, n.Telnet, n.HTTPPort, listenName(listen))
			sig := make(chan os.Signal, 1)
			signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
			<-sig
			fmt.Fprintln(out, "stopping")
			return l.Close()
		},
	}
	f := c.Flags()
	f.StringVar(&dir, "dir", "", "directory holding device.yaml (a container's mounted /config)")
	f.StringVar(&name, "name", "", "device name (and hostname of the default config)")
	f.StringVar(&platform, "platform", "", "ISR-G1 | ISR-G2 | ISR-4K | ASR1k | CSR1k (or a model)")
	f.StringVar(&address, "address", "", "lab address of the first interface")
	f.StringVar(&configFile, "config", "", "file with the config to boot when nvram is empty")
	f.StringVar(&bootstrapFile, "bootstrap", "", "file typed at the router once, on the first start")
	f.StringVar(&state, "state", "./iosemu-state", "state directory (created)")
	f.StringVar(&start, "start", "", "clock start on a new state dir, RFC 3339 (default now)")
	f.Float64Var(&scale, "time-scale", 1, "virtual seconds per real second; 0 freezes the clock (only `ctl clock advance|set` with --control move it)")
	f.StringVar(&listen, "listen", "", "address to listen on (default all)")
	f.IntVar(&sshPort, "ssh-port", 22, "SSH port")
	f.IntVar(&telnetPort, "telnet-port", 23, "telnet port")
	f.IntVar(&httpPort, "http-port", 80, "HTTP port (SCEP when the router is a CA)")
	f.StringVar(&control, "control", "", "serve the control API (clock, save) on HOST:PORT")
	f.StringArrayVar(&peers, "peer", nil, "LABADDR[:PORT]=HOST[:PORT]: where a lab address is reached (repeatable)")
	f.StringArrayVar(&services, "service", nil, "KIND=LABADDR: a lab service the router reaches, ftp or ntp (repeatable)")
	f.StringArrayVar(&waitFor, "wait-for", nil, "http://URL (2xx) or tcp://HOST:PORT that must answer before the bootstrap (repeatable)")
	f.BoolVarP(&verbose, "verbose", "v", false, "log sessions and syslog to stderr")
	return c
}

func listenName(l string) string {
	if l == "" {
		return "all addresses"
	}
	return l
}

// serviceCmd is `iosemu service ftp`: the lab FTP service on its own.
func serviceCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "service",
		Short: "Run a lab service on its own (ftp), for a container",
	}
	var (
		dir, listen string
		dirs        []string
	)
	ftp := &cobra.Command{
		Use:   "ftp",
		Short: "Serve a directory over FTP (any login), as the lab's FTP service at 10.1.1.1",
		Long: `Serve --dir over FTP on --listen, taking any user name and password, as the
lab FTP service does: a certificate server keeps its database there
(database url ftp://10.1.1.1/DB/ROOTCA/: --mkdir DB/ROOTCA makes that folder, as
the lab file's dirs do), copy running-config ftp://… writes there.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := lab.StartFTP(dir, listen, dirs, nil)
			if err != nil {
				if errors.Is(err, syscall.EACCES) {
					return fmt.Errorf("%w (port 21: run with --cap-add=NET_BIND_SERVICE or --sysctl net.ipv4.ip_unprivileged_port_start=0)", err)
				}
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "iosemu %s: lab FTP service on %s, serving %s. Ctrl-C stops it.\n", version, s.Addr(), dir)
			sig := make(chan os.Signal, 1)
			signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
			<-sig
			return s.Close()
		},
	}
	ftp.Flags().StringVar(&dir, "dir", "./iosemu-ftp", "directory to serve (created)")
	ftp.Flags().StringVar(&listen, "listen", ":21", "HOST:PORT to listen on")
	ftp.Flags().StringArrayVar(&dirs, "mkdir", nil, "a folder the service has from the start, e.g. DB/ROOTCA (repeatable)")
	c.AddCommand(ftp)
	return c
}
