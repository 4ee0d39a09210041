"""The red cells\x27 owners and actions (the /actions family): assigning, listing, reminding."""
