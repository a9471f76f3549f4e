// Package interop holds the interoperability tests: they build the real
// iosemu binary, run the seed lab as a child process on a free range of
// ports, and drive it with the clients people actually use against IOS —
// OpenSSH (sshpass, expect), inetutils telnet with expect, netmiko 2.4.2,
// Ansible's cisco.ios collection over network_cli, and scrapligo over its
// system, standard and telnet transports — plus a load test of 200
// concurrent x/crypto/ssh sessions. TestTextFSM parses the show commands
// with the community TextFSM templates (ntc-templates) and TestNetmikoSuite
// runs netmiko 2.4.2's own test suite; both read those projects from
// directories .ci/run extracts (IOSEMU_NTC_TEMPLATES, IOSEMU_NTC_SAMPLES,
// IOSEMU_NETMIKO_TESTS), never from this repository.
//
// The package has no non-test code. The scripts the tests run (expect,
// Python, Ansible playbooks) live in testdata/. Python is always
// /usr/bin/python3 (the Debian interpreter that has python3-netmiko).
//
// A missing client program or module skips its test locally and fails it
// when the CI environment variable is non-empty (.ci/run installs them).
package interop
