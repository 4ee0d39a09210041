"""A local stand-in for Salesforce's REST API, shaped as Salesforce documents it.

The OAuth 2.0 client credentials token endpoint, `query` and `queryAll` with
`nextRecordsUrl` paging, `sobjects/Opportunity/{Id}` GET and PATCH (204), the
`deleted/` and `updated/` endpoints, errors as `[{"message", "errorCode"}]` and a
`Sforce-Limit-Info: api-usage=N/M` header on every API answer. It reads only the few
queries the connector sends (by FROM object, the `SystemModstamp >=` or `CreatedDate >=`
bound, `Field IN (...)` and the selected fields); faults are switched on per test with
`fail_next`. OpportunityFieldHistory keeps a row per change of a field in `tracked`, as
Salesforce's field history tracking does (a lookup such as Owner as two rows: the Ids,
then the names); with `field_history_queryable` off the object is `INVALID_TYPE`, as in
an org whose user may not read it.

Campaigns and leads: Campaign (with Salesforce's Sent and Responded statuses made for a
new one), CampaignMemberStatus (a new default takes it from the old), CampaignMember
(HasResponded and FirstRespondedDate following its status), Lead and LeadHistory (a row
per Status change, as field history tracking keeps it); deleting a campaign deletes its
statuses and members, and every deleted record is in `queryAll` with IsDeleted set.
`org.denied` makes an object's queries fail as for a user who may not read it.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest

VERSION = "v60.0"
CLIENT_ID = "3MVG9fake.client"
CLIENT_SECRET = "fake-secret-9f8e7d"
# A fault that is no answer: the connection is closed with nothing sent.
DROP = 0
MARKETING = ("Campaign", "CampaignMemberStatus", "CampaignMember", "Lead")
DEFAULT_STAGES: list[tuple[str, bool, bool, str, int]] = [
    # label, IsClosed, IsWon, ForecastCategoryName, DefaultProbability
    ("Prospecting", False, False, "Pipeline", 10),
    ("Qualification", False, False, "Pipeline", 10),
    ("Needs Analysis", False, False, "Pipeline", 20),
    ("Value Proposition", False, False, "Pipeline", 50),
    ("Id. Decision Makers", False, False, "Pipeline", 60),
    ("Perception Analysis", False, False, "Pipeline", 70),
    ("Proposal/Price Quote", False, False, "Pipeline", 75),
    ("Negotiation/Review", False, False, "Commit", 90),
    ("Closed Won", True, True, "Closed", 100),
    ("Closed Lost", True, False, "Omitted", 0),
]


def sf_time(moment: datetime) -> str:
    """A timestamp as Salesforce writes one: `2026-12-01T17:30:00.000+0000`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{moment.microsecond // 1000:03d}+0000"
    )


def parse_sf_time(text: str) -> datetime:
    value = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text.replace("Z", "+00:00"))
    return datetime.fromisoformat(value).astimezone(UTC)


class InvalidType(ValueError):
    """A query of an object the org does not have, or the user may not read."""


@dataclass
class Fault:
    status: int  # an HTTP status, or DROP
    code: str = ""
    message: str = ""
    fields: list[str] = field(default_factory=list)
    after: int = 0  # let this many calls through first


@dataclass
class Org:
    """What the org holds. Tests change it directly, as people would in Salesforce."""

    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    stages: list[dict[str, Any]] = field(default_factory=list)
    opportunities: dict[str, dict[str, Any]] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)
    field_history: list[dict[str, Any]] = field(default_factory=list)
    tracked: set[str] = field(default_factory=set)  # fields with history tracking: Owner, ...
    deleted: dict[str, datetime] = field(default_factory=dict)
    campaigns: dict[str, dict[str, Any]] = field(default_factory=dict)
    campaign_statuses: dict[str, dict[str, Any]] = field(default_factory=dict)
    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    leads: dict[str, dict[str, Any]] = field(default_factory=dict)
    lead_history: list[dict[str, Any]] = field(default_factory=list)
    # Objects the integration user may not read: sObject -> the errorCode Salesforce gives.
    denied: dict[str, str] = field(default_factory=dict)


