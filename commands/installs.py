"""A workspace's app being installed or uninstalled: its scheduled work starts or stops,
and its data stays either way."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from commands.context import Actor, Env
from commands.unit import run_job
from commands.workspace import ensure_workspace
from store import workspaces


def installed(env: Env, workspace_id: str, name: str) -> None:
    """The workspace installed the app (again): make sure it exists and is active."""

    def work(session: Session, _now: datetime) -> None:
        workspace = ensure_workspace(
            session, Actor(workspace_id, "", name, "install", name), env.now()
        )
        workspace.uninstalled_at = None
        if name and not workspace.name:
            workspace.name = name

    return run_job(env, work)


def uninstalled(env: Env, workspace_id: str) -> None:
    """The app was uninstalled or its tokens revoked: no more digests, reminders or DMs."""

    def work(session: Session, _now: datetime) -> None:
        workspace = workspaces.get_workspace(session, workspace_id)
        if workspace is not None and workspace.uninstalled_at is None:
            workspace.uninstalled_at = env.now()

    return run_job(env, work)
