"""What the write-back tells a rep, and the ids of the buttons it offers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SF_KEEP_THEIRS = "salesforce_keep_theirs"
SF_WRITE_MINE = "salesforce_write_mine"


@dataclass(frozen=True)
class WriteBackNotice:
    """A change of the rep's that Salesforce did not take: a `conflict` (someone changed
    the same fields there; the rep chooses) or `refused` (a rule there said no; the deal
    here now holds Salesforce's values). `fields` are (label, the rep's, Salesforce's)."""

    kind: Literal["conflict", "refused"]
    workspace_id: str
    user_id: str | None  # the rep's Slack id; None when they have none (status lists it)
    outbox_id: int
    deal_name: str
    fields: list[tuple[str, str, str]]
    by: str  # who changed it in Salesforce (a conflict)
    message: str  # why Salesforce refused it, in plain words
