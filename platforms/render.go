package platforms

import (
	"fmt"
	"strings"
	"time"
)

// VersionState is the device state `show version` prints.
type VersionState struct {
	Hostname string
	// Uptime is preformatted by clock.FormatUptime ("1 day, 19 hours, 14 minutes").
	Uptime string
	// ProcessorUptime is IOS-XE's "Uptime for this control processor"; empty
	// means Uptime.
	ProcessorUptime string
	// LastReloadReason: "" means a cold start ("power-on" on IOS, "PowerOn" on
	// IOS-XE); "Reload Command" after `reload`.
	LastReloadReason string
	// ReloadedAt is when `reload` was issued; zero after a power-on.
	ReloadedAt time.Time
	// RestartedAt is the boot time ("System restarted at"); zero omits the line.
	RestartedAt time.Time
	// ConfigRegister is the running value; "" means the profile's.
	ConfigRegister string
	// NextConfigRegister, when set and different, adds "(will be X at next reload)".
	NextConfigRegister string
	// Now is the device's current time; its Location is the device's time
	// zone (clock timezone) used for the times above.
	Now time.Time
}

const techSupport = "Technical Support: http://www.cisco.com/techsupport"

var exportNotice = []string{
	"This product contains cryptographic features and is subject to United",
	"States and local country laws governing import, export, transfer and",
	"use. Delivery of Cisco cryptographic products does not imply",
	"third-party authority to import, export, distribute or use encryption.",
	"Importers, exporters, distributors and users are responsible for",
	"compliance with U.S. and local country laws. By using this product you",
	"agree to comply with applicable laws and regulations. If you are unable",
	"to comply with U.S. and local laws, return this product immediately.",
	"",
	"A summary of U.S. laws governing Cisco cryptographic products may be found at:",
	"http://www.cisco.com/wwl/export/crypto/tool/stqrg.html",
	"",
	"If you require further assistance please contact us by sending email to",
	"export@cisco.com.",
}

var gplNotice = []string{
	"All rights reserved.  Certain components of Cisco IOS-XE software are",
	"licensed under the GNU General Public License (\"GPL\") Version 2.0.  The",
	"software code licensed under GPL Version 2.0 is free software that comes",
	"with ABSOLUTELY NO WARRANTY.  You can redistribute and/or modify such",
	"GPL code under the terms of GPL Version 2.0.  For more details, see the",
	"documentation or \"License Notice\" file accompanying the IOS-XE software,",
	"or the applicable URL provided on the flyer accompanying the IOS-XE",
	"software.",
}

// iosTime formats "07:43:25 CET Mon Mar 12 2018".
func iosTime(t time.Time, loc *time.Location) string {
	if loc != nil {
		t = t.In(loc)
	}
	return t.Format("15:04:05 MST Mon Jan 2 2006")
}

