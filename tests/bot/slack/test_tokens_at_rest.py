"""Bot tokens encrypted at rest with COUNCIL_SECRET_KEY: a copy of the database alone
shows no token; keys rotate (the new key first, the old after it); a token stored before
encryption is sealed at the next start; OAuth without a good key refuses to start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store import Bot
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import text

from bot.slack.app import web_client
from bot.slack.oauth import clients_for
from bot.slack.tokens import SealedInstallationStore, Sealer
from commands.context import Env
from tests.bot.slack.test_http_oauth import install
from tests.support.fake_slack import FakeSlack
from tests.support.http_app import KEY, RunningApp

ROOT = Path(__file__).resolve().parents[3]
TEAM = "T0NEW0001"


def stored(env: Env) -> str:
    """Everything the two token tables hold, as a backup of them would."""
    with env.db.transaction() as session:
        rows = [
            *session.execute(text("SELECT * FROM slack_installations")).all(),
            *session.execute(text("SELECT * FROM slack_bots")).all(),
        ]
    assert rows
    return repr(rows)


def database_files(env: Env) -> bytes:
    """The SQLite file and its write-ahead log, byte for byte (empty on PostgreSQL)."""
    path = env.db.engine.url.database
    if env.db.engine.dialect.name != "sqlite" or not path:
        return b""
    return b"".join(Path(p).read_bytes() for p in (path, path + "-wal") if Path(p).exists())


def test_a_copy_of_the_database_shows_no_token(env: Env, slack: FakeSlack):
    slack.rotation = True  # a refresh token too, and a refreshed bot token
    app = RunningApp(env, slack, oauth=True)
    try:
        assert install(app)[0] == 200
        # The jobs refresh the expiring token (lasting 12 hours now) and store it.
        assert clients_for(env, app.settings, web_client)(TEAM).token == "xoxb-refreshed-1"
        backup = stored(env)
        for secret in ("xoxb-", "xoxe-"):
            assert secret not in backup
            assert secret.encode() not in database_files(env)
        assert "fernet:" in backup
    finally:
        app.stop()


def test_keys_rotate_new_first_old_after(env: Env, slack: FakeSlack):
    old, new = KEY, Fernet.generate_key().decode()
    first = RunningApp(env, slack, oauth=True, keys=(old,))
    assert install(first)[0] == 200
    first.stop()
    # The new key first and the old after it: every stored token is sealed again.
    RunningApp(env, slack, oauth=True, keys=(new, old)).stop()
    # So the old key can go.
    alone = RunningApp(env, slack, oauth=True, keys=(new,))
    try:
        assert clients_for(env, alone.settings, web_client)(TEAM).token == f"xoxb-installed-{TEAM}"
    finally:
        alone.stop()
    # Without the key they were sealed with, the app refuses to start rather than guess.
    with pytest.raises(SystemExit, match="opens with none of the keys"):
        RunningApp(env, slack, oauth=True, keys=(old,))


def test_a_token_stored_before_encryption_is_sealed_at_start(env: Env, slack: FakeSlack):
    plain = SQLAlchemyInstallationStore(client_id="111.222", engine=env.db.engine)
    plain.save_bot(
        Bot(
            app_id="A0COUNCIL1",
            enterprise_id=None,
            team_id=TEAM,
            bot_token="xoxb-from-before",
            bot_id="B0BOT0002",
            bot_user_id="U0BOT0002",
            installed_at=1_700_000_000.0,
        )
    )
    assert "xoxb-from-before" in stored(env)
    app = RunningApp(env, slack, oauth=True)
    try:
        assert "xoxb-" not in stored(env)
        assert clients_for(env, app.settings, web_client)(TEAM).token == "xoxb-from-before"
    finally:
        app.stop()


@pytest.mark.parametrize(
    "key, says",
    [(None, "set COUNCIL_SECRET_KEY first"), ("not-a-key", "must be Fernet keys")],
)
def test_oauth_serve_refuses_to_start_without_a_good_key(
    tmp_path: Path, key: str | None, says: str
):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "COUNCIL_"))}
    env |= {
        "PYTHONPATH": str(ROOT),
        "SLACK_CLIENT_ID": "111.222",
        "SLACK_CLIENT_SECRET": "oauth-client-secret",
        "SLACK_SIGNING_SECRET": "secret",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'council.db'}",
    }
    if key is not None:
        env["COUNCIL_SECRET_KEY"] = key
    try:
        result = subprocess.run(
            [sys.executable, "-m", "bot.run.cli", "serve", "--port", "0"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=20,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("council serve started without a usable COUNCIL_SECRET_KEY")
    assert result.returncode != 0
    assert says in result.stderr and "Traceback" not in result.stderr + result.stdout


def test_a_long_rotating_token_fits_once_sealed(env: Env):
    """A rotating token is about 150 characters; sealed, about twice that."""
    store = SealedInstallationStore("111.222", env.db.engine, Sealer((KEY,)))
    token = "xoxe.xoxb-1-" + "A" * 170
    store.save_bot(
        Bot(
            app_id="A0COUNCIL1",
            enterprise_id=None,
            team_id=TEAM,
            bot_token=token,
            bot_refresh_token="xoxe-1-" + "B" * 170,
            bot_id="B0BOT0002",
            bot_user_id="U0BOT0002",
            installed_at=1_700_000_000.0,
        )
    )
    found = store.find_bot(enterprise_id=None, team_id=TEAM)
    assert found is not None and found.bot_token == token
