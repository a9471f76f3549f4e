// Package platforms holds the data profiles of the router families iosemu
// emulates (ISR-G1 2811, ISR-G2 CISCO2911/K9, ISR-4K ISR4331/K9, ASR1k
// ASR1001-X, CSR1k CSR1000V): model names, software versions and image files,
// storage sizes, built-in interfaces, whether a hardware calendar exists, and
// the renderers of `show version` and `show inventory` in each family's real
// layout (classic IOS 15.x or IOS-XE 3.x).
//
// A device's identity (serial numbers, MAC addresses) is derived from a hash
// of the device name, so the same name always yields the same values.
//
// Profiles are plain data: Lookup and All return copies the caller may modify.
package platforms
