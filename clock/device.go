package clock

import (
	"sync"
	"time"
)

// Time sources as IOS names them in `show clock detail` ("Time source is …").
const (
	SourceNone     = ""                   // "No time source"
	SourceCalendar = "hardware calendar"  // read from the battery-backed calendar
	SourceUser     = "user configuration" // `clock set`
	SourceNTP      = "NTP"
)

// NTP behaviour of the lab's NTP service and of device associations.
const (
	// NTPPoll is the poll interval of every association (IOS minpoll, 64 s).
	NTPPoll = 64 * time.Second
	// NTPSyncDelay is the virtual time from the moment a reachable server is
	// configured until the device is synchronised: IOS selects a peer after
	// about four samples, i.e. three poll intervals after the first poll
	// (reach 17 octal). The device arms a timer named NTPSyncTimer for it.
	NTPSyncDelay = 3 * NTPPoll
	// NTPSyncTimer is the name of the timer that synchronises a device.
	NTPSyncTimer = "NTP SYNC"
	// LabNTPStratum and LabNTPRefID describe the lab NTP service as a device
	// sees it (like an IOS `ntp master 1`); a synchronised device is one
	// stratum below.
	LabNTPStratum = 1
	LabNTPRefID   = "127.127.1.1"
)

// Device is one router's clock: lab time plus an offset, with IOS's notion of
// time source and authority, a time zone, a hardware calendar and NTP
// associations. All methods are safe for concurrent use.
type Device struct {
	l           *Lab
	owner       string
	hasCalendar bool

	mu            sync.Mutex
	offset        time.Duration // device clock - lab time
	calOffset     time.Duration // calendar - lab time
	calendarValid bool
	source        string
	synced        bool
	zone          zone
	loc           *time.Location

	ntp        []*ntpServer
	ntpSince   int64 // lab ns when NTP was first enabled (ntp uptime)
	peer       string
	lastUpdate int64 // lab ns of the last NTP update of the clock (0: never)
	syncTimer  *Timer

	onSync []func() // OnNTPSync
}

// OnNTPSync registers f to run whenever the device synchronises to an NTP
// server (the PKI starts its timers once the clock is authoritative). f runs
// outside the clock's lock, on the goroutine that synchronised: the lab's
// timer runner, or the caller of SyncNow.
func (d *Device) OnNTPSync(f func()) {
	d.mu.Lock()
	d.onSync = append(d.onSync, f)
	d.mu.Unlock()
}

// synced runs the OnNTPSync hooks; d.mu is not held.
func (d *Device) runSyncHooks() {
	d.mu.Lock()
	hooks := d.onSync
	d.mu.Unlock()
	for _, f := range hooks {
		f()
	}
}

type ntpServer struct {
	addr      string
	reachable bool
	since     int64 // lab ns from which it counts as polled long enough to sync
	// polled is the lab ns of its first poll (when it was configured or
	// last became reachable): reach and "when" count polls from here.
	// SyncNow moves since back, never polled: a lab that starts its
	// devices synchronised still shows reach growing one bit per poll.
	polled int64
}

// Device returns the clock of device owner, creating it on first use. A
// device with a hardware calendar starts with "hardware calendar" as its
// time source (not authoritative until `clock calendar-valid`); one without
// starts with no time source. Both start at lab time.
func (l *Lab) Device(owner string, hasCalendar bool) *Device {
	l.mu.Lock()
	defer l.mu.Unlock()
	if d, ok := l.devices[owner]; ok {
		return d
	}
	d := &Device{l: l, owner: owner, hasCalendar: hasCalendar}
	if hasCalendar {
		d.source = SourceCalendar
	}
	d.loc = d.zone.location()
	l.devices[owner] = d
	return d
}

// Lab returns the lab clock d belongs to.
func (d *Device) Lab() *Lab { return d.l }

// Owner returns the device name d was created for.
func (d *Device) Owner() string { return d.owner }

// HasCalendar reports whether the device has a hardware calendar.
func (d *Device) HasCalendar() bool { return d.hasCalendar }

func (d *Device) labNs() int64 { return d.l.Now().UnixNano() }

// Now returns the device's clock: lab time plus the device's offset (UTC).
func (d *Device) Now() time.Time {
	n := d.labNs()
	d.mu.Lock()
	defer d.mu.Unlock()
	return fromNs(n + int64(d.offset))
}

// Offset returns device time minus lab time.
func (d *Device) Offset() time.Duration {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.offset
}

