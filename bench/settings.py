"""Settings for the API throughput benchmark: production settings (from the environment, as
tracker/settings.py reads them) served through a bench-only URLconf. Never deployed."""

from tracker.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
