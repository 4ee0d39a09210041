"""The Salesforce connector: its REST client (`client.py`) and how a workspace's stored
connection becomes one (`connection.py`). Use cases are handed it as `commands.salesforce
.org.Org`."""
