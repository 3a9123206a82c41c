"""The supervisor of `make serve` (tracker.serve.Supervisor) with stand-in children: a stop
request reaches every child and their own children; a child that dies stops the rest and the
supervisor reports failure, but a dead worker or beat is started again (up to 3 times a
minute)."""

import os
import signal
import sys
import threading
from pathlib import Path

from tests.helpers import wait_until
from tracker.serve import EXIT_CHILD_DIED, Supervisor

SLEEP = [sys.executable, "-c", "import time; time.sleep(60)"]


def alive(pid: int) -> bool:
    """Running, not a zombie waiting to be reaped."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def test_a_stop_request_stops_every_child_and_reports_success():
    supervisor = Supervisor(stop_seconds=10)
    supervisor.start("web", SLEEP, dict(os.environ))
    supervisor.start("worker", SLEEP, dict(os.environ))
    threading.Timer(0.5, supervisor.ask_to_stop, args=(signal.SIGTERM,)).start()

    status = supervisor.wait()

    assert status == 0
    assert [p.returncode for p in supervisor.children.values()] == [-signal.SIGTERM] * 2


def test_web_dying_stops_the_others_and_the_supervisor_fails():
    supervisor = Supervisor(stop_seconds=10)
    supervisor.start("worker", SLEEP, dict(os.environ))
    supervisor.start("web", [sys.executable, "-c", "raise SystemExit(3)"], dict(os.environ))

    status = supervisor.wait()

    assert status == EXIT_CHILD_DIED
    assert supervisor.children["web"].returncode == 3
    assert supervisor.children["worker"].returncode == -signal.SIGTERM


def test_a_dead_worker_is_started_again(tmp_path):
    starts = tmp_path / "starts"
    # Counts its starts in a file; dies the first time, lives the second.
    once = (
        "import pathlib, time\n"
        f"p = pathlib.Path({str(starts)!r})\n"
        "n = len(p.read_text()) if p.exists() else 0\n"
        "p.write_text('x' * (n + 1))\n"
        "if n:\n    time.sleep(60)\n"
    )
    supervisor = Supervisor(stop_seconds=10)
    supervisor.start("web", SLEEP, dict(os.environ))
    supervisor.start("worker", [sys.executable, "-c", once], dict(os.environ))
    threading.Timer(3, supervisor.ask_to_stop, args=(signal.SIGTERM,)).start()

    status = supervisor.wait()

    assert status == 0
    assert starts.read_text() == "xx"


def test_a_worker_that_keeps_dying_stops_everything():
    supervisor = Supervisor(stop_seconds=10)
    supervisor.start("web", SLEEP, dict(os.environ))
    supervisor.start("beat", [sys.executable, "-c", "raise SystemExit(3)"], dict(os.environ))

    status = supervisor.wait()

    assert status == EXIT_CHILD_DIED
    assert supervisor.children["beat"].returncode == 3
    assert supervisor.children["web"].returncode == -signal.SIGTERM


def test_a_childs_own_children_end_with_it(tmp_path):
    pid_file = tmp_path / "grandchild.pid"
    # The child starts a grandchild, then dies on SIGTERM without passing it on.
    parent = (
        "import subprocess, sys, time\n"
        f"grandchild = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"open({str(pid_file)!r}, 'w').write(str(grandchild.pid))\n"
        "time.sleep(60)\n"
    )
    supervisor = Supervisor(stop_seconds=10)
    supervisor.start("web", [sys.executable, "-c", parent], dict(os.environ))
    grandchild = int(
        wait_until(
            lambda: pid_file.exists() and pid_file.read_text(),
            timeout=20,
            message="the grandchild to start",
        )
    )

    supervisor.ask_to_stop(signal.SIGTERM)
    supervisor.wait()

    wait_until(lambda: not alive(grandchild), timeout=10, message="the grandchild to end")
