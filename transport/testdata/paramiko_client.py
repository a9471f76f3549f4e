"""Drives the test SSH handler with paramiko (old 2.x, as ansible/netmiko in
Debian bookworm use it). usage: python3 paramiko_client.py PORT
Prints OK on success; raises on failure."""
import sys

import paramiko

PORT = int(sys.argv[1])
TIMEOUT = 10


def client(password="cisco", **kw):
    c = paramiko.SSHClient()
    c.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    c.connect("127.0.0.1", port=PORT, username="admin", password=password,
              look_for_keys=False, allow_agent=False, timeout=TIMEOUT,
              banner_timeout=TIMEOUT, auth_timeout=TIMEOUT, **kw)
    return c


def exec_command(c, command):
    _, out, _ = c.exec_command(command, timeout=TIMEOUT)
    data = out.read().decode()
    return data, out.channel.recv_exit_status()


def read_until(chan, want):
    buf = ""
    while want not in buf:
        data = chan.recv(4096).decode()
        if not data:
            raise AssertionError("channel closed waiting for %r; got %r" % (want, buf))
        buf += data
    return buf


# exec with default algorithms, and the exit status
c = client()
data, status = exec_command(c, "show version")
assert "Cisco IOS Software, test handler, user admin" in data and status == 0, (data, status)
data, status = exec_command(c, "exit 3")
assert status == 3, status
assert c.get_transport().remote_version == "SSH-2.0-Cisco-1.25", c.get_transport().remote_version

# interactive shell on the same connection: pty, window size, resize
chan = c.invoke_shell(term="vt100", width=90, height=33)
chan.settimeout(TIMEOUT)
read_until(chan, "transport=ssh term=vt100 size=90x33\r\nRouter>")
chan.send("hello\r")
read_until(chan, "echo: hello\r\nRouter>")
chan.resize_pty(width=120, height=45)
read_until(chan, "[resized 120x45]")
chan.send("exit\r")
read_until(chan, "exit\r\n")
assert chan.recv_exit_status() == 0
c.close()

# the SHA-1 "ssh-rsa" host key signature old clients need
c = client(disabled_algorithms={"keys": ["rsa-sha2-256", "rsa-sha2-512"]})
assert c.get_transport().host_key_type == "ssh-rsa", c.get_transport().host_key_type
data, status = exec_command(c, "show version")
assert "Cisco IOS Software" in data and status == 0, (data, status)
c.close()

# a wrong password is refused
try:
    client(password="wrong")
except paramiko.AuthenticationException:
    pass
else:
    raise AssertionError("wrong password accepted")

print("OK")
