#!/usr/bin/python3
"""netmiko 2.4.2's file_transfer against one iosemu device (cisco_ios).

Usage: netmiko_scp.py PORT NAME

Turns the SCP server on (ip scp server enable, file prompt quiet), puts a
file into the device's flash with file_transfer (which checks the free
space and the file with dir, copies over SCP and compares verify /md5 with
the local MD5), puts it again (already there: not copied, verified), gets
it back under another name and compares the bytes. Prints OK lines; exits
non-zero on the first mismatch.
"""
import hashlib
import os
import sys
import tempfile

from netmiko import ConnectHandler, file_transfer


def fail(msg):
    sys.stderr.write("FAIL: " + msg + "\n")
    sys.exit(1)


def main():
    port, name = sys.argv[1:3]
    conn = ConnectHandler(device_type="cisco_ios", host="127.0.0.1", port=int(port),
                          username="admin", password="cisco", secret="cisco", timeout=20)
    out = conn.send_config_set(["ip scp server enable", "file prompt quiet"])
    if "%" in out:
        fail("config set reported an error:\n%s" % out)
    tmp = tempfile.mkdtemp()
    src = os.path.join(tmp, "netmiko-%s.txt" % name)
    data = os.urandom(200000)
    with open(src, "wb") as f:
        f.write(data)
    dest = "netmiko-%s.txt" % name
    res = file_transfer(conn, source_file=src, dest_file=dest, direction="put")
    if not (res["file_exists"] and res["file_transferred"] and res["file_verified"]):
        fail("put: %r" % res)
    print("OK put", res)
    res = file_transfer(conn, source_file=src, dest_file=dest, direction="put")
    if res["file_transferred"] or not res["file_verified"]:
        fail("second put: %r" % res)
    print("OK put again", res)
    back = os.path.join(tmp, "back.txt")
    res = file_transfer(conn, source_file=dest, dest_file=back, direction="get")
    if not (res["file_transferred"] and res["file_verified"]):
        fail("get: %r" % res)
    with open(back, "rb") as f:
        if hashlib.md5(f.read()).hexdigest() != hashlib.md5(data).hexdigest():
            fail("get: the file differs")
    print("OK get", res)
    out = conn.send_command("dir")
    if dest not in out:
        fail("dir does not list %s:\n%s" % (dest, out))
    print("OK scp")
    conn.disconnect()


if __name__ == "__main__":
    main()
