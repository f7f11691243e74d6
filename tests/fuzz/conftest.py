"""Every test in this folder is a fuzz test (marker ``fuzz``; ``pytest -m fuzz tests/fuzz`` runs
only them). They run in the default test command and in CI, deterministically (see
``_common.py``): every defect they found is fixed, and the test that found it now guards it.
"""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/fuzz/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.fuzz)