// Set is exec `clock set`: the device clock jumps to t (the lab clock does not
// move), the time source becomes "user configuration" and the clock counts as
// authoritative — after `clock set` IOS prints the time without `*` (see the
// show_clock_detail capture). A synchronised device loses NTP sync and
// re-synchronises NTPSyncDelay later if a server is reachable.
func (d *Device) Set(t time.Time) {
	n := d.labNs()
	d.mu.Lock()
	defer d.mu.Unlock()
	d.offset = time.Duration(t.UnixNano() - n)
	d.source = SourceUser
	if d.synced || d.syncTimer != nil {
		d.synced, d.peer = false, ""
		for _, s := range d.ntp {
			s.since = n
		}
		d.stopSyncLocked()
		d.ensureSyncLocked(n)
	}
}

// SetTimezone is `clock timezone NAME HOURS [MINUTES]`; for negative hours
// the minutes are west too (NST -3 30 is UTC-3:30).
func (d *Device) SetTimezone(name string, hours, minutes int) {
	off := time.Duration(hours)*time.Hour + time.Duration(minutes)*time.Minute
	if hours < 0 {
		off = time.Duration(hours)*time.Hour - time.Duration(minutes)*time.Minute
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.zone.name, d.zone.offset = name, off
	d.loc = d.zone.location()
}

// ClearTimezone is `no clock timezone`: back to UTC.
func (d *Device) ClearTimezone() { d.SetTimezone("", 0, 0) }

// SetSummerTime is `clock summer-time NAME recurring|date …`.
func (d *Device) SetSummerTime(name string, rule SummerRule) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.zone.summer = &summerZone{name: name, rule: rule}
	d.loc = d.zone.location()
}

// ClearSummerTime is `no clock summer-time`.
func (d *Device) ClearSummerTime() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.zone.summer = nil
	d.loc = d.zone.location()
}

// Timezone returns the configured standard zone name ("" when unset) and
// its offset east of UTC.
func (d *Device) Timezone() (name string, offset time.Duration) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.zone.name, d.zone.offset
}

// SummerTime returns the configured summer-time name and rule.
func (d *Device) SummerTime() (name string, rule SummerRule, ok bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.zone.summer == nil {
		return "", SummerRule{}, false
	}
	return d.zone.summer.name, d.zone.summer.rule, true
}

// Location returns the configured zone including summer time, for formatting.
func (d *Device) Location() *time.Location {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.loc
}

// SetCalendarValid is `[no] clock calendar-valid`; it only has an effect on a
// device with a hardware calendar. Turning it on when the clock is not set by
// the user or NTP reads the calendar into the clock, as IOS does at boot, and
// makes "hardware calendar" the authoritative time source.
func (d *Device) SetCalendarValid(on bool) {
	if !d.hasCalendar {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calendarValid = on
	if on && (d.source == SourceCalendar || d.source == SourceNone) {
		d.source = SourceCalendar
		d.offset = d.calOffset
	}
}

// CalendarValid reports whether `clock calendar-valid` is configured.
func (d *Device) CalendarValid() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.calendarValid
}

// Calendar returns the hardware calendar's time (`show calendar`).
func (d *Device) Calendar() time.Time {
	n := d.labNs()
	d.mu.Lock()
	defer d.mu.Unlock()
	return fromNs(n + int64(d.calOffset))
}

// SetCalendar is exec `calendar set`: only the calendar changes.
func (d *Device) SetCalendar(t time.Time) {
	n := d.labNs()
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calOffset = time.Duration(t.UnixNano() - n)
}

// UpdateCalendar is `clock update-calendar`: the calendar takes the clock's time.
func (d *Device) UpdateCalendar() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calOffset = d.offset
}

// ReadCalendar is `clock read-calendar`: the clock takes the calendar's time
// and "hardware calendar" becomes the time source.
func (d *Device) ReadCalendar() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.offset = d.calOffset
	d.source = SourceCalendar
	if d.synced {
		d.synced, d.peer = false, ""
	}
}

// Source returns the time source as `show clock detail` names it
// (SourceNTP, SourceCalendar, SourceUser), or SourceNone.
func (d *Device) Source() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.source
}

// Synced reports whether the device is synchronised to an NTP server.
func (d *Device) Synced() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.synced
}

// Authoritative reports whether the clock is authoritative — what IOS PKI
// requires before it starts its timers: synchronised or once set by NTP, set
// by the user, or read from a calendar marked valid.
func (d *Device) Authoritative() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.authoritativeLocked()
}

func (d *Device) authoritativeLocked() bool {
	switch d.source {
	case SourceNTP, SourceUser:
		return true
	case SourceCalendar:
		return d.hasCalendar && d.calendarValid
	}
	return false
}

// prefixLocked is the `show clock` prefix: `*` not authoritative, `.`
// authoritative but NTP not synchronised, none otherwise.
func (d *Device) prefixLocked() string {
	switch {
	case !d.authoritativeLocked():
		return "*"
	case !d.synced && (len(d.ntp) > 0 || d.source == SourceNTP):
		return "."
	}
	return ""
}