// ShowVersion renders `show version` in the family's real layout, with "\n"
// line endings.
func (p *Profile) ShowVersion(id Identity, st VersionState) string {
	var w lines
	loc := st.Now.Location()
	if st.Now.IsZero() {
		loc = time.UTC
	}
	host := st.Hostname
	if host == "" {
		host = "Router"
	}
	uptime := st.Uptime
	if uptime == "" {
		uptime = "0 minutes"
	}
	cr := st.ConfigRegister
	if cr == "" {
		cr = p.ConfigRegister
	}
	reason := st.LastReloadReason

	if p.IsXE() {
		w.add(fmt.Sprintf("Cisco IOS XE Software, Version %s - %s", p.XEVersion, p.XERelease))
	}
	w.add(fmt.Sprintf("Cisco IOS Software, %s, Version %s, RELEASE SOFTWARE (%s)", p.SoftwareLine, p.Version, p.FC))
	w.add(techSupport)
	w.add(fmt.Sprintf("Copyright (c) 1986-%d by Cisco Systems, Inc.", p.CopyrightYear))
	w.add("Compiled " + p.Compiled)
	w.add("")
	if p.IsXE() {
		w.add("")
		w.add(fmt.Sprintf("Cisco IOS-XE software, Copyright (c) 2005-%d by cisco Systems, Inc.", p.CopyrightYear))
		w.add(gplNotice...)
		w.add("", "")
	}
	w.add("ROM: " + p.ROM)
	w.add("")
	w.add(host + " uptime is " + uptime)
	if p.IsXE() {
		pu := st.ProcessorUptime
		if pu == "" {
			pu = uptime
		}
		w.add("Uptime for this control processor is " + pu)
	}
	switch {
	case p.IsXE() && !st.ReloadedAt.IsZero() && !p.NoRestartLine:
		w.add("System returned to ROM by " + reloadWord(reason) + " at " + iosTime(st.ReloadedAt, loc))
	case p.IsXE():
		w.add("System returned to ROM by reload")
	case reason == "" || strings.EqualFold(reason, "power-on"):
		w.add("System returned to ROM by power-on")
	case !st.ReloadedAt.IsZero():
		w.add("System returned to ROM by reload at " + iosTime(st.ReloadedAt, loc))
	default:
		w.add("System returned to ROM by reload")
	}
	if !st.RestartedAt.IsZero() && !p.NoRestartLine {
		w.add("System restarted at " + iosTime(st.RestartedAt, loc))
	}
	w.add(fmt.Sprintf("System image file is %q", p.Image))
	if reason == "" {
		reason = "power-on"
		if p.IsXE() {
			reason = "PowerOn"
		}
	}
	if !p.IsXE() {
		w.add("Last reload type: Normal Reload")
	}
	w.add("Last reload reason: " + reason)
	w.add("", "", "")
	w.add(exportNotice...)
	w.add("")
	if p.IsXE() {
		if len(p.LicenseLines) > 0 {
			w.add(p.LicenseLines...)
			w.add("")
		}
	}
	w.add(fmt.Sprintf("%s %s %s with %s bytes of memory.", ciscoWord(p), p.Model, p.Processor, p.Memory))
	w.add("Processor board ID " + id.ProcessorBoardID)
	w.add(p.HardwareLines...)
	w.add(p.StorageLines...)
	if !p.IsXE() && p.Name == "ISR-G2" {
		w.add("", "")
		w.add(p.classicLicense(id)...)
	}
	w.add("")
	crLine := "Configuration register is " + cr
	if st.NextConfigRegister != "" && !strings.EqualFold(st.NextConfigRegister, cr) {
		crLine += " (will be " + st.NextConfigRegister + " at next reload)"
	}
	w.add(crLine)
	return w.String()
}

// ciscoWord is "Cisco" on classic IOS and "cisco" on IOS-XE, as each prints
// its processor line.
func ciscoWord(p *Profile) string {
	if p.IsXE() {
		return "cisco"
	}
	return "Cisco"
}

func reloadWord(reason string) string {
	if reason == "" {
		return "reload"
	}
	return reason
}

// classicLicense renders the ISR G2 license UDI and technology package block.
func (p *Profile) classicLicense(id Identity) []string {
	return []string{
		"License Info:",
		"",
		"License UDI:",
		"",
		"-------------------------------------------------",
		"Device#   PID                   SN",
		"-------------------------------------------------",
		fmt.Sprintf("*1        %-22s%s", p.PID, id.Serial),
		"",
		"",
		"",
		"Technology Package License Information for Module:'c2900'",
		"",
		"------------------------------------------------------------------------",
		"Technology    Technology-package                  Technology-package",
		"              Current              Type           Next reboot",
		"------------------------------------------------------------------------",
		"ipbase        ipbasek9             Permanent      ipbasek9",
		"security      securityk9           Permanent      securityk9",
		"uc            None                 None           None",
		"data          None                 None           None",
		"NtwkEss       None                 None           None",
		"CollabPro     None                 None           None",
	}
}

// ShowInventory renders `show inventory`, with "\n" line endings.
func (p *Profile) ShowInventory(id Identity) string {
	var b strings.Builder
	vidWidth := 4
	if p.IsXE() {
		vidWidth = 5
	}
	for _, it := range p.Inventory {
		sn := id.ModuleSerials[it.Name]
		fmt.Fprintf(&b, "NAME: %q, DESCR: %q\n", it.Name, it.Descr)
		fmt.Fprintf(&b, "PID: %-18s, VID: %-*s, SN: %-11s\n\n", it.PID, vidWidth, it.VID, sn)
	}
	return b.String()
}

type lines struct{ l []string }

func (w *lines) add(s ...string) { w.l = append(w.l, s...) }

func (w *lines) String() string { return strings.Join(w.l, "\n") + "\n" }
