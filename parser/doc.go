// Package parser is the IOS command grammar: commands declared as data, one
// matching graph per CLI mode, and a single matcher that answers Parse,
// "?" help and TAB completion.
//
// A feature declares its commands with an FRR-style grammar string
// (lib/command.h) and one help line per token:
//
//	r.Install(parser.Config, parser.Command[H]{
//		Syntax: "logging buffered [(4096-2147483647)$size]",
//		Help:   "Modify message logging facilities\nSet buffered logging parameters\nLogging buffer size",
//		No:     "logging buffered",
//		NoHelp: "Modify message logging facilities\nSet buffered logging parameters",
//		Handler: loggingBuffered,
//	})
//
// Grammar: literal keywords (matched case-insensitively, any unambiguous
// prefix), WORD, LINE (rest of line, raw), (lo-hi) integer ranges, A.B.C.D,
// A.B.C.D/M, H.H.H, X:X::X:X, X:X::X:X/M, custom types added with
// DefineType, <a|b> one of, [a] optional (nesting allowed), {a|b} one or more
// in any order, and $name to bind a token or group to an argument name. Any
// other ALLCAPS token (no lower-case letter) that is not a defined type is a
// WORD-like variable shown under its own name in help.
//
// Every command is expanded into its token paths and merged into the mode's
// graph (a tree sharing common prefixes); duplicates and help-count
// mismatches panic at Install time, like http.ServeMux. Matching walks that
// graph word by word with the IOS priority: exact keyword, then unique
// keyword prefix, then typed placeholders (ranges, addresses, custom types),
// then WORD/LINE. The parser returns facts (kind, byte offset of the failing
// character, bound arguments); the cli package renders the IOS text.
//
// Modes are values owned by the features that declare them; Exec and Config
// are the two shared base modes. Parse, Help and Complete look at one mode's
// graph only: falling back to a parent mode is the caller's decision.
//
// A Registry is safe for concurrent use: Install takes a write lock, the
// matchers a read lock.
package parser
