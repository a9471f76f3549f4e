package main

import (
	"fmt"
	"log/slog"
	"math"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/iosemu/iosemu/lab"
)

func runCmd() *cobra.Command {
	var (
		labFile  string
		state    string
		start    string
		scale    float64
		basePort int
		verbose  bool
	)
	c := &cobra.Command{
		Use:   "run",
		Short: "Run a lab (the embedded seed lab by default)",
		Long: `Run a lab of emulated routers until interrupted.

The seed lab is five routers (Root-CA, spoke-1..4) on five platforms. Login
admin / cisco. Ports, for B = --base-port and device i = 1..n in lab-file
order: control API on B, SSH on B+i, telnet on B+100+i, HTTP on B+200+i,
the lab FTP service on B+300. A lab of 100 devices or more uses blocks of the
smallest multiple of 100 above its device count instead of 100 (1,000
devices: SSH B+i, telnet B+1100+i, HTTP B+2200+i, FTP B+3300); every port
must be at most 65535. The table printed at start and ` + "`iosemu ctl devices`" + `
list every device's ports.

State (nvram, flash, host keys, the lab clock) lives in --state; a restarted
lab continues from it, clock included, and one lab at a time may use it.
--time-scale 0 freezes the lab clock: only ` + "`iosemu ctl clock advance|set`" + ` move it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			spec, err := lab.Load(labFile)
			if err != nil {
				return err
			}
			var startAt time.Time
			if start != "" {
				startAt, err = time.Parse(time.RFC3339Nano, start)
				if err != nil {
					return usageError{fmt.Errorf("--start %q is not an RFC 3339 time (e.g. 2015-10-09T13:14:16+01:00)", start)}
				}
			}
			if scale < 0 || math.IsNaN(scale) || math.IsInf(scale, 0) {
				return usageError{fmt.Errorf("--time-scale must be 0 (frozen) or positive, not %v", scale)}
			}
			if _, err := lab.LayoutFor(basePort, len(spec.Devices)); err != nil {
				return usageError{err}
			}
			level := slog.LevelWarn
			if verbose {
				level = slog.LevelInfo
			}
			logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
			l, err := lab.Start(spec, lab.Options{StateDir: state, Start: startAt, Scale: scale, BasePort: basePort, Logger: logger})
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if start != "" && l.Resumed() {
				fmt.Fprintf(out, "note: %s already has a lab clock; it continues from there and --start is not used (a new --state starts afresh)\n", state)
			}
			fmt.Fprintf(out, "iosemu %s: lab %q, state in %s, lab clock %s (x%g)\n\n", version, spec.Name, state,
				l.Clock().Now().Format(time.RFC3339), scale)
			fmt.Fprint(out, l.Table())
			fmt.Fprintf(out, "\nControl API on 127.0.0.1:%d (iosemu ctl --addr 127.0.0.1:%d). Login admin / cisco. Ctrl-C stops the lab.\n", basePort, basePort)
			sig := make(chan os.Signal, 1)
			signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
			<-sig
			fmt.Fprintln(out, "\nstopping the lab")
			return l.Close()
		},
	}
	f := c.Flags()
	f.StringVar(&labFile, "lab", "seed", "lab file, or an embedded lab: seed | blank")
	f.StringVar(&state, "state", "./iosemu-state", "state directory (created)")
	f.StringVar(&start, "start", "", "lab clock start on a new state dir, RFC 3339 (default now)")
	f.Float64Var(&scale, "time-scale", 1, "virtual seconds per real second; 0 freezes the lab clock (only `ctl clock advance|set` move it)")
	f.IntVar(&basePort, "base-port", 2200, "control API port; devices use base+1.., base+101.., base+201.. (larger blocks from 100 devices)")
	f.BoolVarP(&verbose, "verbose", "v", false, "log sessions and syslog to stderr")
	return c
}
