"""The floor and the four-dimension APM on an existing database, as `scale_bench` measures
them (warm, median of 5), for a database at rest after its load.

    python -m bench.measure_apm DATABASE_URL
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta

from bench.scale_bench import apm_all, floor, median_time
from store.db import Database


def main() -> None:
    db = Database(sys.argv[1])
    now = datetime.now(UTC)
    figures = {
        "floor": median_time(lambda: floor(db), 5),
        "apm_now": median_time(lambda: apm_all(db, now), 5),
        "apm_year_ago": median_time(lambda: apm_all(db, now - timedelta(days=365)), 5),
    }
    print(" ".join(f"{name} {seconds:.3f}s" for name, seconds in figures.items()))


if __name__ == "__main__":
    main()
