"""`council import people`: the sales organisation from a file, so deal exports find their
owners (OwnerId, name or email) and owners find their Slack accounts.

Two shapes are read: Salesforce's User export (`Id, Name, Email, ManagerId, IsActive,
UserRole.Name`) and a plain list (`name, email, role, manager, region`; Maven's
`sales_teams.csv` is one: `sales_agent, manager, regional_office`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from commands.context import Actor, Env
from commands.import_columns import squash
from commands.import_files import Unreadable, headers_of, records
from commands.parsing import ParseError
from commands.workspace import ROLES, ensure_workspace
from store import people
from store.models import Person

HEADERS: dict[str, tuple[str, ...]] = {
    "salesforce_id": ("Id", "UserId", "User Id"),
    "name": ("Name", "Full Name", "sales_agent", "Sales Agent", "Display Name"),
    "first": ("FirstName", "First Name"),
    "last": ("LastName", "Last Name"),
    "email": ("Email", "Email Address"),
    "manager_id": ("ManagerId", "Manager.Id"),
    "manager": ("Manager", "Manager.Name", "ManagerName", "Manager Email"),
    "active": ("IsActive", "Active"),
    "role": ("Role", "UserRole.Name", "UserRoleName", "Role Name"),
    "region": ("Region", "regional_office", "Regional Office", "Region__c"),
}
# Role names that mean someone leads a team (UserRole.Name says `VP, Sales`, `CEO`, ...).
LEADS = ("manager", "director", "head", "vp", "vice", "chief", "ceo", "cro", "lead")
_FALSE = {"false", "0", "no", "n", "f"}


class SlackDirectory(Protocol):
    """Who a Slack user is by email (Slack's users.lookupByEmail), as the CLI wires it."""

    def user_id_by_email(self, email: str) -> str | None: ...


@dataclass
class PeopleReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    bad: list[tuple[int, str]] = field(default_factory=list)
    in_slack: int = 0
    not_in_slack: list[str] = field(default_factory=list)  # names, for someone to invite
    inactive: int = 0
    notes: list[str] = field(default_factory=list)
    looked_up: bool = False  # whether Slack was asked (a directory was given)


@dataclass(frozen=True)
class _Row:
    line: int
    salesforce_id: str
    name: str
    email: str
    manager_id: str
    manager: str
    active: bool
    role: str | None  # rep, manager or admin; None when the file does not say
    region: str


def _columns(headers: list[str]) -> dict[str, str]:
    by_squash = {squash(h): h for h in headers if h}
    columns: dict[str, str] = {}
    for what, names in HEADERS.items():
        for name in names:
            if squash(name) in by_squash and by_squash[squash(name)] not in columns.values():
                columns[what] = by_squash[squash(name)]
                break
    return columns


def _role(text: str) -> str | None:
    lowered = text.strip().lower()
    if not lowered:
        return None
    if lowered in ROLES:
        return lowered
    words = set(squash_words(lowered))
    return "manager" if words & set(LEADS) else "rep"


def squash_words(text: str) -> list[str]:
    return [squash(word) for word in text.replace(",", " ").split() if squash(word)]


def _read(path: Path, report: PeopleReport) -> list[_Row]:
    columns = _columns(headers_of(path))
    if "name" not in columns and "email" not in columns and "first" not in columns:
        raise ParseError("a people file needs a Name or Email column (and Id, ManagerId, ...)")
    rows: list[_Row] = []
    for line, _headers, record in records(path):
        report.rows += 1
        if isinstance(record, Unreadable):
            report.bad.append((line, record.reason))
            continue

        def get(what: str, record: dict[str, str] = record) -> str:
            header = columns.get(what)
            return (record.get(header) or "").strip() if header else ""

        name = get("name") or " ".join(p for p in (get("first"), get("last")) if p)
        email = get("email")
        if not name and not email:
            report.bad.append((line, "no name and no email"))
            continue
        if email and "@" not in email:
            report.bad.append((line, f"`{email[:80]}` is not an email address"))
            continue
        if len(name) > 255 or len(email) > 255:
            report.bad.append((line, "a name or email longer than 255 characters"))
            continue
        active = get("active").lower() not in _FALSE
        report.inactive += not active
        rows.append(
            _Row(
                line,
                get("salesforce_id")[:32],
                name,
                email,
                get("manager_id")[:32],
                get("manager"),
                active,
                _role(get("role")),
                get("region")[:128],
            )
        )
    return rows


def import_people(
    env: Env, actor: Actor, path: Path, *, slack: SlackDirectory | None = None
) -> PeopleReport:
    """Add or update the people a file lists, with their managers; matched to people
    already here by Salesforce user id, then email, then Slack account, then name. An
    admin stays an admin whatever the file says."""
    report = PeopleReport(looked_up=slack is not None)
    rows = _read(path, report)
    slack_ids: dict[str, str] = {}
    if slack is not None:
        with env.db.transaction() as session:
            workspace_id = ensure_workspace(session, actor, env.now()).id
            # Someone already linked is not asked about again (a lookup is an HTTP call).
            linked = {
                (p.email or "").lower()
                for p in people.list_people(session, workspace_id)
                if p.slack_user_id and p.email
            }
        for row in rows:
            email = row.email.lower()
            if email and row.active and email not in slack_ids and email not in linked:
                found = slack.user_id_by_email(row.email)
                if found:
                    slack_ids[row.email.lower()] = found
    with env.db.transaction() as session:
        now = env.now()
        workspace = ensure_workspace(session, actor, now)
        everyone = people.list_people(session, workspace.id)
        index: dict[str, Person] = {}

        def remember(person: Person) -> None:
            for key in _keys_of(person):
                index.setdefault(key, person)

        for person in everyone:
            remember(person)
        placed: dict[int, Person] = {}  # line -> person
        for row in rows:
            slack_id = slack_ids.get(row.email.lower(), "") if row.email else ""
            keys = [
                f"sf:{row.salesforce_id}" if row.salesforce_id else "",
                f"email:{row.email.lower()}" if row.email else "",
                f"slack:{slack_id}" if slack_id else "",
                f"name:{row.name.lower()}" if row.name else "",
            ]
            match = next((index[k] for k in keys if k and k in index), None)
            if match is None:
                person = people.add_person(
                    session,
                    workspace.id,
                    display_name=row.name or row.email,
                    slack_user_id=None,
                    role="rep",
                    now=now,
                )
                report.created += 1
            else:
                person = match
                report.updated += _update_needed(person, row)
            _apply(person, row)
            holder = index.get(f"slack:{slack_id}") if slack_id else None
            if slack_id and person.slack_user_id is None and holder in (None, person):
                person.slack_user_id = slack_id
            elif slack_id and holder not in (None, person):
                report.notes.append(
                    f"{row.name or row.email}: their Slack account is already "
                    f"{holder.display_name if holder else ''}'s here; not linked"
                )
            if person.slack_user_id:
                report.in_slack += 1
            elif row.active and slack is not None:
                report.not_in_slack.append(row.name or row.email)
            session.flush()
            remember(person)
            placed[row.line] = person
        for row in rows:
            boss_key = f"sf:{row.manager_id}" if row.manager_id else ""
            if not boss_key and row.manager:
                boss_key = ("email:" if "@" in row.manager else "name:") + row.manager.lower()
            if not boss_key:
                continue
            boss = index.get(boss_key)
            person = placed[row.line]
            if boss is None and boss_key.startswith("name:"):
                # A plain list names managers it does not list (Maven's sales_teams.csv).
                boss = people.add_person(
                    session,
                    workspace.id,
                    display_name=row.manager,
                    slack_user_id=None,
                    role="manager",
                    now=now,
                    email=None,
                )
                report.created += 1
                remember(boss)
            if boss is None:
                boss_name = row.manager or row.manager_id
                report.notes.append(f"{person.display_name}: no manager `{boss_name}` here")
                continue
            if boss.id != person.id:
                person.manager_id = boss.id
                if boss.role == "rep" and not _says_role(rows, boss):
                    boss.role = "manager"  # someone reports to them
    return report


def _says_role(rows: list[_Row], person: Person) -> bool:
    return any(
        row.role is not None
        and (
            (row.salesforce_id and row.salesforce_id == person.salesforce_id)
            or (row.email and person.email and row.email.lower() == person.email.lower())
        )
        for row in rows
    )


def _keys_of(person: Person) -> list[str]:
    keys = [f"name:{person.display_name.lower()}"]
    if person.salesforce_id:
        keys.append(f"sf:{person.salesforce_id}")
    if person.email:
        keys.append(f"email:{person.email.lower()}")
    if person.slack_user_id:
        keys.append(f"slack:{person.slack_user_id}")
    return keys


def _update_needed(person: Person, row: _Row) -> bool:
    wanted = _apply_values(person, row)
    return any(getattr(person, k) != v for k, v in wanted.items())


def _apply_values(person: Person, row: _Row) -> dict[str, object]:
    values: dict[str, object] = {}
    if row.name:
        values["display_name"] = row.name
    if row.email:
        values["email"] = row.email
    if row.salesforce_id:
        values["salesforce_id"] = row.salesforce_id
    if row.region:
        values["region"] = row.region
    # An import never takes the admin role away (nor gives it: `council people admin` does).
    if row.role is not None and person.role != "admin" and row.role != "admin":
        values["role"] = row.role
    return values


def _apply(person: Person, row: _Row) -> None:
    for key, value in _apply_values(person, row).items():
        setattr(person, key, value)
