"""The real CRM exports in ../shared/data/crm, and the flags that read them."""

from __future__ import annotations

from pathlib import Path

import pytest

CRM = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "crm"
MAVEN = CRM / "maven_crm_sales_opportunities"
MAVEN_MAP = {
    "opportunity_id": "id",
    "sales_agent": "owner",
    "deal_stage": "stage",
    "engage_date": "created",
    "close_date": "close",
    "close_value": "amount",
}
MAVEN_STAGES = {"Engaging": "Qualification"}


def crm_file(*parts: str) -> Path:
    path = CRM.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"the shared CRM exports are not beside this checkout ({path})")
    return path
