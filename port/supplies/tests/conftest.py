"""Stock for the inventory tests: the seeded items and office, a bag for each peer (the builders, and
helpers that give supplies the real way, are in port/testing/supplies.py)."""

import pytest

from port.testing.supplies import Stock, stock_build


@pytest.fixture
def stock(cast) -> Stock:
    return stock_build(cast)
