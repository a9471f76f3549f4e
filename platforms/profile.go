package platforms

import (
	"fmt"
	"strings"
	"time"
)

// Family is the software family, which decides the layout of show commands.
type Family int

const (
	// ClassicIOS is monolithic IOS 15.x (ISR G1/G2).
	ClassicIOS Family = iota
	// IOSXE is IOS-XE 3.x (IOSd 15.x on Linux): ISR 4K, ASR 1k, CSR 1000V.
	IOSXE
)

// Interface is one built-in interface.
type Interface struct {
	Name       string // "GigabitEthernet0/0/0"
	Short      string // "Gi0/0/0"
	Hardware   string // `show interfaces` "Hardware is ..." text
	Bandwidth  int    // kbit/s
	Media      string // default "media type is ..." text ("RJ45", "Virtual"); "" when IOS prints none
	MTU        int
	Management bool // out-of-band management port (GigabitEthernet0 in vrf Mgmt-intf)
}

// InventoryItem is one `show inventory` entry. Serial is filled from the
// device's Identity (Identity.ModuleSerials[Name]); an entry with SerialPrefix
// "" has no serial number, as on a real device.
type InventoryItem struct {
	Name, Descr, PID, VID string
	SerialPrefix          string // "=chassis" uses the chassis serial
}

// File is a file a platform's flash holds from the factory.
type File struct {
	Name string
	Size int64
}

// xePackages are the sub-packages of an ISR 4000 or ASR 1000 release
// expanded on bootflash (the seven that Cisco's software configuration
// guides list: RPBase, RPControl, RPAccess, RPIOS, ESPBase, SIPBase,
// SIPSPA; sizes in the alphabetical order of their names, as dir lists
// them) and the provisioning file packages.conf is a copy of.
func xePackages(prefix, suffix string, sizes []int64, conf int64) []File {
	names := []string{"espbase", "rpaccess", "rpbase", "rpcontrol", "rpios-universalk9", "sipbase", "sipspa"}
	out := []File{{prefix + "-packages-universalk9." + xeVersion + "." + xeIOSFile + ".conf", conf}}
	for i, n := range names {
		out = append(out, File{prefix + "-" + n + "." + xeVersion + "." + xeIOSFile + suffix, sizes[i]})
	}
	return out
}

// Profile is the data of one platform.
type Profile struct {
	Name      string   // "ISR-G1", "ISR-G2", "ISR-4K", "ASR1k", "CSR1k"
	Aliases   []string // other accepted names: models and PIDs
	Family    Family
	Model     string // as `show version` prints it: "2811", "CISCO2911/K9", "ISR4331/K9", "ASR1001-X", "CSR1000V"
	PID       string // chassis product ID in `show inventory`
	Version   string // IOS version "15.1(4)M" / "15.5(2)S"
	XEVersion string // "03.15.00.S" on IOS-XE, "" on classic IOS
	XERelease string // "Standard Support Release"
	Image     string // System image file, e.g. "flash:c2800nm-adventerprisek9-mz.151-4.M.bin"
	ImageSize int64  // bytes of the image file (for a sparse placeholder in flash)

	// BootFiles are the other files the running software is made of on
	// flash: an IOS-XE router booted from packages.conf (Image) runs the
	// sub-packages it lists, and keeps the provisioning file it was
	// expanded with.
	BootFiles []File

	Flash     string // "flash" or "bootflash"
	FlashSize int64  // bytes
	// FlashPrimary is the name IOS gives Flash first where it has two: an
	// ISR G2's compact flash is flash0:, and flash: is its alias. Empty:
	// Flash is the only name.
	FlashPrimary string
	NVRAMSize    int64 // bytes

	// HasCalendar reports a battery-backed hardware calendar (`show calendar`,
	// `clock calendar-valid`, `clock update-calendar`). See the per-profile
	// comments for the evidence.
	HasCalendar bool

	Interfaces     []Interface
	ConfigRegister string // "0x2102"

	// show version details.
	SoftwareLine  string // "2800 Software (C2800NM-ADVENTERPRISEK9-M)"
	FC            string // "fc1"
	CopyrightYear int    // last year of "Copyright (c) 1986-YYYY"
	Compiled      string // "Thu 24-Mar-11 14:26 by prod_rel_team"
	ROM           string // "System Bootstrap, Version 12.4(13r)T, RELEASE SOFTWARE (fc1)" or "IOS-XE ROMMON"
	Processor     string // between "cisco MODEL " and " with": "(revision 53.51)", "(1RU) processor"
	Memory        string // "249856K/12288K"
	HardwareLines []string
	StorageLines  []string
	LicenseLines  []string // license block after the export notice (XE) or after storage (classic)
	// NoRestartLine drops "System restarted at" (CSR 1000V prints none).
	NoRestartLine bool
	// BootTime is how long the router takes from "System returned to ROM"
	// to "System restarted" (IOS-XE: ISR4451 3m32s, ASR1001 7m11s in the
	// show version captures); classic IOS shows no reload instant.
	BootTime time.Duration
	// NoAux: the platform has no auxiliary port, so no `line aux 0` and vty 0
	// is absolute line 1 (the CSR 1000V is a virtual machine).
	NoAux bool

	// Identity.
	SerialPrefix string // manufacturing site of the chassis serial ("FTX"); "" = 11 random characters (CSR)
	SerialYear   [2]int // range of the serial's year field (year-1996)
	MACPrefix    string // OUI "0019.aa"
	Inventory    []InventoryItem
}

