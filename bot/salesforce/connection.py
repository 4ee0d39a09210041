"""A workspace's stored connection as a REST client: the secret opened with
COUNCIL_SECRET_KEY only here, on its way into the client."""

from __future__ import annotations

from bot.salesforce.client import Client
from commands.context import Env
from store import salesforce as store_sf
from store.sealed import Sealer, keys_from_env


def client_for(env: Env, workspace_id: str, sealer: Sealer | None = None) -> Client | None:
    """The workspace's org, or None when it has not connected one."""
    with env.db.transaction() as session:
        connection = store_sf.connection(session, workspace_id)
        if connection is None:
            return None
        url, client_id, sealed = (
            connection.instance_url,
            connection.client_id,
            connection.client_secret,
        )
    secret = (sealer or Sealer(keys_from_env())).open(sealed) or ""
    return Client(url, client_id, secret)
