// Package cli is an IOS terminal session: the login dialog, the line editor
// (character echo, Emacs keys, history, '?' and TAB mid-line), modes and
// their prompts, `do`, the fallback of a sub-mode to its parent, pipes, the
// --More-- pager, and the IOS error texts.
//
// A session talks to a transport through Conn (an io.ReadWriter and a
// window size) and to its router through Host; it never sees SSH, telnet or
// device state. Commands come from a Registry (package parser) that the
// device and its features fill; the session matches each line, renders the
// parser's facts as IOS text, and runs the handler under the host's lock,
// released while a command waits for the user.
//
// Nothing is written to a terminal under the host's lock: a command's output
// is paged after it, a streaming command (ping) releases the lock to Flush,
// and asynchronous messages (terminal monitor) wait in a bounded per-session
// queue that the session's own goroutine drains, dropping and counting what
// does not fit. The connection is read by a goroutine of the session, so a
// long command can poll for the IOS escape sequence (Interrupted). A session
// holds one of the host's lines from connection to logout; Attach refuses it
// when every line is busy.
package cli