// SetNTPServer is `ntp server ADDR`, adding the association or updating its
// reachability (whether the lab can reach a NTP service at addr). Once a
// reachable server has been polled for NTPSyncDelay the device is synchronised
// to lab time (offset 0, source NTP) by the timer NTPSyncTimer. A device whose
// peer becomes unreachable fails over to another synchronised server or loses
// sync at once (the clock stays authoritative: `.`).
func (d *Device) SetNTPServer(addr string, reachable bool) {
	n := d.labNs()
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.ntp) == 0 && d.ntpSince == 0 {
		d.ntpSince = n
	}
	var s *ntpServer
	for _, x := range d.ntp {
		if x.addr == addr {
			s = x
		}
	}
	if s == nil {
		s = &ntpServer{addr: addr, since: n, polled: n}
		d.ntp = append(d.ntp, s)
	} else if s.reachable != reachable {
		s.since, s.polled = n, n
	}
	s.reachable = reachable
	if !reachable && d.peer == addr {
		d.failoverLocked(n)
	}
	d.ensureSyncLocked(n)
}

// RemoveNTPServer is `no ntp server ADDR`.
func (d *Device) RemoveNTPServer(addr string) {
	n := d.labNs()
	d.mu.Lock()
	defer d.mu.Unlock()
	for i, s := range d.ntp {
		if s.addr == addr {
			d.ntp = append(d.ntp[:i:i], d.ntp[i+1:]...)
			break
		}
	}
	if len(d.ntp) == 0 {
		d.ntpSince = 0
	}
	if d.peer == addr {
		d.failoverLocked(n)
	}
	if !d.anyReachableLocked() {
		d.stopSyncLocked()
	}
	d.ensureSyncLocked(n)
}

// NTPServers returns the configured NTP server addresses in configuration order.
func (d *Device) NTPServers() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]string, len(d.ntp))
	for i, s := range d.ntp {
		out[i] = s.addr
	}
	return out
}

// SyncNow synchronises the device to a reachable configured server at once,
// skipping NTPSyncDelay (for a lab bringing itself to a prepared state). It
// reports whether it did.
func (d *Device) SyncNow() bool {
	n := d.labNs()
	d.mu.Lock()
	for _, s := range d.ntp {
		if s.reachable {
			if n-s.since < int64(NTPSyncDelay) {
				s.since = n - int64(NTPSyncDelay)
			}
			d.syncToLocked(s, n)
			d.stopSyncLocked()
			d.mu.Unlock()
			d.runSyncHooks()
			return true
		}
	}
	d.mu.Unlock()
	return false
}

func (d *Device) anyReachableLocked() bool {
	for _, s := range d.ntp {
		if s.reachable {
			return true
		}
	}
	return false
}

func (d *Device) syncToLocked(s *ntpServer, n int64) {
	d.synced, d.peer = true, s.addr
	d.offset = 0
	d.source = SourceNTP
	d.lastUpdate = n
}

// failoverLocked moves to another server that has been polled long enough, or
// loses sync.
func (d *Device) failoverLocked(n int64) {
	d.synced, d.peer = false, ""
	for _, s := range d.ntp {
		if s.reachable && n-s.since >= int64(NTPSyncDelay) {
			d.syncToLocked(s, n)
			return
		}
	}
}

func (d *Device) stopSyncLocked() {
	if d.syncTimer != nil {
		d.syncTimer.Stop()
		d.syncTimer = nil
	}
}

// ensureSyncLocked arms the sync timer for the earliest reachable server when
// the device is not synchronised.
func (d *Device) ensureSyncLocked(n int64) {
	if d.synced {
		d.stopSyncLocked()
		return
	}
	var due int64
	found := false
	for _, s := range d.ntp {
		if s.reachable {
			t := s.since + int64(NTPSyncDelay)
			if !found || t < due {
				due, found = t, true
			}
		}
	}
	if !found {
		d.stopSyncLocked()
		return
	}
	if due < n {
		due = n
	}
	if d.syncTimer != nil {
		d.syncTimer.Stop()
	}
	d.syncTimer = d.l.At(d.owner, NTPSyncTimer, fromNs(due), d.syncFired)
}

func (d *Device) syncFired() {
	n := d.labNs()
	d.mu.Lock()
	d.syncTimer = nil
	if d.synced {
		d.mu.Unlock()
		return
	}
	for _, s := range d.ntp {
		if s.reachable && n-s.since >= int64(NTPSyncDelay) {
			d.syncToLocked(s, n)
			d.mu.Unlock()
			d.runSyncHooks()
			return
		}
	}
	d.ensureSyncLocked(n)
	d.mu.Unlock()
}
