"""A workspace's app being installed or uninstalled: its scheduled work starts or stops,
and its data stays either way."""

from __future__ import annotations

from commands.context import Actor, Env
from commands.workspace import ensure_workspace
from store import workspaces
from store.db import retry_transient


@retry_transient
def installed(env: Env, workspace_id: str, name: str) -> None:
    """The workspace installed the app (again): make sure it exists and is active."""
    with env.db.transaction() as session:
        workspace = ensure_workspace(
            session, Actor(workspace_id, "", name, "install", name), env.now()
        )
        workspace.uninstalled_at = None
        if name and not workspace.name:
            workspace.name = name


@retry_transient
def uninstalled(env: Env, workspace_id: str) -> None:
    """The app was uninstalled or its tokens revoked: no more digests, reminders or DMs."""
    with env.db.transaction() as session:
        workspace = workspaces.get_workspace(session, workspace_id)
        if workspace is not None and workspace.uninstalled_at is None:
            workspace.uninstalled_at = env.now()
