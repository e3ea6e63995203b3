#!/usr/bin/env python3
"""mqtt-bench at scale: how many connections one generator holds, how fast it
opens them, and what each costs, against a local mosquitto.

Not a test: figures vary with the machine. For each size (default 10,000 and
19,000 connections: this machine allows 20,000 open files per process) and
transport (TCP, TLS), a fresh mosquitto (no connection limit, its open-file
limit raised to the hard limit) and one `mqtt-bench conn -c N --duration 3`
with --conn-rate unbounded:

  connected, seconds to connect them all, connections/s, peak RSS per
  connection (the generator's maximum resident set from wait4 / N), the
  generator's CPU seconds (wait4) and the broker's over the same run
  (/proc/PID/stat), and their ratio (generator / broker, below 1 means the
  broker works harder than the load generator).

mqttv5 bench cannot hold connections (its connections mode opens and closes
them); its churn rate over TCP is printed for reference when it is installed.

With one source address the kernel searches longer and longer for a free
ephemeral port as they fill up (CPU charged to the generator); a last row
repeats the largest size over TCP from four loopback addresses (--ifaddr).

Usage: benches/scale.py [--sizes 10000,19000] [--transports tcp,tls] [--ifaddrs A,B,...]
Needs: mosquitto, openssl; builds target/release/mqtt-bench.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pub import ROOT, Broker  # noqa: E402

BENCH = os.path.join(ROOT, "target", "release", "mqtt-bench")


def certificates(tmp):
    """A CA and an RSA-2048 server certificate for 127.0.0.1 (what most brokers use)."""
    def run(*args):
        subprocess.run(["openssl", *args], cwd=tmp, check=True, capture_output=True)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=scale-ca",
        "-keyout", "ca.key", "-out", "ca.crt")
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "server.key",
        "-out", "server.csr")
    with open(os.path.join(tmp, "san.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
        "-days", "2", "-extfile", "san.ext", "-out", "server.crt")
    return {name: os.path.join(tmp, name) for name in ("ca.crt", "server.crt", "server.key")}


def mosquitto(tmp, certs=None):
    """A fresh broker (no connection limit; TLS on its listener with certs)."""
    options = "max_connections -1\nlog_dest none\n"
    if certs:
        options += (f"cafile {certs['ca.crt']}\ncertfile {certs['server.crt']}\n"
                    f"keyfile {certs['server.key']}\n")
    return Broker(tmp, listener_options=options)


def measured_hold(n, transport, tmp, certs, ifaddrs=None):
    """One held-connection run on a fresh broker: (report, generator CPU s,
    generator peak RSS bytes, broker CPU s)."""
    broker = mosquitto(tmp, certs if transport == "tls" else None)
    try:
        cmd = [BENCH, "conn", "-h", "127.0.0.1", "-p", str(broker.port), "-c", str(n), "--duration", "3",
               "--quiet", "--json", "-"]
        if transport == "tls":
            cmd += ["--cafile", certs["ca.crt"]]
        if ifaddrs:
            cmd += ["--ifaddr", ifaddrs]
        before = broker.cpu()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        out = proc.stdout.read()
        _, status, ru = os.wait4(proc.pid, 0)
        broker_cpu = broker.cpu() - before
    finally:
        broker.stop()
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        sys.exit(f"mqtt-bench failed (exit {code}): {out[-500:]!r}")
    return json.loads(out), ru.ru_utime + ru.ru_stime, ru.ru_maxrss * 1024, broker_cpu


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,19000")
    ap.add_argument("--transports", default="tcp,tls")
    ap.add_argument("--ifaddrs", default="127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5",
                    help="source addresses for one more TCP row at the largest size ('' for none)")
    a = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "mqtt-bench"], cwd=ROOT, check=True)
    with tempfile.TemporaryDirectory() as tmp:
        certs = certificates(tmp) if "tls" in a.transports else None
        print("# mqtt-bench conn: held connections to a local mosquitto, --conn-rate unbounded, 3 s hold")
        print("| transport | connections | connected | seconds | connections/s | peak RSS per connection "
              "| generator CPU s | broker CPU s | generator/broker |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        rows = [(n, t, None) for n in (int(x) for x in a.sizes.split(",")) for t in a.transports.split(",")]
        if a.ifaddrs:
            # The largest size again over TCP, from several source addresses.
            rows.append((max(n for n, _, _ in rows), "tcp", a.ifaddrs))
        for n, transport, ifaddrs in rows:
            r, cpu, rss, broker_cpu = measured_hold(n, transport, tmp, certs, ifaddrs)
            c = r["connections"]
            label = transport.upper() + (f", --ifaddr {ifaddrs}" if ifaddrs else "")
            print(f"| {label} | {n:,} | {c['succeeded']:,} | {c['connect_phase_s']:.2f} "
                  f"| {c['connect_rate']:,.0f} | {rss / n / 1024:.1f} KiB | {cpu:.2f} | {broker_cpu:.2f} "
                  f"| {cpu / max(broker_cpu, 1e-9):.2f} |", flush=True)
        if shutil.which("mqttv5"):
            broker = mosquitto(tmp)
            try:
                out = subprocess.run(["mqttv5", "bench", "--mode", "connections", "-H", "127.0.0.1", "-p",
                                      str(broker.port), "--duration", "3", "--warmup", "0",
                                      "--concurrency", "64"], capture_output=True, check=True).stdout
            finally:
                broker.stop()
            t = json.loads(out[out.index(b"{"):])["results"]
            print(f"\nmqttv5 bench --mode connections (opens and closes, concurrency 64, TCP): "
                  f"{t['connections_per_sec']:,.0f}/s, p99 {t['p99_connect_us'] / 1000:.1f} ms; it cannot hold "
                  f"connections, so it has no held-connection row")
        else:
            print("\n(mqttv5 not installed: cargo install mqttv5-cli for its connection churn rate)")


if __name__ == "__main__":
    main()
