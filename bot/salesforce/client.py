"""Salesforce's REST API over `requests`: a token by the OAuth 2.0 client credentials flow,
renewed once when a call says `INVALID_SESSION_ID`, retries with backoff on 5xx, 429 and
dropped connections, and the org's API limit read from `Sforce-Limit-Info` on every
answer: near it the client stops (leaving calls to the people using Salesforce); past it
(`REQUEST_LIMIT_EXCEEDED`) it stops at once, since the daily limit does not come back in
seconds. The client secret and the token are never logged or put in an error."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from typing import Any

import requests

from commands.salesforce.org import OrgError, OrgLimit, OrgNotFound, OrgUnavailable, Record

API_VERSION = "v60.0"
log = logging.getLogger("council.salesforce")
LIMIT_INFO = re.compile(r"api-usage=(\d+)/(\d+)")
# Past this share of the org's daily calls the sync stops until the next run.
LIMIT_SHARE = 0.9
RETRIES = 4
TIMEOUT = (10, 60)  # connect, read (seconds): a 2,000-record page can take a while


class Client:
    """One org's REST API. Satisfies `commands.salesforce.org.Org`."""

    def __init__(
        self,
        instance_url: str,
        client_id: str,
        client_secret: str,
        *,
        http: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        backoff: float = 0.5,
        limit_share: float = LIMIT_SHARE,
    ) -> None:
        self.instance_url = instance_url.rstrip("/")
        self._client_id = client_id
        self._client_secret = client_secret
        self.http = http or requests.Session()
        self.sleep = sleep
        self.backoff = backoff
        self.limit_share = limit_share
        self._token: str | None = None
        self._usage: tuple[int, int] | None = None
        self.calls = 0

    def __repr__(self) -> str:  # never the secret or the token
        return f"Client({self.instance_url!r})"

    # -- Org ---------------------------------------------------------------------------

    def query(self, soql: str, *, include_deleted: bool = False) -> Record:
        resource = "queryAll" if include_deleted else "query"
        return self._json("GET", f"/services/data/{API_VERSION}/{resource}", params={"q": soql})

    def query_more(self, next_records_url: str) -> Record:
        return self._json("GET", next_records_url)

    def get_opportunity(self, opportunity_id: str, fields: list[str]) -> Record:
        path = f"/services/data/{API_VERSION}/sobjects/Opportunity/{opportunity_id}"
        return self._json("GET", path, params={"fields": ",".join(fields)})

    def update_opportunity(self, opportunity_id: str, values: dict[str, Any]) -> None:
        path = f"/services/data/{API_VERSION}/sobjects/Opportunity/{opportunity_id}"
        self._call("PATCH", path, json=values)

    def usage(self) -> tuple[int, int] | None:
        return self._usage

    # -- the token ---------------------------------------------------------------------

    def authenticate(self) -> None:
        """A new access token (client credentials flow); raises OrgError when refused."""
        try:
            answer = self.http.post(
                f"{self.instance_url}/services/oauth2/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": self._client_id,
                    "client_secret": self._client_secret,
                },
                timeout=TIMEOUT,
            )
        except requests.RequestException as error:
            why = f"{self.instance_url}: {type(error).__name__}"
            raise OrgUnavailable("UNREACHABLE", why) from None
        if answer.status_code != 200:
            body = _body(answer)
            detail = body.get("error_description") or body.get("error") if body else None
            raise OrgError(
                "AUTHENTICATION",
                "Salesforce refused the connected app's credentials: "
                f"{detail or answer.status_code}",
            )
        self._token = answer.json()["access_token"]

    # -- calls -------------------------------------------------------------------------

    def _json(self, method: str, path: str, **kwargs: Any) -> Record:
        answer = self._call(method, path, **kwargs)
        found: Record = answer.json()
        return found

    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        self._check_limit()
        if self._token is None:
            self.authenticate()
        renewed = False
        attempt = 0
        while True:
            try:
                answer = self.http.request(
                    method,
                    self.instance_url + path,
                    headers={"Authorization": f"Bearer {self._token}"},
                    timeout=TIMEOUT,
                    **kwargs,
                )
            except (requests.ConnectionError, requests.Timeout) as error:
                attempt = self._wait(attempt, type(error).__name__)
                continue
            self.calls += 1
            self._read_limit(answer)
            if answer.status_code < 300:
                return answer
            errors = _errors(answer)
            code = errors[0].get("errorCode", "") if errors else ""
            message = errors[0].get("message", "") if errors else answer.reason
            if answer.status_code == 401 and code == "INVALID_SESSION_ID" and not renewed:
                # Tokens expire (or are revoked); one new one, then the call again.
                renewed = True
                self.authenticate()
                continue
            if code == "REQUEST_LIMIT_EXCEEDED":
                raise OrgLimit(code, message)
            if answer.status_code >= 500 or answer.status_code == 429:
                attempt = self._wait(attempt, f"{answer.status_code} {code}".strip())
                continue
            if answer.status_code == 404:
                raise OrgNotFound(code or "NOT_FOUND", message)
            fields = errors[0].get("fields", []) if errors else []
            raise OrgError(code or str(answer.status_code), message, fields)

    def _wait(self, attempt: int, why: str) -> int:
        if attempt >= RETRIES:
            raise OrgUnavailable("UNAVAILABLE", f"Salesforce did not answer ({why})")
        delay = self.backoff * 2**attempt
        log.warning("salesforce call failed (%s); again in %.1fs", why, delay)
        self.sleep(delay)
        return attempt + 1

    def _read_limit(self, answer: requests.Response) -> None:
        match = LIMIT_INFO.search(answer.headers.get("Sforce-Limit-Info", ""))
        if match:
            self._usage = (int(match[1]), int(match[2]))

    def _check_limit(self) -> None:
        if self._usage is None:
            return
        used, allowed = self._usage
        if allowed and used >= allowed * self.limit_share:
            raise OrgLimit(
                "NEAR_LIMIT",
                f"{used:,} of the org's {allowed:,} daily API calls are used; the sync "
                f"stops at {self.limit_share:.0%} and goes on when calls are free again",
            )


def _body(answer: requests.Response) -> dict[str, Any]:
    try:
        found = answer.json()
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _errors(answer: requests.Response) -> list[dict[str, Any]]:
    try:
        found = answer.json()
    except ValueError:
        return []
    if isinstance(found, list):
        return [e for e in found if isinstance(e, dict)]
    return [found] if isinstance(found, dict) else []
