"""The fake org answers in Salesforce's documented shapes (so the client is tested against
what Salesforce sends), and the client reads them."""

from __future__ import annotations

import pytest
import requests

from bot.salesforce.client import Client
from commands.salesforce.org import OrgError, OrgLimit, OrgNotFound
from tests.support.fake_salesforce import (
    CLIENT_ID,
    CLIENT_SECRET,
    VERSION,
    FakeSalesforce,
    seed,
)


def token(fake: FakeSalesforce) -> dict[str, str]:
    answer = requests.post(
        f"{fake.url}/services/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        },
        timeout=5,
    )
    assert answer.status_code == 200
    return answer.json()


def test_the_token_query_paging_and_limit_header_have_salesforces_shapes(
    salesforce: FakeSalesforce,
) -> None:
    seed(salesforce)
    salesforce.page_size = 3
    issued = token(salesforce)
    assert issued["token_type"] == "Bearer" and issued["instance_url"] == salesforce.url
    auth = {"Authorization": f"Bearer {issued['access_token']}"}
    first = requests.get(
        f"{salesforce.url}/services/data/{VERSION}/query",
        params={"q": "SELECT Id, Name FROM Opportunity ORDER BY SystemModstamp, Id"},
        headers=auth,
        timeout=5,
    )
    page = first.json()
    assert (page["totalSize"], page["done"], len(page["records"])) == (5, False, 3)
    assert page["records"][0]["attributes"]["type"] == "Opportunity"
    assert first.headers["Sforce-Limit-Info"] == f"api-usage=1/{salesforce.api_limit}"
    rest = requests.get(salesforce.url + page["nextRecordsUrl"], headers=auth, timeout=5).json()
    assert (rest["done"], len(rest["records"]), "nextRecordsUrl" in rest) == (True, 2, False)


def test_errors_are_lists_of_message_and_error_code(salesforce: FakeSalesforce) -> None:
    expired = requests.get(
        f"{salesforce.url}/services/data/{VERSION}/sobjects/Opportunity/006000000000000001",
        headers={"Authorization": "Bearer expired"},
        timeout=5,
    )
    assert expired.status_code == 401
    assert expired.json() == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
    ]


def test_the_client_reads_writes_and_says_what_went_wrong(salesforce: FakeSalesforce) -> None:
    ids = seed(salesforce)
    org = Client(salesforce.url, CLIENT_ID, CLIENT_SECRET, sleep=lambda _s: None)
    record = org.get_opportunity(ids["acme"], ["Id", "Amount"])
    assert record["Amount"] == 120000
    org.update_opportunity(ids["acme"], {"Amount": 125000.0})
    assert salesforce.org.opportunities[ids["acme"]]["Amount"] == 125000.0
    salesforce.fail_next(
        "patch",
        400,
        "REQUIRED_FIELD_MISSING",
        "Required fields are missing: [CloseDate]",
        fields=["CloseDate"],
    )
    with pytest.raises(OrgError) as refused:
        org.update_opportunity(ids["acme"], {"CloseDate": None})
    assert (refused.value.code, refused.value.fields) == ("REQUIRED_FIELD_MISSING", ["CloseDate"])
    salesforce.delete(ids["acme"])
    with pytest.raises(OrgNotFound):
        org.get_opportunity(ids["acme"], ["Id"])
    salesforce.fail_next("get", 403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
    with pytest.raises(OrgLimit):
        org.get_opportunity(ids["globex"], ["Id"])
    assert org.usage() is not None
    assert CLIENT_SECRET not in repr(org)


def test_the_deleted_endpoint_lists_deletions_in_a_window(salesforce: FakeSalesforce) -> None:
    ids = seed(salesforce)
    start = salesforce.now
    salesforce.delete(ids["hooli"])
    auth = {"Authorization": f"Bearer {token(salesforce)['access_token']}"}
    found = requests.get(
        f"{salesforce.url}/services/data/{VERSION}/sobjects/Opportunity/deleted/",
        params={
            "start": start.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
            "end": salesforce.tick(60).strftime("%Y-%m-%dT%H:%M:%S+00:00"),
        },
        headers=auth,
        timeout=5,
    ).json()
    assert [r["id"] for r in found["deletedRecords"]] == [ids["hooli"]]


def test_field_history_rows_follow_tracking_and_an_unreadable_object_is_invalid_type(
    salesforce: FakeSalesforce,
) -> None:
    salesforce.org.tracked = {"Owner", "Region__c"}
    ids = seed(salesforce)
    salesforce.edit(ids["acme"], OwnerId=ids["jo"], Region__c="NA", Amount=1)
    org = Client(salesforce.url, CLIENT_ID, CLIENT_SECRET, sleep=lambda _s: None)
    soql = (
        "SELECT Id, OpportunityId, Field, DataType, OldValue, NewValue, CreatedDate "
        "FROM OpportunityFieldHistory WHERE Field IN ('Owner', 'Region__c') "
        "ORDER BY CreatedDate, Id"
    )
    rows = [
        (r["Field"], r["DataType"], r["OldValue"], r["NewValue"])
        for r in org.query(soql)["records"]
        if r["OpportunityId"] == ids["acme"]
    ]
    # a lookup's change is two rows, the Ids then the names; Amount is not tracked
    assert rows == [
        ("Owner", "EntityId", ids["maya"], ids["jo"]),
        ("Owner", "Text", "Maya Rep", "Jo Rep"),
        ("Region__c", "Text", "EMEA", "NA"),
    ]
    salesforce.field_history_queryable = False
    with pytest.raises(OrgError) as refused:
        org.query(soql)
    assert refused.value.code == "INVALID_TYPE"