// IsXE reports an IOS-XE profile.
func (p *Profile) IsXE() bool { return p.Family == IOSXE }

// Clone returns a deep copy.
func (p *Profile) Clone() *Profile {
	c := *p
	c.Aliases = append([]string(nil), p.Aliases...)
	c.Interfaces = append([]Interface(nil), p.Interfaces...)
	c.HardwareLines = append([]string(nil), p.HardwareLines...)
	c.StorageLines = append([]string(nil), p.StorageLines...)
	c.LicenseLines = append([]string(nil), p.LicenseLines...)
	c.Inventory = append([]InventoryItem(nil), p.Inventory...)
	return &c
}

// Lookup returns a copy of the profile named name: a profile name ("ISR-G2"),
// a model ("2811", "CISCO2911") or a PID ("ISR4331/K9"), case-insensitively.
func Lookup(name string) (*Profile, error) {
	n := strings.TrimSpace(name)
	for _, p := range profiles {
		if strings.EqualFold(n, p.Name) {
			return p.Clone(), nil
		}
		for _, a := range p.Aliases {
			if strings.EqualFold(n, a) {
				return p.Clone(), nil
			}
		}
	}
	var valid []string
	for _, p := range profiles {
		valid = append(valid, p.Name)
		valid = append(valid, p.Aliases...)
	}
	return nil, fmt.Errorf("platforms: unknown platform %q (valid: %s)", name, strings.Join(valid, ", "))
}

// All returns copies of every profile in the seed lab's order.
func All() []*Profile {
	out := make([]*Profile, len(profiles))
	for i, p := range profiles {
		out[i] = p.Clone()
	}
	return out
}

const kib = 1024

// XE 3.15.0S = IOSd 15.5(2)S, one release for all three XE platforms.
const (
	xeVersion   = "03.15.00.S"
	xeRelease   = "Standard Support Release"
	xeIOS       = "15.5(2)S"
	xeIOSFile   = "155-2.S-std" // xeIOS as image file names spell it
	xeCompiled  = "Sun 22-Mar-15 01:36 by mcpre"
	xeCopyright = 2015
)

var profiles = []*Profile{isrG1, isrG2, isr4k, asr1k, csr1k}

