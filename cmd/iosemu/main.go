// Command iosemu runs labs of emulated Cisco IOS / IOS-XE routers and
// controls running labs.
//
//	iosemu run [--lab FILE|seed|blank] [--state DIR] [--start RFC3339] [--time-scale X] [--base-port N]
//	iosemu ctl [--addr HOST:PORT] devices | clock | clock advance 640d | clock set RFC3339 | reset DEVICE | save
//	iosemu device [--dir DIR | --name N --platform P --address A …] [--ssh-port N] [--telnet-port N] [--http-port N] [--peer LABADDR=HOST]
//	iosemu service ftp --dir DIR --listen ADDR
//	iosemu replay FILE [--lab FILE|seed|blank] [--start RFC3339] [--out FILE]
//	iosemu version
//
// IOS generates RSA keys from 360 bits up (512 is the modulus question's
// default); Go refuses keys under 1024 bits unless told so by the directive
// below.
//
//go:debug rsa1024min=0
package main

import (
	"errors"
	"fmt"
	"os"
	"runtime/pprof"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	root := &cobra.Command{
		Use:           "iosemu",
		Short:         "Emulated Cisco IOS / IOS-XE routers over SSH and telnet, with the IOS PKI (certificate server, SCEP, renewal, CA rollover), on one virtual lab clock",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(runCmd(), ctlCmd(), versionCmd(), deviceCmd(), serviceCmd(), replayCmd())
	// --cpuprofile FILE writes a Go CPU profile of the whole run (read it
	// with go tool pprof); for developers, so not in --help.
	var profile string
	root.PersistentFlags().StringVar(&profile, "cpuprofile", "", "write a CPU profile to `FILE`")
	_ = root.PersistentFlags().MarkHidden("cpuprofile")
	var stop func()
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		if profile == "" {
			return nil
		}
		f, err := os.Create(profile)
		if err != nil {
			return usageError{err}
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return err
		}
		stop = func() { pprof.StopCPUProfile(); f.Close() }
		return nil
	}
	err := root.Execute()
	if stop != nil {
		stop()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "iosemu:", err)
		var ue usageError
		if errors.As(err, &ue) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// usageError is a mistake in the command line (exit status 2).
type usageError struct{ error }

func versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the iosemu version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintf(cmd.OutOrStdout(), "iosemu %s\n", version)
		},
	}
}
