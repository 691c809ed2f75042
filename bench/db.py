"""The benchmark database: a fresh one per generated city."""

import os
from pathlib import Path

import environ

DEFAULT_URL = "sqlite:///{}".format(
    Path(__file__).resolve().parent.parent / "var" / "bench.sqlite3"
)


def url():
    return os.environ.get("DATABASE_URL") or DEFAULT_URL


def recreate():
    """Drop and create the database named by DATABASE_URL (before Django starts)."""
    config = environ.Env.db_url_config(url())
    if config["ENGINE"].endswith("sqlite3"):
        path = Path(config["NAME"])
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return
    import psycopg

    name = config["NAME"]
    with psycopg.connect(
        host=config.get("HOST") or "127.0.0.1",
        port=config.get("PORT") or 5432,
        user=config.get("USER") or "postgres",
        password=config.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
