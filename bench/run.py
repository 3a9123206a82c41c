"""`make bench`: every benchmark in bench/, one table, and bench/RESULTS.md rewritten.

    .venv/bin/python bench/run.py [--quick] [--only NAME ...] [--timeout 1800] [--no-write]

Runs each bench/*.py (but this runner, settings.py, urls.py and _*.py) as a subprocess, in
name order, against local PostgreSQL and Redis in the production configuration
(DJANGO_DEBUG=false with throwaway secrets, tasks through Redis, no SMTP), each within
--timeout seconds. A benchmark reports each figure as a line

    BENCH_RESULT {"figure": ..., "goal": ..., "measured": ..., "unit": ..., "met": ...,
                  "detail": ...}

(`met`: true, false, or null for a reference figure; `detail` optional); everything else it
prints is shown as it comes and kept in bench/results/run-<time>/<name>.log. With --quick,
every benchmark gets `--quick` (small sizes: it shows that the benchmarks run, not the goals;
one without a --quick option is skipped).

bench/RESULTS.md keeps its dated history below the marker line; above it the runner writes
the latest run: date, machine (cores, CPU model, PostgreSQL and Redis versions, load average
before and after), the code's commit, and the table. A --quick run says so in that section.

Environment: BENCH_DATABASE_URL, BENCH_API_DATABASE_URL, BENCH_REDIS_URL (README,
Configuration) are passed on; the API benchmark gets --redis BENCH_REDIS_URL (production's
shared cache).
"""

import argparse
import base64
import datetime
import json
import os
import platform
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS_MD = BENCH / "RESULTS.md"
MARKER = "<!-- make bench: generated above this line; the dated history below is kept -->"
NOT_BENCHMARKS = {"run.py", "settings.py", "urls.py"}
PREFIX = "BENCH_RESULT "
DEFAULT_REDIS = "redis://127.0.0.1:6379/15"
POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def discover(only: list[str]) -> list[Path]:
    scripts = sorted(
        p for p in BENCH.glob("*.py") if p.name not in NOT_BENCHMARKS and not p.name.startswith("_")
    )
    if only:
        scripts = [p for p in scripts if p.stem in only]
    return scripts


def production_env() -> dict[str, str]:
    """The production configuration, as tracker/settings.py reads it, with secrets made for
    this run only. Each benchmark chooses its own databases (BENCH_* variables)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_", "REDIS_URL"))
    }
    env.update(
        PYTHONPATH=str(ROOT),
        PYTHONUNBUFFERED="1",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="bench-" + base64.urlsafe_b64encode(os.urandom(48)).decode(),
        AUDIT_SIGNING_KEY=base64.b64encode(os.urandom(32)).decode(),
        WEBHOOK_SECRET_KEYS=base64.urlsafe_b64encode(os.urandom(32)).decode(),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        # Plain http on loopback: TLS would sit in a proxy in front.
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_LOG_LEVEL="WARNING",
        # No mail server here; e-mails are built and dropped.
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        BENCH_REDIS_URL=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS),
    )
    return env


def arguments(script: Path, quick: bool, env: dict[str, str]) -> list[str] | None:
    """The script's command-line arguments; None: skip it (--quick it does not take)."""
    source = script.read_text()
    args = []
    if quick:
        if '"--quick"' not in source:
            return None
        args.append("--quick")
    if script.stem == "api_throughput":
        args += ["--redis", env["BENCH_REDIS_URL"]]
    return args


def run_one(script: Path, args: list[str], env: dict, timeout: float, log: Path) -> dict:
    """Runs one benchmark, echoing its output; returns its rows, exit code and duration."""
    started = time.monotonic()
    command = [sys.executable, str(script), *args]
    print(f"\n== {script.name} {' '.join(args)}".rstrip(), flush=True)
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its servers and workers are stopped with it
    )
    timed_out = threading.Event()

    def stop() -> None:
        timed_out.set()
        for sig, grace in ((signal.SIGTERM, 30), (signal.SIGKILL, 0)):
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                return
            try:
                process.wait(timeout=grace)
                return
            except subprocess.TimeoutExpired:
                continue

    timer = threading.Timer(timeout, stop)
    timer.start()
    rows, errors = [], []
    with log.open("w") as out:
        for line in process.stdout:
            out.write(line)
            if line.startswith(PREFIX):
                try:
                    rows.append(json.loads(line[len(PREFIX) :]))
                except json.JSONDecodeError as error:
                    errors.append(f"unreadable {PREFIX.strip()} line: {error}")
                continue
            print("   " + line, end="", flush=True)
    code = process.wait()
    timer.cancel()
    if timed_out.is_set():
        errors.append(f"stopped after the {timeout:.0f} s time bound")
    elif code != 0:
        errors.append(f"exit status {code}")
    if not rows and not errors:
        errors.append(f"printed no {PREFIX.strip()} line")
    return {
        "script": script.name,
        "rows": rows,
        "errors": errors,
        "seconds": time.monotonic() - started,
    }


