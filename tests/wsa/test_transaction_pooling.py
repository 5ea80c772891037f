"""DATABASE_TRANSACTION_POOLING (PgBouncer in transaction mode): the settings drop what cannot outlive
a transaction — server-side cursors, prepared statements, startup options."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = ("import json, django; django.setup(); from django.conf import settings as s; "
         "d = s.DATABASES['default']; print(json.dumps({'cursors_off': d.get('DISABLE_SERVER_SIDE_CURSORS', False), "
         "'options': d.get('OPTIONS', {})}, default=str))")


def resolve(**variables) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "DATABASE_TRANSACTION_POOLING", "DATABASE_SESSION_OPTIONS",
                        "DATABASE_POOL_MAX_SIZE", "DJANGO_ENV"}}
    env.update(DJANGO_SETTINGS_MODULE="wsa.settings", DATABASE_URL="postgres://wsa:pw@pgbouncer:6432/wsa", **variables)
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_direct_connections_keep_server_side_cursors_prepared_statements_and_session_options():
    resolved = resolve()
    assert resolved["cursors_off"] is False
    assert "prepare_threshold" not in resolved["options"]
    assert resolved["options"]["options"] == "-c random_page_cost=1.1 -c jit=off"


def test_behind_a_transaction_pooler_nothing_outlives_a_transaction():
    resolved = resolve(DATABASE_TRANSACTION_POOLING="true", DATABASE_POOL_MAX_SIZE="4")
    assert resolved["cursors_off"] is True
    assert resolved["options"]["prepare_threshold"] is None
    assert "options" not in resolved["options"], "PgBouncer refuses startup options"
    assert resolved["options"]["pool"]["max_size"] == 4  # psycopg's pool in front of PgBouncer still works

