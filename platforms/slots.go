package platforms

import (
	"fmt"
	"strings"
)

// Slot is one line of IOS-XE `show platform`, derived from the inventory.
type Slot struct {
	Slot, Type, State string
}

// Slots lists the chassis slots `show platform` shows on IOS-XE: modules by
// slot number, subslots indented under them, the route and forwarding
// processors active, power supplies as P0, P1, and the fan tray after them.
// Classic IOS has no such command: nil.
func (p *Profile) Slots() []Slot {
	if !p.IsXE() {
		return nil
	}
	// Modules and their subslots first, then the processors, then power
	// and fans, as IOS-XE lists them.
	var out, rp, pwr []Slot
	psus := 0
	for _, it := range p.Inventory {
		switch {
		case strings.HasPrefix(it.Name, "module R"), strings.HasPrefix(it.Name, "module F"):
			rp = append(rp, Slot{strings.TrimPrefix(it.Name, "module "), it.PID, "ok, active"})
		case strings.HasPrefix(it.Name, "module "):
			out = append(out, Slot{strings.TrimPrefix(it.Name, "module "), it.PID, "ok"})
		case strings.Contains(it.Name, "subslot "):
			_, sub, _ := strings.Cut(it.Name, "subslot ")
			out = append(out, Slot{" " + sub, it.PID, "ok"})
		case strings.HasPrefix(it.Name, "Power Supply Module "):
			pwr = append(pwr, Slot{"P" + strings.TrimPrefix(it.Name, "Power Supply Module "), it.PID, "ok"})
			psus++
		case it.Name == "Fan Tray":
			pwr = append(pwr, Slot{fmt.Sprintf("P%d", max(psus, 1)+1), it.PID, "ok"})
		}
	}
	return append(append(out, rp...), pwr...)
}

// License is one feature of `show license`.
type License struct {
	Feature  string
	Type     string // "Permanent", "EvalRightToUse"
	Active   bool
	Priority string // "Medium", "None"
}

// licenses are the features each family's image carries, as its `show
// version` technology-package block shows them: the permanent ones active
// and in use, the others evaluation licenses never activated.
var licenses = map[string][]License{
	"ISR-G2": {
		{"ipbasek9", "Permanent", true, "Medium"},
		{"securityk9", "Permanent", true, "Medium"},
		{"uck9", "EvalRightToUse", false, "None"},
		{"datak9", "EvalRightToUse", false, "None"},
		{"gatekeeper", "EvalRightToUse", false, "None"},
		{"SSL_VPN", "EvalRightToUse", false, "None"},
	},
	"ISR-4K": {
		{"appxk9", "EvalRightToUse", false, "None"},
		{"uck9", "EvalRightToUse", false, "None"},
		{"securityk9", "Permanent", true, "Medium"},
		{"ipbasek9", "Permanent", true, "Medium"},
		{"FoundationSuiteK9", "EvalRightToUse", false, "None"},
		{"AdvUCSuiteK9", "EvalRightToUse", false, "None"},
		{"cme-srst", "EvalRightToUse", false, "None"},
	},
	"ASR1k": {
		{"adventerprise", "Permanent", true, "Medium"},
		{"advipservices", "EvalRightToUse", false, "None"},
		{"ipbase", "EvalRightToUse", false, "None"},
	},
	"CSR1k": {
		{"ax", "EvalRightToUse", true, "None"},
		{"appx", "EvalRightToUse", false, "None"},
		{"ipbase", "EvalRightToUse", false, "None"},
	},
}

// Licenses returns the platform's license features; nil on ISR G1, whose
// 12.4 image has no licensing.
func (p *Profile) Licenses() []License { return append([]License(nil), licenses[p.Name]...) }

// ShowLicense renders `show license`. Classic IOS 15.x indents the fields
// with a tab; IOS-XE 3.x with eight spaces.
func (p *Profile) ShowLicense() string {
	ind := "\t"
	if p.IsXE() {
		ind = "        "
	}
	var b strings.Builder
	for n, l := range p.Licenses() {
		fmt.Fprintf(&b, "Index %d Feature: %-30s\n", n+1, l.Feature)
		if l.Type == "Permanent" {
			fmt.Fprintf(&b, "%sPeriod left: Life time\n", ind)
		} else {
			fmt.Fprintf(&b, "%sPeriod left: Not Activated\n%sPeriod Used: 0  minute  0  second  \n", ind, ind)
		}
		fmt.Fprintf(&b, "%sLicense Type: %s\n", ind, l.Type)
		switch {
		case l.Active:
			fmt.Fprintf(&b, "%sLicense State: Active, In Use\n", ind)
		default:
			fmt.Fprintf(&b, "%sLicense State: Not in Use, EULA not accepted\n", ind)
		}
		fmt.Fprintf(&b, "%sLicense Count: Non-Counted\n%sLicense Priority: %s\n", ind, ind, l.Priority)
	}
	return b.String()
}

// RestartBanner is the software banner IOS logs under %SYS-5-RESTART at
// boot: the image's name, version, support URL, copyright and build lines,
// as `show version` begins.
func (p *Profile) RestartBanner() []string {
	return []string{
		fmt.Sprintf("Cisco IOS Software, %s, Version %s, RELEASE SOFTWARE (%s)", p.SoftwareLine, p.Version, p.FC),
		techSupport,
		fmt.Sprintf("Copyright (c) 1986-%d by Cisco Systems, Inc.", p.CopyrightYear),
		"Compiled " + p.Compiled,
	}
}
