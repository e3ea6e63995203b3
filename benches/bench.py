#!/usr/bin/env python3
"""Side-by-side benchmark: mqtt-bench against `mqttv5 bench`, same broker, same run.

Not a test: figures vary with the machine. Reported as ratios (mqtt-bench / mqttv5).

  1. Throughput at QoS 0 and QoS 1: one publisher and one subscriber as fast
     as the inflight window allows, the same payload size and inflight:
     delivered msg/s, and the generator's CPU seconds per delivered message
     (user + system of the whole process, from wait4).
  2. Latency at a fixed 1,000 and 10,000 msg/s (QoS 0, one publisher): p50/p95/p99
     end to end from the intended send time (both tools correct for
     coordinated omission), mqtt-bench's schedule lag (how late its pacing
     clock sent), and each tool's CPU per delivered message. Beside it, the
     machine's floor: the CPU one sleep-and-wake costs at that rate (a bare
     Python loop sleeping to absolute deadlines). Sending each message at
     its time and timing its arrival wakes the generator twice per message
     (the publisher's deadline, the subscriber's read); a tool that sends
     ten messages per millisecond tick wakes less and sends late.
  3. 10,000 connections held by mqtt-bench: connect rate and resident memory
     per connection (mqttv5's connections mode opens and closes, it cannot
     hold; its churn rate is printed for reference).

Usage: benches/bench.py [--duration S] [--runs R] [--connections N]
Needs: mosquitto; mqttv5 (`cargo install mqttv5-cli`, without --locked);
builds target/release/mqtt-bench.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pub import ROOT, Broker  # noqa: E402

BENCH = os.path.join(ROOT, "target", "release", "mqtt-bench")


def measured(cmd):
    """Run cmd; (stdout, cpu seconds, max RSS bytes) of that process alone."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = proc.stdout.read()
    _, status, ru = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        sys.exit(f"{cmd[0]} failed ({status}): {out[:500]!r}")
    return out, ru.ru_utime + ru.ru_stime, ru.ru_maxrss * 1024


def ours_throughput(port, qos, duration, inflight, size):
    cmd = [BENCH, "pubsub", "-h", "127.0.0.1", "-p", str(port), "-c", "1", "-q", str(qos),
           "--duration", str(duration), "--warmup", "1", "-M", str(inflight), "-s", str(size),
           "--quiet", "--json", "-"]
    out, cpu, _ = measured(cmd)
    r = json.loads(out)
    received = r["delivery"]["received"]
    return r["delivery"]["delivered_rate"], cpu / max(received, 1), r["delivery"]["lost"]


def theirs_throughput(port, qos, duration, inflight, size):
    cmd = ["mqttv5", "bench", "-H", "127.0.0.1", "-p", str(port), "--qos", str(qos),
           "--duration", str(duration), "--warmup", "1", "--inflight", str(inflight),
           "--payload-size", str(size), "--publishers", "1", "--subscribers", "1"]
    out, cpu, _ = measured(cmd)
    r = json.loads(out[out.index(b"{"):])["results"]
    return r["throughput_avg"], cpu / max(r["received"], 1), r["published"] - r["received"]


def ours_latency(port, duration, rate):
    """(e2e p50, p95, p99, schedule lag p50, p99, CPU us per delivered message)."""
    cmd = [BENCH, "pubsub", "-h", "127.0.0.1", "-p", str(port), "-c", "1", "--rate", str(rate),
           "--duration", str(duration), "--warmup", "1", "--quiet", "--json", "-"]
    out, cpu, _ = measured(cmd)
    r = json.loads(out)
    e2e, lag = r["latency"]["e2e"], r["latency"]["lag"]
    return (e2e["p50_us"], e2e["p95_us"], e2e["p99_us"], lag["p50_us"], lag["p99_us"],
            cpu * 1e6 / max(r["delivery"]["received"], 1))


def theirs_latency(port, duration, rate):
    """(e2e p50, p95, p99, CPU us per delivered message)."""
    cmd = ["mqttv5", "bench", "--mode", "latency", "-H", "127.0.0.1", "-p", str(port),
           "--rate", str(rate), "--duration", str(duration), "--warmup", "1"]
    out, cpu, _ = measured(cmd)
    r = json.loads(out[out.index(b"{"):])["results"]
    received = r.get("messages") or 1
    return r["p50_us"], r["p95_us"], r["p99_us"], cpu * 1e6 / max(received, 1)


WAKE = r"""
import resource, sys, time
rate = int(sys.argv[1]); n = 2 * rate; interval = 1 / rate
t0 = time.monotonic()
for k in range(1, n + 1):
    wait = t0 + k * interval - time.monotonic()
    if wait > 0:
        time.sleep(wait)
ru = resource.getrusage(resource.RUSAGE_SELF)
print(ru.ru_utime + ru.ru_stime, n)
"""


