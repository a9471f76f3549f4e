package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/iosemu/iosemu/lab"
)

type ctlClient struct {
	addr string
	http *http.Client
}

func ctlCmd() *cobra.Command {
	var addr string
	var basePort int
	cl := &ctlClient{http: &http.Client{}}
	c := &cobra.Command{
		Use:   "ctl",
		Short: "Control a running lab (devices, clock, reset, save)",
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			cl.addr = addr
			if cmd.Flags().Changed("base-port") || cmd.InheritedFlags().Changed("base-port") {
				cl.addr = fmt.Sprintf("127.0.0.1:%d", basePort)
			}
			return nil
		},
	}
	c.PersistentFlags().StringVar(&addr, "addr", "127.0.0.1:2200", "control API address of the running lab")
	c.PersistentFlags().IntVar(&basePort, "base-port", 2200, "the lab's --base-port (sets --addr to 127.0.0.1:PORT)")

	devices := &cobra.Command{
		Use: "devices", Short: "List the lab's devices and their ports", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var ds []lab.DeviceInfo
			if err := cl.get("/v1/devices", &ds); err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "DEVICE\tPLATFORM\tMODEL\tVERSION\tLAB ADDRESS\tSSH\tTELNET\tHTTP\tCLOCK")
			for _, d := range ds {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%s\n", d.Name, d.Platform, d.Model, d.Version, d.Address, d.SSH, d.Telnet, d.HTTP, d.Clock)
			}
			return tw.Flush()
		},
	}
	clk := &cobra.Command{
		Use: "clock", Short: "Show the lab clock", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var ci lab.ClockInfo
			if err := cl.get("/v1/clock", &ci); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s (offset %s from real time, scale x%g, %d timers pending)\n",
				ci.Now.Format(time.RFC3339Nano), ci.Offset, ci.Scale, ci.Timers)
			return nil
		},
	}
	advance := &cobra.Command{
		Use: "advance DURATION", Short: "Jump the lab clock forward (e.g. 640d, 12h, 90m, 30s), firing every timer on the way",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := lab.ParseDuration(args[0]); err != nil {
				return usageError{err}
			}
			return cl.jump(cmd.OutOrStdout(), "/v1/clock/advance", map[string]string{"by": args[0]})
		},
	}
	set := &cobra.Command{
		Use: "set RFC3339", Short: "Jump the lab clock forward to a time", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := time.Parse(time.RFC3339Nano, args[0]); err != nil {
				return usageError{fmt.Errorf("%q is not an RFC 3339 time (e.g. 2017-07-10T13:14:16+01:00)", args[0])}
			}
			return cl.jump(cmd.OutOrStdout(), "/v1/clock/set", map[string]string{"to": args[0]})
		},
	}
	clk.AddCommand(advance, set)
	reset := &cobra.Command{
		Use: "reset DEVICE", Short: "Erase a device's nvram and reboot it with the lab's config", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := cl.post("/v1/devices/"+args[0]+"/reset", nil, nil); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s reset to factory defaults\n", args[0])
			return nil
		},
	}
	save := &cobra.Command{
		Use: "save", Short: "write memory on every device and save the lab clock", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var out struct {
				Saved []string `json:"saved"`
			}
			if err := cl.post("/v1/save", nil, &out); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "saved %s\n", strings.Join(out.Saved, ", "))
			return nil
		},
	}
	c.AddCommand(devices, clk, reset, save)
	return c
}

func (c *ctlClient) url(path string) string { return "http://" + c.addr + path }

// fail turns transport errors into a message that says what is wrong.
func (c *ctlClient) fail(err error) error {
	var op *net.OpError
	if errors.As(err, &op) {
		return fmt.Errorf("no lab running at %s (start one with `iosemu run`, or pass --addr/--base-port)", c.addr)
	}
	return fmt.Errorf("ctl: %w", err)
}

func apiErr(resp *http.Response) error {
	var e struct {
		Error string `json:"error"`
	}
	body, _ := io.ReadAll(resp.Body)
	if json.Unmarshal(body, &e) == nil && e.Error != "" {
		return errors.New(e.Error)
	}
	return fmt.Errorf("control API: %s", resp.Status)
}

func (c *ctlClient) get(path string, out any) error {
	resp, err := c.http.Get(c.url(path))
	if err != nil {
		return c.fail(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return apiErr(resp)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

func (c *ctlClient) post(path string, body, out any) error {
	b, _ := json.Marshal(body)
	resp, err := c.http.Post(c.url(path), "application/json", bytes.NewReader(b))
	if err != nil {
		return c.fail(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return apiErr(resp)
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// jump posts a clock jump and draws its progress.
func (c *ctlClient) jump(w io.Writer, path string, body any) error {
	b, _ := json.Marshal(body)
	resp, err := c.http.Post(c.url(path), "application/json", bytes.NewReader(b))
	if err != nil {
		return c.fail(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return apiErr(resp)
	}
	tty := isTerminal(w)
	sc := bufio.NewScanner(resp.Body)
	drew := false
	for sc.Scan() {
		var p lab.Progress
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			return fmt.Errorf("ctl: bad progress line: %w", err)
		}
		if p.Done {
			if drew {
				fmt.Fprintln(w)
			}
			if p.Error != "" {
				return errors.New(p.Error)
			}
			fmt.Fprintf(w, "lab clock now %s\n", p.Now.Format(time.RFC3339Nano))
			if st := p.JumpStats; st != nil {
				fmt.Fprintf(w, "%d timers fired: %d certificates enrolled, %d renewals, %d rollovers\n",
					st.TimersFired, st.Enrolments, st.Renewals, st.Rollovers)
			}
			return nil
		}
		if tty {
			const width = 40
			n := int(p.Percent * width / 100)
			fmt.Fprintf(w, "\r[%s%s] %5.1f%% %s / %s", strings.Repeat("#", n), strings.Repeat(".", width-n), p.Percent, p.Elapsed, p.Total)
			drew = true
		}
	}
	if err := sc.Err(); err != nil {
		return c.fail(err)
	}
	return errors.New("ctl: the lab closed the connection before the jump finished")
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
