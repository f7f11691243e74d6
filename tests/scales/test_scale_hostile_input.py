"""Scale names, versions, item keys and ratings of any YAML type give a clear error.

Found by the fuzz suite (issue #8): an unhashable name or version raised ``TypeError``; an int
Python refuses to write (more than 4300 digits) made the message itself raise ``ValueError``;
a "billion laughs" rating took minutes to render.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from dystonia.exceptions import InvalidInputError
from dystonia.scales import get_scale, score

JRS = {"severity": 1, "frequency": 1}


@pytest.mark.parametrize(
    "name", [["jrs"], {"jrs": 1}, {"jrs"}, ("jrs",), 1, None, b"jrs"], ids=repr
)
def test_scale_name_that_is_not_text(name: Any) -> None:
    with pytest.raises(InvalidInputError) as info:
        score(name, JRS)
    assert info.value.field == "scale"
    assert "allowed: bfmdrs_disability" in str(info.value)
    with pytest.raises(InvalidInputError):
        get_scale(name)


@pytest.mark.parametrize("version", [["x"], {"x": 1}, {"x"}, 1, b"x"], ids=repr)
def test_version_that_is_not_text(version: Any) -> None:
    with pytest.raises(InvalidInputError) as info:
        score("jrs", JRS, version=version)
    assert info.value.field == "version"
    assert "allowed: jankovic_orman_1987" in str(info.value)


def test_rating_and_key_python_will_not_write() -> None:
    with pytest.raises(InvalidInputError) as info:
        score("jrs", {"severity": 10**5000, "frequency": 1})
    assert str(info.value) == (
        "items.severity: <int of about 5001 digits> is out of range; allowed: 0-4, whole numbers"
    )
    with pytest.raises(InvalidInputError) as info:
        score("jrs", {**JRS, 10**5000: 1})
    assert info.value.field == "items.<int of about 5001 digits>"
    assert "unknown item" in str(info.value)


def test_billion_laughs_rating_is_refused_quickly() -> None:
    bomb: list[Any] = ["lol"] * 9
    for _ in range(8):
        bomb = [bomb] * 9
    start = time.process_time()
    with pytest.raises(InvalidInputError, match=r"items\.severity: \[\[\[.*\.\.\. is not a number"):
        score("jrs", {"severity": bomb, "frequency": 1})
    assert time.process_time() - start < 1.0
