"""Drives the test telnet handler the way netmiko's telnet driver does: python
telnetlib, which refuses every option, sends CR LF and does no local echo.
usage: python3 -W ignore telnetlib_client.py PORT
Prints OK on success; raises on failure."""
import sys
import telnetlib

PORT = int(sys.argv[1])
TIMEOUT = 10

tn = telnetlib.Telnet("127.0.0.1", PORT, timeout=TIMEOUT)


def read_until(want):
    got = tn.read_until(want, TIMEOUT)
    if not got.endswith(want):
        raise AssertionError("waiting for %r; got %r" % (want, got))
    return got


read_until(b"Username: ")
tn.write(b"admin\r\n")
read_until(b"admin\r\nPassword: ")  # echoed by the server
tn.write(b"cisco\r\n")
out = read_until(b"Router>")
assert b"cisco" not in out, out
assert b"welcome admin\r\ntransport=telnet term= size=0x0\r\n" in out, out
tn.write(b"show clock\r\n")
read_until(b"show clock\r\necho: show clock\r\nRouter>")
tn.write(b"exit\r\n")
rest = tn.read_all()  # returns when the server closes the connection
assert rest == b"exit\r\n", rest
print("OK")
