package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/iosemu/iosemu/lab"
)

// replayCmd is `iosemu replay FILE`: a scenario run on a fresh lab with a
// frozen clock, its transcript on stdout or --out. A step that fails (an
// expect not met, a wait that ran out) makes the exit status 1 and is named
// on stderr; the transcript then ends with it.
func replayCmd() *cobra.Command {
	var labFile, start, out string
	c := &cobra.Command{
		Use:   "replay FILE",
		Short: "Replay a scenario (commands, clock jumps, waits for events) on a fresh lab into a transcript",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var opt lab.ReplayOptions
			opt.Lab = labFile
			if start != "" {
				t, err := time.Parse(time.RFC3339Nano, start)
				if err != nil {
					return usageError{fmt.Errorf("--start %q is not an RFC 3339 time (e.g. 2015-10-09T13:14:16+01:00)", start)}
				}
				opt.Start = t
			}
			sc, err := lab.LoadScenario(args[0])
			if err != nil {
				return err
			}
			var w io.Writer = cmd.OutOrStdout()
			if out != "" {
				f, err := os.Create(out)
				if err != nil {
					return fmt.Errorf("replay: %w", err)
				}
				defer f.Close()
				w = f
			}
			return lab.Replay(sc, opt, w)
		},
	}
	f := c.Flags()
	f.StringVar(&labFile, "lab", "", "lab file, or an embedded lab: seed | blank (default: the scenario's, else seed)")
	f.StringVar(&start, "start", "", "lab clock start, RFC 3339 (default: the scenario's)")
	f.StringVar(&out, "out", "", "write the transcript to this file (default stdout)")
	return c
}
