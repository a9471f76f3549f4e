// Package clock is the lab's one source of time and the only package of iosemu
// that reads the wall clock.
//
// A [Lab] holds one virtual clock for a whole lab. In real-time mode
// ([NewLab]) virtual time runs at a configurable scale of wall time from a
// start instant (scale 0 freezes it: only jumps move it); in fake mode ([NewFake]) it stands still except when moved
// by [Lab.Advance] or [Lab.Set]. Features schedule named, introspectable
// timers ([Lab.AfterFunc], [Lab.At]) instead of calling time.AfterFunc, so
// that `show crypto pki timers` can list them and so that a jump of the whole
// lab (ctl clock advance 640d) fires every timer inside the jump in due order,
// with the clock standing at each timer's due time while it runs.
//
// A [Device] is one router's view of the lab clock: lab time plus the offset
// that `clock set` leaves behind, with IOS's notion of authority (`*`, `.`)
// and time source (NTP, hardware calendar, user configuration), its time zone
// and summer-time rule, its hardware calendar and its NTP associations. The
// Format* functions render the IOS texts that depend on time (show clock,
// show clock detail, the exec prompt timestamp header, syslog timestamps,
// show crypto pki timers' remaining-time column, show version's uptime,
// show ntp status and show ntp associations) from that state.
package clock