// isrG1: Cisco 2811, IOS 15.1(4)M (last train for the 2800). Layout and values
// from a real 2811 15.1(4)M `show version`/`show inventory` and the 12.4(24)T2
// capture. HasCalendar: the 2800 series has a battery-backed calendar
// (`show calendar`, `clock calendar-valid` are documented for ISRs).
var isrG1 = &Profile{
	Name:           "ISR-G1",
	Aliases:        []string{"2811", "CISCO2811"},
	Family:         ClassicIOS,
	Model:          "2811",
	PID:            "CISCO2811",
	Version:        "15.1(4)M",
	Image:          "flash:c2800nm-adventerprisek9-mz.151-4.M.bin",
	ImageSize:      59436188,
	Flash:          "flash",
	FlashSize:      62720 * kib,
	NVRAMSize:      245752,
	HasCalendar:    true,
	ConfigRegister: "0x2102",
	SoftwareLine:   "2800 Software (C2800NM-ADVENTERPRISEK9-M)",
	FC:             "fc1",
	CopyrightYear:  2011,
	Compiled:       "Thu 24-Mar-11 14:26 by prod_rel_team",
	ROM:            "System Bootstrap, Version 12.4(13r)T, RELEASE SOFTWARE (fc1)",
	Processor:      "(revision 53.51)",
	Memory:         "249856K/12288K",
	HardwareLines: []string{
		"2 FastEthernet interfaces",
		"1 Virtual Private Network (VPN) Module",
		"DRAM configuration is 64 bits wide with parity enabled.",
	},
	StorageLines: []string{
		"239K bytes of non-volatile configuration memory.",
		"62720K bytes of ATA CompactFlash (Read/Write)",
	},
	Interfaces: []Interface{
		{Name: "FastEthernet0/0", Short: "Fa0/0", Hardware: "MV96340 Ethernet", Bandwidth: 100000, MTU: 1500},
		{Name: "FastEthernet0/1", Short: "Fa0/1", Hardware: "MV96340 Ethernet", Bandwidth: 100000, MTU: 1500},
	},
	SerialPrefix: "FTX",
	SerialYear:   [2]int{11, 14},
	MACPrefix:    "0019.aa",
	Inventory: []InventoryItem{
		{Name: "2811 chassis", Descr: "2811 chassis", PID: "CISCO2811", VID: "V04", SerialPrefix: "=chassis"},
	},
}

// isrG2: Cisco 2911, IOS 15.4(3)M. Layout from the 2901 15.4(3)M1 and 1941
// 15.1(4)M8 captures (license UDI and technology package blocks).
// HasCalendar: ISR G2 has a battery-backed calendar.
var isrG2 = &Profile{
	Name:           "ISR-G2",
	Aliases:        []string{"2911", "CISCO2911", "CISCO2911/K9"},
	Family:         ClassicIOS,
	Model:          "CISCO2911/K9",
	PID:            "CISCO2911/K9",
	Version:        "15.4(3)M",
	Image:          "flash0:c2900-universalk9-mz.SPA.154-3.M.bin",
	ImageSize:      97794040,
	Flash:          "flash",
	FlashPrimary:   "flash0",
	FlashSize:      250880 * kib,
	NVRAMSize:      262136,
	HasCalendar:    true,
	ConfigRegister: "0x2102",
	SoftwareLine:   "C2900 Software (C2900-UNIVERSALK9-M)",
	FC:             "fc1",
	CopyrightYear:  2014,
	Compiled:       "Thu 26-Jun-14 08:46 by prod_rel_team",
	ROM:            "System Bootstrap, Version 15.0(1r)M15, RELEASE SOFTWARE (fc1)",
	Processor:      "(revision 1.0)",
	Memory:         "487424K/36864K",
	HardwareLines: []string{
		"3 Gigabit Ethernet interfaces",
		"1 terminal line",
		"1 Virtual Private Network (VPN) Module",
		"DRAM configuration is 64 bits wide with parity enabled.",
	},
	StorageLines: []string{
		"255K bytes of non-volatile configuration memory.",
		"250880K bytes of ATA System CompactFlash 0 (Read/Write)",
	},
	// LicenseLines is rendered by classicLicense (needs the serial).
	Interfaces: []Interface{
		{Name: "GigabitEthernet0/0", Short: "Gi0/0", Hardware: "CN Gigabit Ethernet", Bandwidth: 1000000, Media: "RJ45", MTU: 1500},
		{Name: "GigabitEthernet0/1", Short: "Gi0/1", Hardware: "CN Gigabit Ethernet", Bandwidth: 1000000, Media: "RJ45", MTU: 1500},
		{Name: "GigabitEthernet0/2", Short: "Gi0/2", Hardware: "CN Gigabit Ethernet", Bandwidth: 1000000, Media: "RJ45", MTU: 1500},
	},
	SerialPrefix: "FTX",
	SerialYear:   [2]int{17, 19},
	MACPrefix:    "5475.d0",
	Inventory: []InventoryItem{
		{Name: "CISCO2911/K9 chassis", Descr: "CISCO2911/K9 chassis", PID: "CISCO2911/K9", VID: "V07", SerialPrefix: "=chassis"},
		{Name: "C2911 AC Power Supply", Descr: "C2911 AC Power Supply", PID: "PWR-2911-AC", VID: "V04", SerialPrefix: "DCA"},
	},
}

