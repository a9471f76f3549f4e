#!/usr/bin/python3
"""Drive one iosemu device with netmiko 2.4.2 (cisco_ios or cisco_ios_telnet).

Usage: netmiko_check.py DEVICE_TYPE PORT HOSTNAME MODEL LOOPBACK

Runs show version, a config set (interface description + a loopback),
save_config, then checks the running-config through a pipe. Prints OK
lines; exits non-zero (with a message on stderr) on the first mismatch.
"""
import sys

from netmiko import ConnectHandler


def fail(msg):
    sys.stderr.write("FAIL: " + msg + "\n")
    sys.exit(1)


def main():
    device_type, port, hostname, model, loopback = sys.argv[1:6]
    conn = ConnectHandler(
        device_type=device_type,
        host="127.0.0.1",
        port=int(port),
        username="admin",
        password="cisco",
        secret="cisco",
        timeout=20,
        fast_cli=True,  # fewer fixed sleeps: a tighter test of prompt handling
    )
    prompt = conn.find_prompt()
    if prompt != hostname + "#":
        fail("prompt %r, want %r" % (prompt, hostname + "#"))
    print("OK prompt", prompt)

    out = conn.send_command("show version")
    if model not in out:
        fail("show version lacks model %r:\n%s" % (model, out))
    if "uptime is" not in out:
        fail("show version lacks uptime line:\n%s" % out)
    print("OK show version")

    desc = "netmiko-%s-%s" % (device_type, loopback)
    loop = "Loopback%s" % loopback
    cmds = [
        "interface %s" % loop,
        "description %s" % desc,
        "ip address 10.99.%s.1 255.255.255.255" % loopback,
    ]
    out = conn.send_config_set(cmds)
    if "%" in out:
        fail("config set reported an error:\n%s" % out)
    if conn.find_prompt() != hostname + "#":
        fail("not back in exec mode after config set: %r" % conn.find_prompt())
    print("OK config set")

    out = conn.save_config()
    if "[OK]" not in out:
        fail("save_config did not print [OK]:\n%s" % out)
    print("OK save")

    out = conn.send_command("show running-config | include %s" % desc)
    if ("description %s" % desc) not in out:
        fail("running-config lacks the description:\n%s" % out)
    out = conn.send_command("show running-config | include ^interface Loopback")
    if ("interface %s" % loop) not in out:
        fail("running-config lacks %s:\n%s" % (loop, out))
    out = conn.send_command("show startup-config | include %s" % desc)
    if ("description %s" % desc) not in out:
        fail("startup-config lacks the description:\n%s" % out)
    print("OK verify")
    conn.disconnect()


if __name__ == "__main__":
    main()
