#!/usr/bin/env python
"""Container health checks (docker/compose.yml), standard library only (no curl in the image).

    healthcheck.py /readyz           web: GET http://127.0.0.1:8000/readyz answers 200
    healthcheck.py --beat FILE SECS  beat: its schedule file was written in the last SECS

Exit 0 when healthy, 1 otherwise, with one line saying why.

The request looks like one the TLS proxy forwards (`X-Forwarded-Proto: https`, which the
settings trust), so that DJANGO_SECURE_SSL_REDIRECT does not answer it with a redirect, and
names the first host of DJANGO_ALLOWED_HOSTS, which Django requires.
"""

import glob
import os
import sys
import time
import urllib.error
import urllib.request


def web(path: str) -> int:
    hosts = [h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",")]
    host = next((h.lstrip(".") for h in hosts if h and h != "*"), "localhost")
    request = urllib.request.Request(
        f"http://127.0.0.1:8000{path}",
        headers={"Host": host, "X-Forwarded-Proto": "https"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError as error:
        print(f"{path}: {error}")
        return 1
    if status != 200:
        print(f"{path} answered {status}")
        return 1
    return 0


def beat(schedule: str, seconds: float) -> int:
    # The scheduler's shelve may add a suffix (.db, .dat) to the name it is given. Beat writes
    # it at start and again at most every 3 minutes while it sends tasks (the outbox sweep
    # is due every NOTIFY_SWEEP_SECONDS).
    files = glob.glob(schedule + "*")
    if not files:
        print(f"no schedule file {schedule}")
        return 1
    age = time.time() - max(os.path.getmtime(f) for f in files)
    if age > seconds:
        print(f"beat's schedule not written for {age:.0f} s")
        return 1
    return 0


if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) == 3 and args[0] == "--beat":
        sys.exit(beat(args[1], float(args[2])))
    if len(args) == 1 and args[0].startswith("/"):
        sys.exit(web(args[0]))
    sys.exit(__doc__)
