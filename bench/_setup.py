"""What several benchmarks share (bench/run.py runs no file whose name starts with "_")."""

import os


def ensure_database() -> None:
    """Create the benchmark's own database (DATABASE_URL's name) on the local server when it
    is not there yet."""
    import psycopg

    name = os.environ["DATABASE_URL"].rsplit("/", 1)[1]
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        if not c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            c.execute(f'CREATE DATABASE "{name}"')