// isr4k: ISR4331/K9, IOS-XE 3.15.0S. Layout from the ISR4451 16.6 and CSR
// 3.15.0S captures and the ISR4331 hardware block. HasCalendar: the ISR 4000
// route processor has a hardware RTC; `show calendar` and `clock
// calendar-valid` exist on IOS-XE hardware platforms.
var isr4k = &Profile{
	Name:           "ISR-4K",
	BootTime:       3*time.Minute + 32*time.Second,
	Aliases:        []string{"4331", "ISR4331", "ISR4331/K9"},
	Family:         IOSXE,
	Model:          "ISR4331/K9",
	PID:            "ISR4331/K9",
	Version:        xeIOS,
	XEVersion:      xeVersion,
	XERelease:      xeRelease,
	Image:          "bootflash:packages.conf",
	ImageSize:      7158,
	BootFiles:      xePackages("isr4300", ".SPA.pkg", []int64{84472492, 11358864, 39821968, 35210892, 197650568, 38113428, 12004500}, 7158),
	Flash:          "bootflash",
	FlashSize:      3207167 * kib,
	NVRAMSize:      32768 * kib,
	HasCalendar:    true,
	ConfigRegister: "0x2102",
	SoftwareLine:   "ISR Software (X86_64_LINUX_IOSD-UNIVERSALK9-M)",
	FC:             "fc3",
	CopyrightYear:  xeCopyright,
	Compiled:       xeCompiled,
	ROM:            "IOS-XE ROMMON",
	Processor:      "(1RU) processor",
	Memory:         "1687137K/6147K",
	HardwareLines:  []string{"3 Gigabit Ethernet interfaces"},
	StorageLines: []string{
		"32768K bytes of non-volatile configuration memory.",
		"4194304K bytes of physical memory.",
		"3207167K bytes of flash memory at bootflash:.",
	},
	LicenseLines: []string{
		"",
		"Technology Package License Information: ",
		"",
		"-----------------------------------------------------------------",
		"Technology    Technology-package           Technology-package",
		"              Current       Type           Next reboot  ",
		"------------------------------------------------------------------",
		"appx             None             None             None",
		"uc               None             None             None",
		"security         securityk9       Permanent        securityk9",
		"ipbase           ipbasek9         Permanent        ipbasek9",
	},
	Interfaces: []Interface{
		{Name: "GigabitEthernet0/0/0", Short: "Gi0/0/0", Hardware: "ISR4331-3x1GE", Bandwidth: 1000000, Media: "RJ45", MTU: 1500},
		{Name: "GigabitEthernet0/0/1", Short: "Gi0/0/1", Hardware: "ISR4331-3x1GE", Bandwidth: 1000000, Media: "RJ45", MTU: 1500},
		{Name: "GigabitEthernet0/0/2", Short: "Gi0/0/2", Hardware: "ISR4331-3x1GE", Bandwidth: 1000000, Media: "RJ45", MTU: 1500},
		{Name: "GigabitEthernet0", Short: "Gi0", Hardware: "RP management port", Bandwidth: 1000000, Media: "RJ45", MTU: 1500, Management: true},
	},
	SerialPrefix: "FDO",
	SerialYear:   [2]int{19, 21},
	MACPrefix:    "00a3.8e",
	Inventory: []InventoryItem{
		{Name: "Chassis", Descr: "Cisco ISR4331 Chassis", PID: "ISR4331/K9", VID: "V04", SerialPrefix: "=chassis"},
		{Name: "Power Supply Module 0", Descr: "250W AC Power Supply for Cisco ISR 4330", PID: "PWR-4330-AC", VID: "V02", SerialPrefix: "PST"},
		{Name: "Fan Tray", Descr: "Cisco ISR4330 Fan Assembly", PID: "ACS-4330-FANASSY"},
		{Name: "module 0", Descr: "Cisco ISR4331 Built-In NIM controller", PID: "ISR4331/K9"},
		{Name: "NIM subslot 0/0", Descr: "Front Panel 3 ports Gigabitethernet Module", PID: "ISR4331-3x1GE", VID: "V01"},
		{Name: "module 1", Descr: "Cisco ISR4331 Built-In SM controller", PID: "ISR4331/K9"},
		{Name: "module R0", Descr: "Cisco ISR4331 Route Processor", PID: "ISR4331/K9", VID: "V04", SerialPrefix: "FDO"},
		{Name: "module F0", Descr: "Cisco ISR4331 Forwarding Processor", PID: "ISR4331/K9"},
	},
}

