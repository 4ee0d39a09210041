"""A quarter of leads whose every SLA figure is counted by hand below (SPEC section 9).

Workspace in UTC, SLA defaults (24 business hours, 09:00-17:00 Monday to Friday), period
2026-Q4, as of Friday 2026-11-20 12:00 UTC. Ana works in UTC (no zone of her own); Ben in
New York, so his clock runs 14:00-22:00 UTC in November.

| lead | source | MQL (UTC) | follow-up at t | business hours | note |
| L1 | Marketing | Mon 11-02 09:00 | accepted 11-02 13:00 | 4 | converted to OPP1, won |
| L2 | Marketing | Tue 11-03 15:00 | rejected Thu 11-05 11:00 | 2+8+2 = 12 | No budget |
| L3 | Marketing | Fri 11-06 16:00 | accepted Thu 11-12 12:00 | 1+8+8+8+3 = 28 | late; OPP2, open |
| L4 | Partner | Mon 11-09 14:00 | rejected 11-09 20:00 | 6 (09:00-15:00 EST) | Ben; Not a fit |
| L5 | Marketing | Mon 11-16 10:00 | none | deadline Thu 11-19 10:00 | overdue at t |
| L6 | Partner | Thu 11-19 15:00 | none | deadline Tue 11-24 15:00 | still running |
| L10 | Marketing | Thu 11-19 09:00 | rejected 11-20 14:00 (after t) | due Mon 11-23 17:00 | |
L7 (MQL in 2026-Q3), L8 (MQL after t) and L9 (never an MQL) are not the period's MQLs.

By hand, the total: 7 MQLs; accepted 2 (L1, L3), rejected 2 (L2, L4), acceptance 0.5;
hours [4, 6, 12, 28]: median (6 + 12) / 2 = 9, p90 rank ceil(0.9 * 4) = 4: 28; within
SLA: L1, L2, L4 of 4 followed up + 1 overdue (L5) = 3 / 5 = 0.6; breached: L3 (late) and
L5 (overdue) = 2; conversion: accepted 2 / 7 = 0.2857, converted 2 / 2 = 1, won 1 / 2 =
0.5. MQL target 20; elapsed share at t = 50.5 / 92 days = 0.5489: 7 / 20 = 0.35 is below
0.4489, so red.
"""

from __future__ import annotations

from pathlib import Path

AS_OF = "2026-11-20T12:00:00Z"

DEALS = """Id,Name,StageName,Amount,CloseDate,CreatedDate,Source,Owner.Name
OPP1,Acme platform,Closed Won,100000,2026-11-10,2026-11-05,Marketing,Ana
OPP2,Beta analytics,Decision,50000,2026-12-15,2026-11-13,Marketing,Ana
OPP3,Gamma renewal,Qualification,70000,2026-12-20,2026-11-01,AE,Ana
OPP4,Delta pilot,Qualification,40000,2026-12-20,2026-09-01,Marketing,Ana
"""

# A custom column for the MQL moment (mapped with --map MQL_Date__c=MQLDate).
LEADS = """Id,Name,Company,Email,LeadSource,Segment,CampaignId,Owner.Name,Status,CreatedDate,\
IsConverted,ConvertedDate,ConvertedOpportunityId,MQL_Date__c,AcceptedDate,RejectedDate,\
RejectionReason
L1,Lee One,Acme,l1@acme.test,Marketing,SMB,701A,Ana,Converted,2026-10-01T08:00:00Z,\
true,2026-11-05T10:00:00Z,OPP1,2026-11-02T09:00:00Z,2026-11-02T13:00:00Z,,
L2,Lee Two,Bolt,l2@bolt.test,Marketing,SMB,701A,Ana,Rejected,2026-10-01T08:00:00Z,\
false,,,2026-11-03T15:00:00Z,,2026-11-05T11:00:00Z,No budget
L3,Lee Three,Beta,l3@beta.test,Marketing,Enterprise,701B,Ana,Converted,2026-10-01T08:00:00Z,\
true,2026-11-13T09:00:00Z,OPP2,2026-11-06T16:00:00Z,2026-11-12T12:00:00Z,,
L4,Lee Four,Crane,l4@crane.test,Partner,Enterprise,,Ben,Rejected,2026-10-01T08:00:00Z,\
false,,,2026-11-09T14:00:00Z,,2026-11-09T20:00:00Z,Not a fit
L5,Lee Five,Dune,l5@dune.test,Marketing,SMB,701B,Ana,MQL,2026-10-01T08:00:00Z,\
false,,,2026-11-16T10:00:00Z,,,
L6,Lee Six,Echo,l6@echo.test,Partner,SMB,,Ana,MQL,2026-10-01T08:00:00Z,\
false,,,2026-11-19T15:00:00Z,,,
L7,Lee Seven,Fern,l7@fern.test,Marketing,SMB,701A,Ana,Accepted,2026-09-01T08:00:00Z,\
false,,,2026-09-30T10:00:00Z,2026-10-01T10:00:00Z,,
L8,Lee Eight,Gale,l8@gale.test,Marketing,SMB,701A,Ana,MQL,2026-10-01T08:00:00Z,\
false,,,2026-11-20T13:00:00Z,,,
L9,Lee Nine,Hive,l9@hive.test,Marketing,SMB,701A,Ana,Open,2026-10-01T08:00:00Z,\
false,,,,,,
L10,Lee Ten,Iris,l10@iris.test,Marketing,SMB,,Ana,Rejected,2026-10-01T08:00:00Z,\
false,,,2026-11-19T09:00:00Z,,2026-11-20T14:00:00Z,Wrong contact
,No Id,Jade,,Marketing,SMB,,Ana,MQL,2026-10-01T08:00:00Z,false,,,2026-11-02T09:00:00Z,,,
L12,Lee Twelve,Kite,,Marketing,SMB,,Ana,Accepted,2026-10-01T08:00:00Z,\
false,,,2026-11-05T09:00:00Z,2026-11-04T09:00:00Z,,
L13,Lee Thirteen,Lark,,Marketing,SMB,,Ana,MQL,2026-10-01T08:00:00Z,false,,,someday,,,
"""
BAD_LINES = {
    12: "no Id",
    13: "AcceptedDate 2026-11-04T09:00:00+00:00 is before the MQLDate",
    14: "MQLDate: `someday` is not a timestamp",
}

TARGETS = """period,dimension,value,metric,amount
2026-Q4,total,,mqls,20
2026-Q4,source,Marketing,mqls,8
2026-Q4,source,Marketing,pipegen,300000
"""


def write(folder: Path) -> dict[str, Path]:
    files = {"deals": DEALS, "leads": LEADS, "targets": TARGETS}
    paths = {}
    for name, text in files.items():
        paths[name] = folder / f"{name}.csv"
        paths[name].write_text(text)
    return paths
