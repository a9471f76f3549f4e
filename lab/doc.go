// Package lab runs many routers in one process: lab files (YAML, with the
// seed and blank labs embedded), the port scheme ([Layout]: control API on
// the base port, SSH base+1…, telnet base+101…, HTTP base+201…, the lab FTP
// service base+300 for labs of up to 99 devices, larger blocks for larger
// labs), the lab address map that ping and the NTP service use, the lab FTP
// service, and the control API that reads and jumps the lab clock. A state
// dir is locked by the lab that runs on it.
//
// The lab keeps the history of every router's PKI events and timer firings
// (history.go, STATE/events.jsonl) and serves a timeline page of the PKI
// over time with the control API (timeline.go, the page in timeline/).
// [Replay] runs a scenario file (replay.go) on a fresh lab into a
// transcript, for `iosemu replay`.
package lab