def wake_floor(rate):
    """CPU microseconds one sleep-and-wake costs at `rate` per second (2 s of a
    bare loop in a child process; its start-up is measured and left out)."""
    def cpu(r):
        out = subprocess.run([sys.executable, "-c", WAKE, str(r)], capture_output=True, check=True).stdout
        seconds, n = out.split()
        return float(seconds), int(n)
    idle, _ = cpu(1)  # start-up and two wake-ups
    busy, n = cpu(rate)
    return (busy - idle) * 1e6 / n


def median(xs):
    return statistics.median(xs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=int, default=5)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--connections", type=int, default=10000)
    ap.add_argument("--inflight", type=int, default=32)
    ap.add_argument("--size", type=int, default=64)
    a = ap.parse_args()
    if not shutil.which("mqttv5"):
        sys.exit("mqttv5 not found: cargo install mqttv5-cli")
    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "mqtt-bench"], cwd=ROOT, check=True)
    with tempfile.TemporaryDirectory() as tmp:
        broker = Broker(tmp)
        try:
            print(f"# mqtt-bench vs mqttv5 bench: 1 publisher + 1 subscriber, {a.size} B payload, "
                  f"inflight {a.inflight}, {a.duration} s (+1 s warm-up), median of {a.runs}")
            for qos in (0, 1):
                ours, theirs = [], []
                for _ in range(a.runs):
                    ours.append(ours_throughput(broker.port, qos, a.duration, a.inflight, a.size))
                    theirs.append(theirs_throughput(broker.port, qos, a.duration, a.inflight, a.size))
                o_rate, t_rate = median([x[0] for x in ours]), median([x[0] for x in theirs])
                o_cpu, t_cpu = median([x[1] for x in ours]), median([x[1] for x in theirs])
                print(f"QoS {qos}: delivered {o_rate:,.0f} vs {t_rate:,.0f} msg/s (ratio {o_rate / t_rate:.2f}); "
                      f"CPU per delivered message {o_cpu * 1e6:.2f} vs {t_cpu * 1e6:.2f} us "
                      f"(ratio {o_cpu / t_cpu:.2f}, target <= 1.0); "
                      f"lost {[x[2] for x in ours]} vs {[x[2] for x in theirs]}")
            for rate in (1000, 10000):
                ours = [ours_latency(broker.port, a.duration, rate) for _ in range(a.runs)]
                theirs = [theirs_latency(broker.port, a.duration, rate) for _ in range(a.runs)]
                o = [median([x[i] for x in ours]) for i in range(6)]
                t = [median([x[i] for x in theirs]) for i in range(4)]
                floor = median([wake_floor(rate) for _ in range(a.runs)])
                print(f"latency at {rate:,} msg/s QoS 0, e2e p50/p95/p99 us: {o[0]}/{o[1]}/{o[2]} vs "
                      f"{t[0]}/{t[1]}/{t[2]}; mqtt-bench schedule lag p50/p99 {o[3]}/{o[4]} us; "
                      f"CPU per delivered message {o[5]:.1f} vs {t[3]:.1f} us; "
                      f"machine floor: one wake-up {floor:.1f} us, two per message {2 * floor:.1f} us")
            out, cpu, rss = measured([BENCH, "conn", "-h", "127.0.0.1", "-p", str(broker.port), "-c",
                                      str(a.connections), "--duration", "3", "--quiet", "--json", "-"])
            r = json.loads(out)
            c = r["connections"]
            print(f"{a.connections} held connections: {c['succeeded']} connected in {c['connect_phase_s']} s "
                  f"({c['connect_rate']:,.0f}/s), connect p99 {r['latency']['connect']['p99_us'] / 1000:.1f} ms, "
                  f"RSS {r['generator']['rss_per_connection_bytes'] / 1024:.1f} KiB per connection "
                  f"(peak {rss / 2**20:.0f} MiB), CPU {cpu:.2f} s")
            out, _, _ = measured(["mqttv5", "bench", "--mode", "connections", "-H", "127.0.0.1", "-p",
                                  str(broker.port), "--duration", "3", "--warmup", "0", "--concurrency", "64"])
            t = json.loads(out[out.index(b"{"):])["results"]
            print(f"mqttv5 connections mode (open+close churn, concurrency 64): "
                  f"{t['connections_per_sec']:,.0f}/s, p99 {t['p99_connect_us'] / 1000:.1f} ms")
        finally:
            broker.stop()


if __name__ == "__main__":
    main()