# The machine -------------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or "unknown CPU"
    match = re.search(r"^model name\s*:\s*(.+)$", text, re.MULTILINE)
    return match.group(1).strip() if match else "unknown CPU"


def postgres_version() -> str:
    try:
        import psycopg

        with psycopg.connect(POSTGRES_ADMIN, connect_timeout=5) as connection:
            return "PostgreSQL " + connection.execute("SHOW server_version").fetchone()[0]
    except Exception as error:  # the table says what is missing; the benches will fail anyway
        return f"PostgreSQL unreachable ({error.__class__.__name__})"


def redis_version(url: str) -> str:
    try:
        import redis

        return (
            "Redis " + redis.Redis.from_url(url, socket_timeout=5).info("server")["redis_version"]
        )
    except Exception as error:
        return f"Redis unreachable ({error.__class__.__name__})"


def commit() -> str:
    def git(*args: str) -> str:
        result = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return result.stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = [line[3:] for line in git("status", "--short").splitlines()]
    dirty = [name for name in dirty if name != "bench/RESULTS.md"]
    return head + (" + uncommitted changes" if dirty else "")


def load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


# The table and RESULTS.md --------------------------------------------------------------------


def measured(row: dict) -> str:
    value, unit = row.get("measured"), row.get("unit", "")
    if isinstance(value, int | float):
        text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:g}"
    else:
        text = str(value)
    return f"{text} {unit}".strip()


def met(row: dict) -> str:
    return {True: "yes", False: "**no**", None: "-"}.get(row.get("met"), "?")


def table(runs: list[dict]) -> list[str]:
    lines = [
        "| benchmark | figure | goal | measured | met? | detail |",
        "| --- | --- | --- | ---: | --- | --- |",
    ]
    for run in runs:
        if run.get("skipped"):
            lines.append(f"| `{run['script']}` | skipped: {run['skipped']} | | | | |")
            continue
        for row in run["rows"]:
            lines.append(
                f"| `{run['script']}` | {row.get('figure', '?')} | {row.get('goal', '')} "
                f"| {measured(row)} | {met(row)} | {row.get('detail', '')} |"
            )
        for error in run["errors"]:
            lines.append(f"| `{run['script']}` | **failed**: {error} | | | **no** | |")
    return lines


def section(runs: list[dict], machine: dict, quick: bool) -> str:
    lines = [f"## Latest `make bench`: {machine['date']}", ""]
    if quick:
        lines += [
            "**Quick run, not the goals' sizes** (`make bench BENCH_ARGS=--quick`): these "
            "figures show that every benchmark runs; they say nothing about the goals.",
            "",
        ]
    lines += [
        f"Machine: {machine['cores']} cores ({machine['cpu']}), {machine['postgres']}, "
        f"{machine['redis']}, Python {platform.python_version()}; load average (1/5/15 min) "
        f"{machine['load_before']} before, {machine['load_after']} after; code "
        f"{machine['commit']}; {machine['minutes']:.0f} min in all. Production configuration "
        "(DJANGO_DEBUG=false, gunicorn, Celery through Redis); each benchmark's own notes "
        "below and in its docstring.",
        "",
        *table(runs),
        "",
    ]
    return "\n".join(lines)


def write_results(text: str) -> None:
    """The generated section on top; the rest of RESULTS.md (its dated history) kept below
    the marker. The first time, everything after the title becomes the history."""
    old = RESULTS_MD.read_text() if RESULTS_MD.exists() else "# Benchmark results\n"
    if MARKER in old:
        history = old.split(MARKER, 1)[1].lstrip("\n")
    else:
        history = re.sub(r"\A# [^\n]*\n+", "", old)
    RESULTS_MD.write_text(f"# Benchmark results\n\n{text}\n{MARKER}\n\n{history}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: shows it works")
    parser.add_argument("--only", nargs="*", default=[], help="benchmark names (no .py)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per benchmark")
    parser.add_argument("--no-write", action="store_true", help="leave bench/RESULTS.md alone")
    args = parser.parse_args()

    started = time.monotonic()
    env = production_env()
    machine = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": os.cpu_count(),
        "cpu": cpu_model(),
        "postgres": postgres_version(),
        "redis": redis_version(env["BENCH_REDIS_URL"]),
        "commit": commit(),
        "load_before": load(),
    }
    out = BENCH / "results" / time.strftime("run-%Y%m%d-%H%M%S")
    out.mkdir(parents=True, exist_ok=True)
    runs = []
    for script in discover(args.only):
        script_args = arguments(script, args.quick, env)
        if script_args is None:
            runs.append({"script": script.name, "skipped": "takes no --quick", "rows": []})
            continue
        runs.append(run_one(script, script_args, env, args.timeout, out / f"{script.stem}.log"))
    machine["load_after"] = load()
    machine["minutes"] = (time.monotonic() - started) / 60

    text = section(runs, machine, args.quick)
    print("\n" + text)
    print(f"logs: {out.relative_to(ROOT)}/")
    if not args.no_write:
        write_results(text)
        print(f"written: {RESULTS_MD.relative_to(ROOT)}")
    failed = any(run.get("errors") for run in runs)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
