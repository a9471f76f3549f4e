// Package device is one emulated router: its configuration as state, the
// writers that render running-config from it, its nvram and flash, its clock,
// its sessions and its syslog buffer, and the core commands (system,
// interfaces, lines, files, clock, routes, banners, ping).
//
// startup-config is loaded through the same grammar a user types, so what
// `show running-config` prints is exactly what `write memory` saves and a
// reload reads back. Features (the PKI later) add commands with
// Feature.Register and their part of the configuration with AddSection.
//
// # Interface counters
//
// What crosses an interface moves its counters (counters.go, traffic.go),
// counted once per transfer from its sizes, never packet by packet:
//
//   - A ping counts its ARP exchange (60-byte frames, the request a
//     broadcast) and each echo and reply (the datagram plus 14 bytes of
//     Ethernet header; above the 1500-byte MTU, fragments of 1480 bytes of
//     data, each with its own headers) on both routers; the pinged router
//     learns the pinger.
//   - A TCP connection the router opens (its SCEP client's HTTP, one
//     connection per request as IOS's client closes after the reply)
//     counts, on each side: SYN or SYN-ACK, its data in segments of at most
//     1460 bytes (54 bytes of Ethernet, IP and TCP headers each), one ACK
//     for every two segments of the other side, its FIN and the ACK of the
//     other's FIN; the client also the handshake's third ACK. Frames
//     without payload are 60 bytes. An HTTP request is its request line,
//     its headers plus about 70 bytes of client headers, and its body; a
//     reply its status line, headers and body.
//   - A copy to or from an FTP server (copy … ftp:, a CA's database on
//     ftp://) is a control connection of six commands (about 14 bytes
//     each) and eight replies (about 40 bytes) plus a data connection
//     carrying the file.
//   - A telnet or ssh from one router to another counts its connection,
//     option negotiation or key exchange and login (4 or 8 segments each
//     way), not what is typed in the session.
//   - An NTP poll is a 90-byte request and its reply every 64 s. Polls are
//     not events: they are read from the clock's associations when the
//     counters are shown or cleared, so a clock jump of years costs nothing.
//
// Each end counts on the interface it uses: the egress interface of the
// route to the peer here, the interface that owns the destination address
// at a peer router; both learn the neighbour's MAC address (the peer
// itself on a shared subnet, else the next hop). A lab service the router
// has no route to is reached through its first up interface. The rates
// ("5 minute input rate") are IOS's exponentially weighted averages over
// the load interval (300 s, or `load-interval`): each transfer adds its
// bits and packets divided by the interval, and the sum decays as
// e^(-t/interval) on the lab clock.
package device
