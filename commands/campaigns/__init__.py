"""Campaigns at the council table: their figures (SPEC section 9), `/campaign`, and the
imports of Salesforce's Campaign, CampaignMember and CampaignMemberStatus exports."""