// asr1k: ASR1001-X, IOS-XE 3.15.0S. Layout from the ASR1001 3.9.1S capture
// (license lines) and the ASR1001-X 17.5 capture (processor, interfaces,
// storage). HasCalendar: the ASR 1000 RP has a hardware calendar.
var asr1k = &Profile{
	Name:           "ASR1k",
	BootTime:       7*time.Minute + 11*time.Second,
	Aliases:        []string{"ASR1001-X", "ASR1001X", "ASR1000"},
	Family:         IOSXE,
	Model:          "ASR1001-X",
	PID:            "ASR1001-X",
	Version:        xeIOS,
	XEVersion:      xeVersion,
	XERelease:      xeRelease,
	Image:          "bootflash:packages.conf",
	ImageSize:      6746,
	BootFiles:      xePackages("asr1001x", ".SPA.pkg", []int64{103781580, 14324436, 44652364, 42518252, 206102276, 48640748, 21770988}, 6746),
	Flash:          "bootflash",
	FlashSize:      6070271 * kib,
	NVRAMSize:      32768 * kib,
	HasCalendar:    true,
	ConfigRegister: "0x2102",
	SoftwareLine:   "ASR1000 Software (X86_64_LINUX_IOSD-UNIVERSALK9-M)",
	FC:             "fc3",
	CopyrightYear:  xeCopyright,
	Compiled:       xeCompiled,
	ROM:            "IOS-XE ROMMON",
	Processor:      "(1NG) processor (revision 1NG)",
	Memory:         "3746359K/6147K",
	HardwareLines:  []string{"6 Gigabit Ethernet interfaces", "2 Ten Gigabit Ethernet interfaces"},
	StorageLines: []string{
		"32768K bytes of non-volatile configuration memory.",
		"8388608K bytes of physical memory.",
		"6070271K bytes of eUSB flash at bootflash:.",
	},
	LicenseLines: []string{
		"License Level: adventerprise",
		"License Type: Permanent",
		"Next reload license Level: adventerprise",
	},
	Interfaces: append(append(
		asrPorts("GigabitEthernet0/0/", "Gi0/0/", 6, 1000000),
		asrPorts("TenGigabitEthernet0/1/", "Te0/1/", 2, 10000000)...),
		Interface{Name: "GigabitEthernet0", Short: "Gi0", Hardware: "RP management port", Bandwidth: 1000000, Media: "RJ45", MTU: 1500, Management: true}),
	SerialPrefix: "FXS",
	SerialYear:   [2]int{19, 21},
	MACPrefix:    "00c8.8b",
	Inventory: []InventoryItem{
		{Name: "Chassis", Descr: "Cisco ASR1001-X Chassis", PID: "ASR1001-X", VID: "V07", SerialPrefix: "=chassis"},
		{Name: "Power Supply Module 0", Descr: "Cisco ASR1001-X AC Power Supply", PID: "ASR1001-X-PWR-AC", VID: "V01", SerialPrefix: "ART"},
		{Name: "Power Supply Module 1", Descr: "Cisco ASR1001-X AC Power Supply", PID: "ASR1001-X-PWR-AC", VID: "V01", SerialPrefix: "ART"},
		{Name: "module 0", Descr: "Cisco ASR1001-X SPA Interface Processor", PID: "ASR1001-X"},
		{Name: "SPA subslot 0/0", Descr: "6-port Built-in GE SPA", PID: "BUILT-IN-6X1GE", VID: "N/A"},
		{Name: "SPA subslot 0/1", Descr: "2-port Built-in TenGE SPA", PID: "BUILT-IN-2T", VID: "N/A"},
		{Name: "module R0", Descr: "Cisco ASR1001-X Route Processor", PID: "ASR1001-X", VID: "V07", SerialPrefix: "JAE"},
		{Name: "module F0", Descr: "Cisco ASR1001-X Embedded Services Processor", PID: "ASR1001-X"},
	},
}

