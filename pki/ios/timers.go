package ios

import (
	"sort"
	"strings"
	"time"

	"github.com/iosemu/iosemu/cli"
	"github.com/iosemu/iosemu/clock"
	"github.com/iosemu/iosemu/parser"
)

// show crypto pki timers: the router's pending PKI timers, as IOS groups
// them, each group headed by its next expiry:
//
//	PKI Timers
//	|        7:49.003
//	  |        7:49.003  SESSION CLEANUP
//	CS Timers
//	|     5:54:17.977
//	  |     5:54:17.977  CS CRL UPDATE
//	  |639d23:54:17.977  CS SHADOW CERT GENERATION
//	  |729d23:54:17.971  CS CERT EXPIRE
//
// The timers are the lab clock's named timers of this router: what is shown
// is what will fire.

// timerGroups are the groups in IOS's order; a timer belongs to the first
// whose prefix its name has.
var timerGroups = []struct{ title, prefix string }{
	{"PKI Timers", ""},
	{"CS Timers", "CS "},
}

// pkiTimer tells whether a timer of the router is one of the PKI's.
func pkiTimer(name string) bool {
	for _, p := range []string{"CS ", "RENEW ", "SHADOW ", "POLL ", "CONNECT RETRY", "SESSION CLEANUP", "TRUSTPOOL"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

func groupOf(name string) int {
	if strings.HasPrefix(name, "CS ") {
		return 1
	}
	return 0
}

// sessionCleanup is IOS's PKI session cleanup, every 15 minutes from the
// moment the router's PKI started (its boot). It changes nothing the
// emulation keeps, so it is not a timer of the lab clock (which a
// thousand-router lab would fire millions of times in a four-year jump):
// its next instant is worked out from the schedule.
const sessionCleanup = 15 * time.Minute

func (c *face) nextSessionCleanup(now time.Time) time.Time {
	n := now.Sub(c.epoch)/sessionCleanup + 1
	return c.epoch.Add(n * sessionCleanup)
}

func (c *face) showTimers(s *cli.Session, _ parser.Args) {
	now := c.d.LabClock().Now()
	groups := make([][]clock.TimerInfo, len(timerGroups))
	if c.cs != nil || len(c.tps) > 0 {
		groups[0] = append(groups[0], clock.TimerInfo{Owner: c.d.Name(), Name: "SESSION CLEANUP", Due: c.nextSessionCleanup(now)})
	}
	for _, t := range c.d.LabClock().Timers(c.d.Name()) {
		if pkiTimer(t.Name) {
			g := groupOf(t.Name)
			groups[g] = append(groups[g], t)
		}
	}
	for _, g := range groups {
		sort.SliceStable(g, func(i, j int) bool { return g[i].Due.Before(g[j].Due) })
	}
	for g, ts := range groups {
		if len(ts) == 0 {
			continue
		}
		s.Println(timerGroups[g].title)
		s.Println(clock.FormatTimer(ts[0].Due.Sub(now)))
		for _, t := range ts {
			s.Printf("  %s  %s\n", clock.FormatTimer(t.Due.Sub(now)), t.Name)
		}
	}
}
