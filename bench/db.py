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


def _admin():
    """An autocommit connection to the server's ``postgres`` database."""
    import psycopg

    config = environ.Env.db_url_config(url())
    return config["NAME"], psycopg.connect(
        host=config.get("HOST") or "127.0.0.1",
        port=config.get("PORT") or 5432,
        user=config.get("USER") or "postgres",
        password=config.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    )


def _template_name(shape):
    import hashlib

    root = Path(__file__).resolve().parent.parent
    # the generator's code (above its "the database" part): a change makes a
    # new template (a copy is migrated after it is made, so new migrations
    # need none)
    digest = hashlib.sha256()
    source = (root / "bench" / "monitoring_data.py").read_text(encoding="utf-8")
    digest.update(source.split("\n# -- the database", 1)[0].encode())
    return f"zz_bench_tpl_{shape}_{digest.hexdigest()[:8]}"[:63]


def is_postgres():
    return not environ.Env.db_url_config(url())["ENGINE"].endswith("sqlite3")


def from_template(shape):
    """PostgreSQL: recreate the database as a copy of the template kept for
    this data shape; its name, or None (no template, or SQLite)."""
    if not is_postgres():
        return None
    name, conn = _admin()
    template = _template_name(shape)
    with conn:
        found = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [template]
        ).fetchone()
        if not found:
            return None
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return template


def save_template(shape):
    """PostgreSQL: keep a copy of the database as this shape's template
    (Django's connection must be closed)."""
    if not is_postgres():
        return None
    name, conn = _admin()
    template = _template_name(shape)
    with conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{template}"')
        conn.execute(f'CREATE DATABASE "{template}" TEMPLATE "{name}"')
    return template