// csr1k: CSR1000V, IOS-XE 3.15.0S. show version is modelled on a real CSR1000V
// 03.15.00.S output (license "ax", "Default. No valid license found.",
// "virtual hard disk at bootflash:", no "System restarted at" line);
// show inventory on a real CSR1000V listing.
//
// HasCalendar: false. The CSR 1000V is a virtual machine without a
// battery-backed calendar of its own; IOS-XE takes its time from the
// hypervisor at boot, and Cisco's CSR 1000V guides tell users to keep time
// with NTP. No public CSR output of `show calendar` or `clock calendar-valid`
// was found to the contrary, so here the calendar is absent and only NTP (or
// `clock set`) sets the clock; `clock calendar-valid` does not make it
// authoritative.
var csr1k = &Profile{
	Name:      "CSR1k",
	Aliases:   []string{"CSR1000V", "CSR1000v", "CSR"},
	Family:    IOSXE,
	Model:     "CSR1000V",
	PID:       "CSR1000V",
	Version:   xeIOS,
	XEVersion: xeVersion,
	XERelease: xeRelease,
	Image:     "bootflash:packages.conf",
	ImageSize: 4962,
	// The CSR's release is one package for the route processor's IOS and
	// its boot package (the 3.x and 16.x CSR installs list these two).
	BootFiles: []File{
		{"csr1000v-mono-universalk9." + xeVersion + "." + xeIOSFile + ".SPA.pkg", 333287624},
		{"csr1000v-packages-universalk9." + xeVersion + "." + xeIOSFile + ".conf", 4962},
		{"csr1000v-rpboot." + xeVersion + "." + xeIOSFile + ".SPA.pkg", 27578112},
	},
	Flash:          "bootflash",
	FlashSize:      7774207 * kib,
	NVRAMSize:      32768 * kib,
	HasCalendar:    false,
	ConfigRegister: "0x2102",
	SoftwareLine:   "CSR1000V Software (X86_64_LINUX_IOSD-UNIVERSALK9-M)",
	FC:             "fc3",
	CopyrightYear:  xeCopyright,
	Compiled:       xeCompiled,
	ROM:            "IOS-XE ROMMON",
	Processor:      "(VXE) processor (revision VXE)",
	Memory:         "2067410K/6147K",
	HardwareLines:  []string{"3 Gigabit Ethernet interfaces"},
	StorageLines: []string{
		"32768K bytes of non-volatile configuration memory.",
		"3988316K bytes of physical memory.",
		"7774207K bytes of virtual hard disk at bootflash:.",
	},
	LicenseLines: []string{
		"License Level: ax",
		"License Type: Default. No valid license found.",
		"Next reload license Level: ax",
	},
	NoRestartLine: true,
	NoAux:         true,
	Interfaces: []Interface{
		{Name: "GigabitEthernet1", Short: "Gi1", Hardware: "CSR vNIC", Bandwidth: 1000000, Media: "Virtual", MTU: 1500},
		{Name: "GigabitEthernet2", Short: "Gi2", Hardware: "CSR vNIC", Bandwidth: 1000000, Media: "Virtual", MTU: 1500},
		{Name: "GigabitEthernet3", Short: "Gi3", Hardware: "CSR vNIC", Bandwidth: 1000000, Media: "Virtual", MTU: 1500},
	},
	SerialPrefix: "",
	MACPrefix:    "000c.29",
	Inventory: []InventoryItem{
		{Name: "Chassis", Descr: "Cisco CSR1000V Chassis", PID: "CSR1000V", VID: "V00", SerialPrefix: "=chassis"},
		{Name: "module R0", Descr: "Cisco CSR1000V Route Processor", PID: "CSR1000V", VID: "V00", SerialPrefix: "JAB"},
		{Name: "module F0", Descr: "Cisco CSR1000V Embedded Services Processor", PID: "CSR1000V"},
	},
}

func asrPorts(prefix, short string, n, bw int) []Interface {
	var out []Interface
	media := "RJ45"
	if bw > 1000000 {
		media = "" // pluggable optics: no module modelled
	}
	for i := range n {
		out = append(out, Interface{
			Name: fmt.Sprintf("%s%d", prefix, i), Short: fmt.Sprintf("%s%d", short, i),
			Hardware: "BUILT-IN-2T+6X1GE", Bandwidth: bw, Media: media, MTU: 1500,
		})
	}
	return out
}
