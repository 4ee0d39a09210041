"""The sales and marketing SLA (SPEC section 9): leads, the hand-off and its figures."""
