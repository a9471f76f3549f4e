// Package lab runs many routers in one process: lab files (YAML, with the
// seed and blank labs embedded), the port scheme (control API on the base
// port, SSH base+1…, telnet base+101…, HTTP base+201…, the lab FTP service
// base+300), the lab address map that ping and the NTP service use, and the
// control API that reads and jumps the lab clock.
package lab