class Refused(Exception):
    """A query Salesforce refuses with an errorCode (an object the user cannot read)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code = status, code


class FakeSalesforce:
    """Answers like Salesforce's REST API; `org` is its data, `calls` what was asked."""

    page_size = 2000  # Salesforce's default batch size for query
    field_history_queryable = True

    def __init__(self, *, api_limit: int = 100_000) -> None:
        self.org = Org()
        self.calls: list[tuple[str, str]] = []  # (method, path) of every request
        self.patches: list[tuple[str, dict[str, Any]]] = []  # what PATCHes were taken
        self.served: Counter[str] = Counter()  # records answered, by object
        self.api_used = 0
        self.api_limit = api_limit
        self.tokens: set[str] = set()
        self.tokens_issued = 0
        self.now = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
        self._faults: dict[str, list[Fault]] = {}
        self._cursors: dict[str, list[dict[str, Any]]] = {}
        self._ids = itertools.count(1)
        self._lock = threading.RLock()
        for label, closed, won, category, probability in DEFAULT_STAGES:
            self.add_stage(label, closed, won, category, probability)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                fake._handle(self, "GET")

            def do_POST(self) -> None:
                fake._handle(self, "POST")

            def do_PATCH(self) -> None:
                fake._handle(self, "PATCH")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FakeSalesforce:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- the org, as tests shape it ---------------------------------------------------

    def tick(self, seconds: float = 1) -> datetime:
        """Salesforce's clock: every change moves it on, so SystemModstamps differ."""
        with self._lock:
            self.now += timedelta(seconds=seconds)
            return self.now

    def new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):015d}"[:18]

    def add_stage(
        self, label: str, closed: bool, won: bool, category: str, probability: int
    ) -> None:
        self.org.stages.append(
            {
                "Id": self.new_id("01J"),
                "MasterLabel": label,
                "ApiName": label,
                "IsActive": True,
                "IsClosed": closed,
                "IsWon": won,
                "ForecastCategoryName": category,
                "DefaultProbability": probability,
                "SortOrder": len(self.org.stages) + 1,
            }
        )

    def add_user(
        self, name: str, email: str, *, manager: str | None = None, active: bool = True
    ) -> str:
        user_id = self.new_id("005")
        self.org.users[user_id] = {
            "Id": user_id,
            "Name": name,
            "Email": email,
            "ManagerId": manager,
            "IsActive": active,
            "SystemModstamp": sf_time(self.tick()),
        }
        return user_id

    def add_opportunity(self, **values: Any) -> str:
        """A new Opportunity; `values` are API names (Name, StageName, Amount, ...)."""
        with self._lock:
            opp_id = values.pop("Id", None) or self.new_id("006")
            at = self.tick()
            record = {
                "Id": opp_id,
                "Name": "",
                "Account": None,
                "OwnerId": next(iter(self.org.users), None),
                "StageName": "Prospecting",
                "Amount": None,
                "CloseDate": None,
                "NextStep": None,
                "ForecastCategoryName": None,
                "CreatedDate": sf_time(at),
                "IsDeleted": False,
                **values,
            }
            if record["ForecastCategoryName"] is None:
                record["ForecastCategoryName"] = self._category(record["StageName"])
            self._stamp(record, at, record["OwnerId"])
            self.org.opportunities[opp_id] = record
            self._history(record, at)
            if self.org.tracked:
                self._field_change(opp_id, "created", "Text", None, None, at)
            return opp_id

    def edit(self, opp_id: str, by: str | None = None, **values: Any) -> None:
        """Someone changes an Opportunity in Salesforce: its SystemModstamp moves."""
        with self._lock:
            record = self.org.opportunities[opp_id]
            before = dict(record)
            record.update(values)
            if "StageName" in values and "ForecastCategoryName" not in values:
                record["ForecastCategoryName"] = self._category(values["StageName"])
            at = self.tick()
            self._stamp(record, at, by or record["OwnerId"])
            self._history(record, at)
            for name, value in values.items():
                if before.get(name) != value:
                    self._track(opp_id, name, before.get(name), value, at)

    def delete(self, opp_id: str) -> None:
        with self._lock:
            record = self.org.opportunities[opp_id]
            at = self.tick()
            record["IsDeleted"] = True
            self._stamp(record, at, record["OwnerId"])
            self.org.deleted[opp_id] = at

    def undelete(self, opp_id: str) -> None:
        """Restored from the Recycle Bin: the same Id, with its history, live again."""
        with self._lock:
            record = self.org.opportunities[opp_id]
            at = self.tick()
            record["IsDeleted"] = False
            self._stamp(record, at, record["OwnerId"])
            self.org.deleted.pop(opp_id, None)

    def _stamp(self, record: dict[str, Any], at: datetime, by: str | None) -> None:
        record["SystemModstamp"] = record["LastModifiedDate"] = sf_time(at)
        record["LastModifiedById"] = by

    def _track(self, opp_id: str, name: str, old: Any, new: Any, at: datetime) -> None:
        tracked = "Owner" if name == "OwnerId" else name
        if tracked not in self.org.tracked:
            return
        if tracked == "Owner":
            self._field_change(opp_id, "Owner", "EntityId", old, new, at)
            names = [(self.org.users.get(u) or {}).get("Name") for u in (old, new)]
            self._field_change(opp_id, "Owner", "Text", names[0], names[1], at)
        else:
            self._field_change(opp_id, tracked, "Text", old, new, at)

    def _field_change(
        self, opp_id: str, name: str, data_type: str, old: Any, new: Any, at: datetime
    ) -> None:
        self.org.field_history.append(
            {
                "Id": self.new_id("017"),
                "OpportunityId": opp_id,
                "Field": name,
                "DataType": data_type,
                "OldValue": old,
                "NewValue": new,
                "CreatedDate": sf_time(at),
                "IsDeleted": False,
            }
        )

    def _category(self, stage: str) -> str:
        found = [s for s in self.org.stages if s["MasterLabel"] == stage]
        return found[0]["ForecastCategoryName"] if found else "Pipeline"

    def _history(self, record: dict[str, Any], at: datetime) -> None:
        self.org.history.append(
            {
                "Id": self.new_id("008"),
                "OpportunityId": record["Id"],
                "StageName": record["StageName"],
                "Amount": record["Amount"],
                "CloseDate": record["CloseDate"],
                "ForecastCategory": record["ForecastCategoryName"],
                "CreatedDate": sf_time(at),
                "SystemModstamp": sf_time(at),
            }
        )

    # -- campaigns and leads --------------------------------------------------------

    def _marketing_tables(self) -> dict[str, list[dict[str, Any]]]:
        return {
            "Campaign": list(self.org.campaigns.values()),
            "CampaignMemberStatus": list(self.org.campaign_statuses.values()),
            "CampaignMember": list(self.org.members.values()),
            "Lead": list(self.org.leads.values()),
            "LeadHistory": self.org.lead_history,
        }

    def add_campaign(self, name: str, **values: Any) -> str:
        """A new campaign (`values` are API names: Type, ParentId, ActualCost, ...) with the
        two member statuses Salesforce gives every new one: Sent (the default), Responded."""
        with self._lock:
            campaign_id = self.new_id("701")
            at = self.tick()
            self.org.campaigns[campaign_id] = {
                "Id": campaign_id,
                "Name": name,
                "Type": None,
                "Status": "Planned",
                "ParentId": None,
                "StartDate": None,
                "EndDate": None,
                "BudgetedCost": None,
                "ActualCost": None,
                "ExpectedRevenue": None,
                "ExpectedResponse": None,
                "NumberSent": 0,
                "IsActive": True,
                "IsDeleted": False,
                "CreatedDate": sf_time(at),
                "SystemModstamp": sf_time(at),
                **values,
            }
            self.add_campaign_status(campaign_id, "Sent", default=True)
            self.add_campaign_status(campaign_id, "Responded", responded=True)
            return campaign_id

    def edit_campaign(self, campaign_id: str, **values: Any) -> None:
        with self._lock:
            record = self.org.campaigns[campaign_id]
            record.update(values)
            record["SystemModstamp"] = sf_time(self.tick())

    def add_campaign_status(
        self, campaign_id: str, label: str, *, responded: bool = False, default: bool = False
    ) -> str:
        """A member status; a new default takes the default from the one before, as in
        Salesforce (whose record changes too)."""
        with self._lock:
            at = self.tick()
            own = self._statuses(campaign_id)
            if default:
                for other in own:
                    if other["IsDefault"]:
                        other["IsDefault"] = False
                        other["SystemModstamp"] = sf_time(at)
            status_id = self.new_id("01Y")
            self.org.campaign_statuses[status_id] = {
                "Id": status_id,
                "CampaignId": campaign_id,
                "Label": label,
                "HasResponded": responded,
                "IsDefault": default,
                "SortOrder": len(own) + 1,
                "IsDeleted": False,
                "SystemModstamp": sf_time(at),
            }
            return status_id

    def _statuses(self, campaign_id: str) -> list[dict[str, Any]]:
        return [
            s
            for s in self.org.campaign_statuses.values()
            if s["CampaignId"] == campaign_id and not s["IsDeleted"]
        ]

    def _status(self, campaign_id: str, label: str | None) -> dict[str, Any]:
        own = self._statuses(campaign_id)
        found = [s for s in own if (s["Label"] == label if label else s["IsDefault"])]
        if not found:
            raise ValueError(f"campaign {campaign_id} has no status {label}")
        return found[0]

    def add_member(
        self,
        campaign_id: str,
        *,
        lead_id: str | None = None,
        contact_id: str | None = None,
        status: str | None = None,
    ) -> str:
        """A lead or contact joins a campaign, with its default status unless given."""
        with self._lock:
            at = self.tick()
            member_id = self.new_id("00v")
            self.org.members[member_id] = {
                "Id": member_id,
                "CampaignId": campaign_id,
                "LeadId": lead_id,
                "ContactId": contact_id,
                "Status": None,
                "HasResponded": False,
                "FirstRespondedDate": None,
                "IsDeleted": False,
                "CreatedDate": sf_time(at),
                "SystemModstamp": sf_time(at),
            }
            self._member_status(member_id, status, at)
            return member_id

    def edit_member(self, member_id: str, status: str) -> None:
        with self._lock:
            self._member_status(member_id, status, self.tick())

    def _member_status(self, member_id: str, label: str | None, at: datetime) -> None:
        record = self.org.members[member_id]
        status = self._status(record["CampaignId"], label)
        record["Status"] = status["Label"]
        record["HasResponded"] = status["HasResponded"]
        if status["HasResponded"] and record["FirstRespondedDate"] is None:
            record["FirstRespondedDate"] = at.date().isoformat()
        record["SystemModstamp"] = sf_time(at)

    def delete_member(self, member_id: str) -> None:
        with self._lock:
            record = self.org.members[member_id]
            record["IsDeleted"] = True
            record["SystemModstamp"] = sf_time(self.tick())

    def undelete_member(self, member_id: str) -> None:
        """Restored from the Recycle Bin: the same Id, live again."""
        with self._lock:
            record = self.org.members[member_id]
            record["IsDeleted"] = False
            record["SystemModstamp"] = sf_time(self.tick())

    def delete_campaign(self, campaign_id: str) -> None:
        """The campaign goes, and its statuses and members with it (Salesforce cascades)."""
        with self._lock:
            at = sf_time(self.tick())
            related = [
                *[s for s in self.org.campaign_statuses.values() if s["CampaignId"] == campaign_id],
                *[m for m in self.org.members.values() if m["CampaignId"] == campaign_id],
                self.org.campaigns[campaign_id],
            ]
            for record in related:
                if not record["IsDeleted"]:
                    record["IsDeleted"], record["SystemModstamp"] = True, at

    def add_lead(self, name: str, **values: Any) -> str:
        """A new Lead (`values` are API names: Company, Email, LeadSource, OwnerId,
        Status, custom fields) and LeadHistory's `created` row."""
        with self._lock:
            lead_id = values.pop("Id", None) or self.new_id("00Q")
            at = self.tick()
            self.org.leads[lead_id] = {
                "Id": lead_id,
                "Name": name,
                "Company": None,
                "Email": None,
                "LeadSource": None,
                "Status": "Open - Not Contacted",
                "OwnerId": next(iter(self.org.users), None),
                "IsConverted": False,
                "ConvertedDate": None,
                "ConvertedOpportunityId": None,
                "IsDeleted": False,
                "CreatedDate": sf_time(at),
                "SystemModstamp": sf_time(at),
                **values,
            }
            self._lead_change(lead_id, "created", None, None, at)
            return lead_id

    def edit_lead(self, lead_id: str, **values: Any) -> None:
        """Someone changes a Lead; a new Status is tracked in LeadHistory, as field
        history tracking on Lead Status records it."""
        with self._lock:
            record = self.org.leads[lead_id]
            at = self.tick()
            if "Status" in values and values["Status"] != record["Status"]:
                self._lead_change(lead_id, "Status", record["Status"], values["Status"], at)
            record.update(values)
            record["SystemModstamp"] = sf_time(at)

    def convert_lead(self, lead_id: str, opportunity_id: str) -> None:
        """The lead is converted (to an Opportunity made for it), as the Convert button does."""
        day = self.now.date().isoformat()
        self.edit_lead(
            lead_id,
            Status="Closed - Converted",
            IsConverted=True,
            ConvertedDate=day,
            ConvertedOpportunityId=opportunity_id,
        )

    def delete_lead(self, lead_id: str) -> None:
        with self._lock:
            record = self.org.leads[lead_id]
            record["IsDeleted"] = True
            record["SystemModstamp"] = sf_time(self.tick())

    def _lead_change(self, lead_id: str, field_name: str, old: Any, new: Any, at: datetime) -> None:
        self.org.lead_history.append(
            {
                "Id": self.new_id("017"),
                "LeadId": lead_id,
                "Field": field_name,
                "OldValue": old,
                "NewValue": new,
                "CreatedDate": sf_time(at),
            }
        )

    # -- faults -----------------------------------------------------------------------

    def fail_next(
        self,
        kind: str,
        status: int,
        code: str = "",
        message: str = "",
        *,
        fields: list[str] | None = None,
        after: int = 0,
        times: int = 1,
    ) -> None:
        """Make the next `times` calls of `kind` (token, query, more, get, patch, deleted)
        fail, after `after` of them go through."""
        with self._lock:
            queue = self._faults.setdefault(kind, [])
            queue.append(Fault(status, code, message, fields or [], after))
            queue.extend(Fault(status, code, message, fields or []) for _ in range(times - 1))

    def expire_tokens(self) -> None:
        """Every session ends, as when an admin revokes them or they time out."""
        self.tokens.clear()

    def _fault(self, kind: str) -> Fault | None:
        with self._lock:
            queue = self._faults.get(kind)
            if not queue:
                return None
            if queue[0].after > 0:
                queue[0].after -= 1
                return None
            return queue.pop(0)

    # -- HTTP -------------------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler, method: str) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length).decode() if length else ""
        parts = urlsplit(request.path)
        path = parts.path
        with self._lock:
            self.calls.append((method, request.path))
        if path == "/services/oauth2/token" and method == "POST":
            self._token(request, dict(parse_qsl(body)))
            return
        prefix = f"/services/data/{VERSION}/"
        if not path.startswith(prefix):
            self._send(request, 404, [{"message": "not found", "errorCode": "NOT_FOUND"}])
            return
        route = path.removeprefix(prefix).rstrip("/")
        kind = self._kind(route, method)
        fault = self._fault(kind)
        if fault is not None and fault.status == DROP:
            # The connection closes with no answer, as a proxy or a restart would.
            request.close_connection = True
            request.connection.close()
            return
        auth = request.headers.get("Authorization") or ""
        if auth.removeprefix("Bearer ") not in self.tokens:
            self._send(
                request,
                401,
                [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}],
            )
            return
        with self._lock:
            if self.api_used >= self.api_limit:
                self._send(
                    request,
                    403,
                    [
                        {
                            "message": "TotalRequests Limit exceeded.",
                            "errorCode": "REQUEST_LIMIT_EXCEEDED",
                        }
                    ],
                )
                return
            self.api_used += 1
        if fault is not None:
            error = {"message": fault.message or fault.code, "errorCode": fault.code}
            if fault.fields:
                error["fields"] = fault.fields
            self._send(request, fault.status, [error])
            return
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        try:
            status, answer = self._answer(route, method, query, body)
        except Refused as refused:
            status, answer = refused.status, [{"message": str(refused), "errorCode": refused.code}]
        except LookupError as missing:
            status = 404
            answer = [{"message": str(missing), "errorCode": "NOT_FOUND"}]
        except ValueError as bad:
            status = 400
            code = "INVALID_TYPE" if isinstance(bad, InvalidType) else "MALFORMED_QUERY"
            answer = [{"message": str(bad), "errorCode": code}]
        self._send(request, status, answer)

    def _kind(self, route: str, method: str) -> str:
        if route in ("query", "queryAll"):
            return "query"
        if route.startswith(("query/", "queryAll/")):
            return "more"
        if route.endswith("/deleted"):
            return "deleted"
        if route.endswith("/updated"):
            return "updated"
        return "patch" if method == "PATCH" else "get"

    def _token(self, request: BaseHTTPRequestHandler, form: dict[str, str]) -> None:
        fault = self._fault("token")
        if fault is not None:
            self._send(request, fault.status or 500, {"error": fault.code or "unknown_error"})
            return
        if (
            form.get("grant_type") != "client_credentials"
            or form.get("client_id") != CLIENT_ID
            or form.get("client_secret") != CLIENT_SECRET
        ):
            self._send(
                request,
                400,
                {"error": "invalid_client", "error_description": "invalid client credentials"},
            )
            return
        with self._lock:
            self.tokens_issued += 1
            token = f"00D5g00000{self.tokens_issued:05d}!AQ.fake{next(self._ids)}session"
            self.tokens.add(token)
        self._send(
            request,
            200,
            {
                "access_token": token,
                "instance_url": self.url,
                "id": f"{self.url}/id/00Dfake/005fake",
                "token_type": "Bearer",
                "issued_at": str(int(self.now.timestamp() * 1000)),
                "signature": "fake",
            },
            limit=False,
        )

    def _answer(self, route: str, method: str, query: dict[str, str], body: str) -> tuple[int, Any]:
        if route in ("query", "queryAll"):
            return 200, self._query(query.get("q", ""), every=route == "queryAll")
        if route.startswith(("query/", "queryAll/")):
            return 200, self._more(route.partition("/")[2])
        match = re.fullmatch(r"sobjects/Opportunity/(deleted|updated)", route)
        if match:
            return 200, self._changed(match[1], query)
        match = re.fullmatch(r"sobjects/Opportunity/(\w+)", route)
        if match and method == "GET":
            record = self._live(match[1])
            return 200, {"attributes": self._attributes("Opportunity", record["Id"]), **record}
        if match and method == "PATCH":
            return self._patch(match[1], json.loads(body or "{}"))
        raise LookupError(f"The requested resource does not exist: {route}")

    def _live(self, opp_id: str) -> dict[str, Any]:
        record = self.org.opportunities.get(opp_id)
        if record is None or record["IsDeleted"]:
            raise LookupError("The requested resource does not exist")
        return record

    def _patch(self, opp_id: str, values: dict[str, Any]) -> tuple[int, Any]:
        with self._lock:
            self._live(opp_id)
            unknown = [
                k
                for k in values
                if k not in self.org.opportunities[opp_id] and not k.endswith("__c")
            ]
            if unknown:
                return 400, [
                    {
                        "message": f"No such column '{unknown[0]}' on sobject of type Opportunity",
                        "errorCode": "INVALID_FIELD",
                    }
                ]
            stages = {s["MasterLabel"] for s in self.org.stages}
            if "StageName" in values and values["StageName"] not in stages:
                return 400, [
                    {
                        "message": f"Stage: bad value for restricted picklist field: "
                        f"{values['StageName']}",
                        "errorCode": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                        "fields": ["StageName"],
                    }
                ]
            self.patches.append((opp_id, values))
            self.edit(opp_id, by="005INTEGRATION0001", **values)
        return 204, None

    def _changed(self, which: str, query: dict[str, str]) -> dict[str, Any]:
        start = parse_sf_time(query["start"])
        end = parse_sf_time(query["end"])
        if which == "deleted":
            found = [
                {"id": opp_id, "deletedDate": sf_time(at)}
                for opp_id, at in self.org.deleted.items()
                if start <= at < end
            ]
            return {
                "deletedRecords": found,
                "earliestDateAvailable": sf_time(self.now - timedelta(days=15)),
                "latestDateCovered": sf_time(end),
            }
        ids = [
            r["Id"]
            for r in self.org.opportunities.values()
            if start <= parse_sf_time(r["SystemModstamp"]) < end and not r["IsDeleted"]
        ]
        return {"ids": ids, "latestDateCovered": sf_time(end)}

    def _query(self, soql: str, *, every: bool) -> dict[str, Any]:
        match = re.search(r"SELECT\s+(.+?)\s+FROM\s+(\w+)", soql, re.IGNORECASE | re.DOTALL)
        if match is None:
            raise ValueError(f"unexpected token in: {soql[:80]}")
        selected = [f.strip() for f in match[1].split(",")]
        sobject = match[2]
        tables = {
            "User": list(self.org.users.values()),
            "OpportunityStage": self.org.stages,
            "Opportunity": list(self.org.opportunities.values()),
            "OpportunityHistory": self.org.history,
            **self._marketing_tables(),
        }
        if sobject in self.org.denied:
            code = self.org.denied[sobject]
            raise Refused(
                400 if code == "INVALID_TYPE" else 403,
                code,
                f"sObject type '{sobject}' is not supported."
                if code == "INVALID_TYPE"
                else "insufficient access rights on object id",
            )
        if sobject == "Opportunity" and "Campaign" in self.org.denied and "CampaignId" in selected:
            # Without campaigns, Opportunity has no CampaignId field.
            raise Refused(
                400, "INVALID_FIELD", "No such column 'CampaignId' on entity 'Opportunity'"
            )
        if self.field_history_queryable:
            tables["OpportunityFieldHistory"] = self.org.field_history
        if sobject not in tables:
            raise InvalidType(f"sObject type '{sobject}' is not supported.")
        rows = tables[sobject]
        if sobject in ("Opportunity", *MARKETING) and not every:
            rows = [r for r in rows if not r.get("IsDeleted")]
        if sobject in ("OpportunityHistory", "OpportunityFieldHistory") and not every:
            live = {i for i, r in self.org.opportunities.items() if not r["IsDeleted"]}
            rows = [r for r in rows if r["OpportunityId"] in live]
        if sobject == "LeadHistory" and not every:
            rows = [r for r in rows if not self.org.leads[r["LeadId"]]["IsDeleted"]]
        bound = re.search(r"(SystemModstamp|CreatedDate)\s*>=\s*(\S+)", soql)
        if bound:
            since = parse_sf_time(bound[2])
            rows = [r for r in rows if parse_sf_time(r[bound[1]]) >= since]
        equal = re.search(r"(\w+)\s*=\s*'([^']*)'", soql)
        if equal:
            rows = [r for r in rows if r.get(equal[1]) == equal[2]]
        among = re.search(r"(\w+)\s+IN\s*\(([^)]*)\)", soql, re.IGNORECASE)
        if among:
            allowed = {v.strip().strip("'") for v in among[2].split(",")}
            rows = [r for r in rows if r.get(among[1]) in allowed]
        if re.search(r"IsActive\s*=\s*true", soql, re.IGNORECASE):
            rows = [r for r in rows if r["IsActive"]]
        order = re.search(r"ORDER BY\s+([\w, ]+?)(?:\s+LIMIT|$)", soql, re.IGNORECASE)
        if order:
            keys = [k.strip().split()[0] for k in order[1].split(",")]
            rows = sorted(
                rows, key=lambda r: tuple((r.get(k) is None, r.get(k) or 0) for k in keys)
            )
        records = [self._shaped(sobject, row, selected) for row in rows]
        return self._page(records)

    def _shaped(self, sobject: str, row: dict[str, Any], selected: list[str]) -> dict[str, Any]:
        shaped: dict[str, Any] = {"attributes": self._attributes(sobject, row.get("Id", ""))}
        for name in selected:
            if "." in name:  # a relationship field, nested as Salesforce nests it
                parent, _, child = name.partition(".")
                value = row.get(parent)
                if isinstance(value, dict):
                    shaped[parent] = {
                        "attributes": {"type": parent},
                        child: value.get(child),
                    }
                elif isinstance(value, str):
                    shaped[parent] = {"attributes": {"type": parent}, child: value}
                else:
                    shaped[parent] = None
            else:
                shaped[name] = row.get(name)
        return shaped

    def _attributes(self, sobject: str, record_id: str) -> dict[str, str]:
        return {
            "type": sobject,
            "url": f"/services/data/{VERSION}/sobjects/{sobject}/{record_id}",
        }

    def _page(self, records: list[dict[str, Any]], locator: str | None = None) -> dict[str, Any]:
        """One page of a query; the rest is kept under a locator, as Salesforce keeps a
        cursor, and `nextRecordsUrl` names the next page."""
        with self._lock:
            if locator is None:
                base, offset = f"01gFAKE{next(self._ids):08d}", 0
                self._cursors[base] = records
            else:
                base, _, rest = locator.partition("-")
                offset = int(rest or 0)
            everything = self._cursors[base]
        page = everything[offset : offset + self.page_size]
        with self._lock:
            self.served.update(r["attributes"]["type"] for r in page)
        done = offset + self.page_size >= len(everything)
        answer: dict[str, Any] = {"totalSize": len(everything), "done": done, "records": page}
        if done:
            with self._lock:
                self._cursors.pop(base, None)
        else:
            answer["nextRecordsUrl"] = (
                f"/services/data/{VERSION}/query/{base}-{offset + self.page_size}"
            )
        return answer

    def _more(self, locator: str) -> dict[str, Any]:
        if locator.partition("-")[0] not in self._cursors:
            raise ValueError("invalid query locator")
        return self._page([], locator)

    def _send(
        self, request: BaseHTTPRequestHandler, status: int, body: Any, *, limit: bool = True
    ) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        request.send_response(status)
        if data:
            request.send_header("Content-Type", "application/json;charset=UTF-8")
        request.send_header("Content-Length", str(len(data)))
        if limit:
            request.send_header("Sforce-Limit-Info", f"api-usage={self.api_used}/{self.api_limit}")
        request.end_headers()
        if data:
            request.wfile.write(data)


