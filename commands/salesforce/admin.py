"""Connecting an org, mapping its fields to the dimensions, and what the sync has done."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from commands.context import Env
from commands.parsing import ParseError, clean
from commands.salesforce.sync import sync_actor
from commands.workspace import DIMENSIONS, ensure_workspace
from store import salesforce as store_sf
from store.models import SalesforceConnection, SalesforceUser
from store.sealed import Sealer

# An API name, custom (`Region__c`) or through a relationship (`Account.Type`).
FIELD_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)?$")
MAP_EXAMPLE = "council salesforce map region=Region__c segment=Account.Type source=LeadSource"


def connect(
    env: Env,
    workspace_id: str,
    *,
    instance_url: str,
    client_id: str,
    client_secret: str,
    sealer: Sealer,
) -> bool:
    """Keep the org's connection (the secret sealed); True when it replaced another."""
    if not re.match(r"^https?://[^\s/]+", instance_url):
        raise ParseError(f"`{instance_url}` is not an http(s) address (SALESFORCE_INSTANCE_URL)")
    with env.db.transaction() as session:
        ensure_workspace(session, sync_actor(workspace_id), env.now())
        existing = store_sf.connection(session, workspace_id)
        sealed = sealer.seal(client_secret) or ""
        if existing is None:
            session.add(
                SalesforceConnection(
                    workspace_id=workspace_id,
                    instance_url=instance_url.rstrip("/"),
                    client_id=client_id,
                    client_secret=sealed,
                    field_map={},
                    connected_at=env.now(),
                )
            )
            return False
        existing.instance_url = instance_url.rstrip("/")
        existing.client_id, existing.client_secret = client_id, sealed
        existing.connected_at = env.now()
        return True


def read_map(pairs: Sequence[str]) -> dict[str, str]:
    """`region=Region__c` pairs as {dimension: field}; raises ParseError naming the bad one."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        dimension, sep, name = (part.strip() for part in pair.partition("="))
        if not sep or dimension.lower() not in DIMENSIONS:
            raise ParseError(
                f"`{clean(pair)}`: name a dimension ({', '.join(DIMENSIONS)}) and a field, "
                f"as in {MAP_EXAMPLE}"
            )
        if name and not FIELD_NAME.match(name):
            raise ParseError(f"`{clean(name)}` is not a Salesforce field's API name")
        mapping[dimension.lower()] = name
    return mapping


def set_map(env: Env, workspace_id: str, pairs: Sequence[str]) -> dict[str, str]:
    """Keep which fields feed the dimensions (an empty field forgets one); the whole map."""
    mapping = read_map(pairs)
    with env.db.transaction() as session:
        connection = store_sf.connection(session, workspace_id)
        if connection is None:
            raise ParseError("connect an org first: council salesforce connect")
        kept = {**dict(connection.field_map), **mapping}
        connection.field_map = {d: f for d, f in kept.items() if f}
        return dict(connection.field_map)


@dataclass(frozen=True)
class ObjectState:
    sobject: str
    watermark: datetime | None
    rows: int
    last_run_at: datetime | None
    error: str | None = None  # why the object is not read (an org that hides it)


@dataclass(frozen=True)
class Status:
    """`council salesforce status`."""

    workspace_id: str
    instance_url: str
    field_map: dict[str, str]
    calls_used: int | None
    calls_limit: int | None
    last_started_at: datetime | None
    last_finished_at: datetime | None
    last_error: str | None
    objects: list[ObjectState]
    users: int
    unmatched: list[tuple[str, str]]  # active users without a Slack account: name, email
    outbox: dict[str, int] = field(default_factory=dict)


def status(env: Env, workspace_id: str) -> Status | None:
    with env.db.transaction() as session:
        connection = store_sf.connection(session, workspace_id)
        if connection is None:
            return None
        users: list[SalesforceUser] = list(store_sf.users_by_id(session, workspace_id).values())
        return Status(
            workspace_id,
            connection.instance_url,
            dict(connection.field_map),
            connection.calls_used,
            connection.calls_limit,
            connection.last_started_at,
            connection.last_finished_at,
            connection.last_error,
            [
                ObjectState(s.sobject, s.watermark, s.rows, s.last_run_at, s.error)
                for s in store_sf.sync_states(session, workspace_id)
            ],
            len(users),
            sorted((u.name, u.email or "") for u in users if u.active and not u.slack_matched),
            store_sf.outbox_counts(session, workspace_id),
        )
