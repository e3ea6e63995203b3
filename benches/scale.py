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
  broker works harder than the load generator); the same two figures over
  the connect phase alone (both processes sampled from /proc every 2 ms),
  which leaves out the hold and the teardown.

Over TCP on loopback the kernel does both ends' handshake work in the
connecting process (the broker's SYN-ACK, its accepted socket, the delivery
of CONNECT into its socket), so the generator's CPU includes work a real
network puts on the broker's host. For scale, each TCP size also runs the
floor: a bare Python loop of blocking connects that sends CONNECT and reads
CONNACK, one connection at a time, with the same two connect-phase figures.

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
import threading
import time

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


def proc_cpu(pid):
    """CPU seconds of a live process so far (user + system, /proc/PID/stat)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Sampler:
    """Both processes' CPU every 2 ms: [(seconds since start, generator, broker)]."""

    def __init__(self, generator_pid, broker):
        self.samples, self.t0, self.done = [], time.monotonic(), False
        self.pid, self.broker = generator_pid, broker
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.done:
            g = proc_cpu(self.pid)
            if g is None:
                break
            self.samples.append((time.monotonic() - self.t0, g, self.broker.cpu()))
            time.sleep(0.002)

    def stop(self):
        self.done = True
        self.thread.join()

    def at(self, seconds):
        """The first sample at or after `seconds` (or the last one)."""
        return next((s for s in self.samples if s[0] >= seconds), self.samples[-1])


def measured_hold(n, transport, tmp, certs, ifaddrs=None):
    """One held-connection run on a fresh broker: (report, generator CPU s,
    generator peak RSS bytes, broker CPU s, connect-phase generator and
    broker CPU s)."""
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
        sampler = Sampler(proc.pid, broker)
        out = proc.stdout.read()
        sampler.stop()
        _, status, ru = os.wait4(proc.pid, 0)
        broker_cpu = broker.cpu() - before
    finally:
        broker.stop()
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        sys.exit(f"mqtt-bench failed (exit {code}): {out[-500:]!r}")
    report = json.loads(out)
    # The connect phase as the report times it, from the process's start:
    # 10 ms more for starting up, which only adds idle time to both figures.
    _, g, b = sampler.at(report["connections"]["connect_phase_s"] + 0.01)
    return report, ru.ru_utime + ru.ru_stime, ru.ru_maxrss * 1024, broker_cpu, (g, b - before)


BARE = r"""
import os, resource, socket, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
_, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
held = []
for k in range(n):
    cid = b"bare%d" % k
    body = b"\x00\x04MQTT\x04\x02\x00\x3c" + len(cid).to_bytes(2, "big") + cid
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.sendall(bytes([0x10, len(body)]) + body)
    if s.recv(4) != b"\x20\x02\x00\x00":
        sys.exit("no CONNACK")
    held.append(s)
ru = resource.getrusage(resource.RUSAGE_SELF)
print(ru.ru_utime + ru.ru_stime, flush=True)
sys.stdin.read()
"""


def bare_connects(n, tmp):
    """The floor: (generator CPU s, broker CPU s) over the connect phase of
    a blocking Python loop that connects one client at a time."""
    broker = mosquitto(tmp)
    try:
        before = broker.cpu()
        proc = subprocess.Popen([sys.executable, "-c", BARE, str(broker.port), str(n)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        generator = float(proc.stdout.readline())
        broker_cpu = broker.cpu() - before
        proc.stdin.close()
        proc.wait(timeout=60)
    finally:
        broker.stop()
    return generator, broker_cpu


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
              "| generator CPU s | broker CPU s | generator/broker | connect phase: generator / broker CPU s |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        rows = [(n, t, None) for n in (int(x) for x in a.sizes.split(",")) for t in a.transports.split(",")]
        if a.ifaddrs:
            # The largest size again over TCP, from several source addresses.
            rows.append((max(n for n, _, _ in rows), "tcp", a.ifaddrs))
        for n, transport, ifaddrs in rows:
            r, cpu, rss, broker_cpu, (g, b) = measured_hold(n, transport, tmp, certs, ifaddrs)
            c = r["connections"]
            label = transport.upper() + (f", --ifaddr {ifaddrs}" if ifaddrs else "")
            print(f"| {label} | {n:,} | {c['succeeded']:,} | {c['connect_phase_s']:.2f} "
                  f"| {c['connect_rate']:,.0f} | {rss / n / 1024:.1f} KiB | {cpu:.2f} | {broker_cpu:.2f} "
                  f"| {cpu / max(broker_cpu, 1e-9):.2f} | {g:.2f} / {b:.2f} ({g / max(b, 1e-9):.2f}) |",
                  flush=True)
            if transport == "tcp" and not ifaddrs:
                g, b = bare_connects(n, tmp)
                print(f"| TCP floor: blocking Python loop | {n:,} | | | | | | | | {g:.2f} / {b:.2f} "
                      f"({g / max(b, 1e-9):.2f}) |", flush=True)
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
