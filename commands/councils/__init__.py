"""Councils: what one is and when it meets (`meeting`), and the /council command (`command`)."""
