// Package device is one emulated router: its configuration as state, the
// writers that render running-config from it, its nvram and flash, its clock,
// its sessions and its syslog buffer, and the core commands (system,
// interfaces, lines, files, clock, routes, banners, ping).
//
// startup-config is loaded through the same grammar a user types, so what
// `show running-config` prints is exactly what `write memory` saves and a
// reload reads back. Features (the PKI later) add commands with
// Feature.Register and their part of the configuration with AddSection.
package device
