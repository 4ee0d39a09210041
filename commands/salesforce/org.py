"""What the use cases need of a Salesforce org, and how it fails. The connector
(`bot/salesforce`) satisfies it over the REST API; the use cases never see its client."""

from __future__ import annotations

from typing import Any, Protocol

Record = dict[str, Any]


class OrgError(Exception):
    """Salesforce refused the call (`errorCode`, `message`, the fields it names)."""

    def __init__(self, code: str, message: str, fields: list[str] | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.fields = fields or []


class OrgUnavailable(OrgError):
    """Salesforce did not answer after the retries (5xx, dropped connections): try later."""


class OrgLimit(OrgError):
    """The org's API calls are used up (`REQUEST_LIMIT_EXCEEDED`), or so nearly that the
    sync stops to leave the rest to the people using Salesforce."""


class OrgNotFound(OrgError):
    """The record is not there (deleted in Salesforce)."""


class Org(Protocol):
    def query(self, soql: str, *, include_deleted: bool = False) -> Record:
        """The first page of a query (`records`, `done`, `nextRecordsUrl`)."""
        ...

    def query_more(self, next_records_url: str) -> Record:
        """The page a `nextRecordsUrl` names."""
        ...

    def get_opportunity(self, opportunity_id: str, fields: list[str]) -> Record: ...

    def update_opportunity(self, opportunity_id: str, values: dict[str, Any]) -> None: ...

    def usage(self) -> tuple[int, int] | None:
        """The org's API calls used and allowed, as it last said (`Sforce-Limit-Info`)."""
        ...
