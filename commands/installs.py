"""A workspace's app being installed or uninstalled: its scheduled work starts or stops,
and its data stays either way."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from commands.context import Actor, Env
from commands.unit import run_job
from commands.workspace import ensure_admin, ensure_workspace
from store import workspaces


def installed(env: Env, workspace_id: str, name: str, installer: str | None = None) -> None:
    """The workspace installed the app (again): make sure it exists and is active, and the
    person who installed it (`installer`, a Slack user id) is its admin when it has none,
    so the first admin is never whoever happens to speak first."""

    def work(session: Session, now: datetime) -> None:
        workspace = ensure_workspace(session, Actor(workspace_id, "", name, "install", name), now)
        workspace.uninstalled_at = None
        if name and not workspace.name:
            workspace.name = name
        if installer:
            ensure_admin(session, Actor(workspace_id, installer, "", "install", name), now)

    return run_job(env, work)


def uninstalled(env: Env, workspace_id: str) -> None:
    """The app was uninstalled or its tokens revoked: no more digests, reminders or DMs."""

    def work(session: Session, _now: datetime) -> None:
        workspace = workspaces.get_workspace(session, workspace_id)
        if workspace is not None and workspace.uninstalled_at is None:
            workspace.uninstalled_at = env.now()

    return run_job(env, work)
