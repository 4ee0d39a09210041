"""Deals: the /deal command and what it reads, shows and changes."""