def seed(fake: FakeSalesforce) -> dict[str, str]:
    """A small org: a VP, two reps with Slack accounts (maya, jo, by email) and one
    without (ravi), four open Opportunities and a won one. Returns names -> ids."""
    ids: dict[str, str] = {}
    ids["vp"] = fake.add_user("Vera Vice", "vera@example.com")
    ids["maya"] = fake.add_user("Maya Rep", "maya@example.com", manager=ids["vp"])
    ids["jo"] = fake.add_user("Jo Rep", "jo@example.com", manager=ids["vp"])
    ids["ravi"] = fake.add_user("Ravi Nobody", "ravi@example.com", manager=ids["vp"])
    deals = [
        ("acme", "Acme renewal", "maya", "Needs Analysis", 120000, "2026-12-15", "EMEA"),
        ("globex", "Globex expansion", "maya", "Negotiation/Review", 80000, "2026-12-20", "NA"),
        ("initech", "Initech pilot", "jo", "Prospecting", 25000.5, "2027-01-31", "NA"),
        ("umbrella", "Umbrella hub", "ravi", "Proposal/Price Quote", 300000, "2026-12-31", "EMEA"),
        ("hooli", "Hooli seats", "jo", "Closed Won", 42000, "2026-11-01", "APAC"),
    ]
    for key, name, owner, stage, amount, close, region in deals:
        ids[key] = fake.add_opportunity(
            Name=name,
            Account={"Name": name.split()[0] + " Corp"},
            OwnerId=ids[owner],
            StageName=stage,
            Amount=amount,
            CloseDate=close,
            Region__c=region,
            LeadSource="Partner",
        )
    return ids


@pytest.fixture
def salesforce() -> Iterator[FakeSalesforce]:
    """A fake org for one test, with nothing in it but Salesforce's default stages."""
    fake = FakeSalesforce().start()
    yield fake
    fake.stop()
