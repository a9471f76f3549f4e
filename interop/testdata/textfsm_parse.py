#!/usr/bin/python3
"""Parse iosemu show outputs with the community TextFSM templates.

Usage: textfsm_parse.py TEMPLATES_DIR < request.json > result.json

request.json: {"devices": [{"name": N, "port": SSH_PORT}, ...],
               "commands": [COMMAND, ...],
               "samples": {COMMAND: RAW_FILE, ...}}

Connects to every device with netmiko 2.4.2 (cisco_ios, in parallel), runs
every command, and parses each output with textfsm's clitable over the
templates' index file, the way netmiko's use_textfsm does (Platform
cisco_ios). Each sample (a real router's output shipped with the
templates) is parsed with the same template. Writes JSON:
  {"devices": {N: {COMMAND: {"output": TEXT, "rows": [{FIELD: VALUE}],
                             "error": TEXT}}},
   "samples": {COMMAND: {"rows": [...], "error": TEXT}}}
Field names are lower case, as netmiko returns them.
"""
import json
import sys
import threading

from netmiko import ConnectHandler
from textfsm import clitable


def parse(table_lock, table, command, text):
    with table_lock:
        try:
            table.ParseCmd(text, {"Command": command, "Platform": "cisco_ios"})
        except Exception as e:  # clitable raises several kinds
            return {"rows": [], "error": "%s: %s" % (type(e).__name__, e)}
        header = [h.lower() for h in table.header]
        rows = [dict(zip(header, [v if isinstance(v, list) else str(v) for v in row])) for row in table]
    return {"rows": rows, "error": ""}


def run_device(dev, commands, table_lock, table, result):
    out = {}
    try:
        conn = ConnectHandler(device_type="cisco_ios", host="127.0.0.1", port=dev["port"],
                              username="admin", password="cisco", secret="cisco",
                              timeout=20, fast_cli=True)
        conn.enable()
        for command in commands:
            text = conn.send_command(command)
            entry = parse(table_lock, table, command, text)
            entry["output"] = text
            out[command] = entry
        conn.disconnect()
    except Exception as e:
        out["_error"] = {"output": "", "rows": [], "error": "%s: %s" % (type(e).__name__, e)}
    result[dev["name"]] = out


def main():
    templates = sys.argv[1]
    req = json.load(sys.stdin)
    table = clitable.CliTable("index", templates)
    lock = threading.Lock()
    devices = {}
    threads = [threading.Thread(target=run_device, args=(d, req["commands"], lock, table, devices))
               for d in req["devices"]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    samples = {}
    for command, path in req.get("samples", {}).items():
        with open(path, encoding="utf-8", errors="replace") as f:
            samples[command] = parse(lock, table, command, f.read())
    json.dump({"devices": devices, "samples": samples}, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
