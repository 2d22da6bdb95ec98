"""The embedded PostgreSQL used when no DATABASE_URL is given.

A fresh machine with only Python must be able to run and test the project, so
without DATABASE_URL the settings start a private PostgreSQL server (the
``pgserver`` package) with its data under ``.data/``. The server is shared by every
process of the checkout and stops when the last of them exits.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

DATABASE_NAME = "chairside"


def embedded_database_url(data_dir: Path) -> str:
    """Start (or join) the embedded server and return a URL to the project's database."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs complains about XDG_RUNTIME_DIR
        import pgserver

        data_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(data_dir, 0o755)  # pgserver runs postgres as its own user when we are root
        server = pgserver.get_server(data_dir / "pg", cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    return server.get_uri(DATABASE_NAME)
