// Package transport turns network connections into CLI sessions.
//
// An [SSHServer] (golang.org/x/crypto/ssh) or a [TelnetServer] accepts
// connections, authenticates SSH users through an [Authenticator], negotiates
// the terminal (pty-req and window-change for SSH; ECHO, SUPPRESS-GO-AHEAD,
// NAWS and TERMINAL-TYPE for telnet) and hands each interactive shell or exec
// request to a [Handler] as a transport-agnostic [Session]: an io.ReadWriter
// plus the user, the terminal type and a live window size.
//
// The package knows nothing about IOS commands; device state never imports
// net. Telnet sessions carry no user: the CLI runs the IOS Username:/Password:
// dialog itself, and it always echoes keystrokes itself, whatever the client
// negotiated (python telnetlib refuses every option and still expects the
// echo).
//
// The telnet option layer is implemented here rather than with
// github.com/reiver/go-telnet: that library's server hides the raw connection
// (its Writer doubles every 0xFF, so no option can be sent up front), discards
// subnegotiations (no NAWS), answers nothing, fails a session on IAC NOP or
// IAC AYT ("Corrupted"), and its Reader blocks until the caller's whole buffer
// is full, which makes character-at-a-time input impossible. See telnet.go.
//
// Host keys are RSA 2048, as IOS uses, persisted by [LoadOrCreateHostKey].
package transport
