"""The edge helpers: bounded value rendering, suggestions, ranges and reading YAML/JSON files.

Hostile values (issue #8): an error message must cost little whatever the rejected value is (a
"billion laughs" list of shared YAML aliases, an int Python refuses to write, a recursive list),
and a findings file must either load or raise :class:`UnreadableFileError`.
"""

from __future__ import annotations

import datetime as dt
import resource
import time
from pathlib import Path
from typing import Any

import pytest

from dystonia.clinical.findings import parse_findings
from dystonia.exceptions import InvalidInputError, UnreadableFileError, closest_match, short_repr
from dystonia.validation import check_range, load_mapping_file


def _bomb(levels: int) -> list[Any]:
    """9 references to the level below: ``9**(levels + 1)`` leaves if expanded."""
    value: list[Any] = ["lol"] * 9
    for _ in range(levels):
        value = [value] * 9
    return value


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# ------------------------------------------------------------------------------ short_repr
@pytest.mark.parametrize(
    "value",
    [
        "neck",
        "it's",
        'say "hi"',
        "x" * 100,
        "it's " + "x" * 100,
        "\x00\n\u202e",
        b"\x00'" * 50,
        bytearray(b"ab"),
        10**59,
        10**70,
        -(2**200),
        1.5,
        float("nan"),
        True,
        None,
        [1, "a", [2, (3,)]],
        (),
        (1,),
        {"a": [1, 2], 3: None},
        set(),
        frozenset({1}),
        {1, 2},
        list(range(100)),
        dt.date(2024, 1, 2),
    ],
    ids=repr,
)
def test_short_repr_is_repr_cut_to_60(value: object) -> None:
    text = repr(value)
    assert short_repr(value) == (text if len(text) <= 60 else text[:57] + "...")


def test_short_repr_of_recursive_containers() -> None:
    a: list[Any] = ["neck"]
    a.append(a)
    d: dict[str, Any] = {}
    d["self"] = d
    assert short_repr(a) == repr(a) == "['neck', [...]]"
    assert short_repr(d) == repr(d) == "{'self': {...}}"


def test_short_repr_of_an_int_python_will_not_write() -> None:
    assert short_repr(10**5000) == "<int of about 5001 digits>"
    assert short_repr(-(10**5000)) == "<negative int of about 5001 digits>"
    assert short_repr([10**5000]) == "[<int of about 5001 digits>]"


def test_short_repr_respects_its_limit() -> None:
    assert short_repr("abcdef", limit=5) == "'a..."
    assert len(short_repr(list(range(10**6)), limit=200)) == 200


@pytest.mark.parametrize(
    "value",
    [_bomb(9), "x" * 10**7, b"y" * 10**7, list(range(10**6)), 2 ** (10**6)],
    ids=["billion-laughs", "long-text", "long-bytes", "long-list", "huge-int"],
)
def test_short_repr_cost_does_not_grow_with_the_value(value: object) -> None:
    """9 levels of aliases (387 million leaves), 10 MB texts: milliseconds, not minutes."""
    start = _cpu_s()
    for _ in range(100):
        assert len(short_repr(value)) <= 60
    assert _cpu_s() - start < 1.0


# ------------------------------------------------------------------------------ closest_match
def test_closest_match_of_short_text() -> None:
    assert closest_match("nek", ["neck", "trunk"]) == "neck"
    assert closest_match("zzz", ["neck", "trunk"]) is None


@pytest.mark.parametrize(
    "value",
    [10**5000, _bomb(9), ["neck"], 1, None, "neck" * 1000],
    ids=["huge-int", "billion-laughs", "list", "int", "none", "long-text"],
)
def test_closest_match_compares_only_short_text(value: object) -> None:
    assert closest_match(value, ["neck", "1", "None", "['neck']"]) is None


def test_closest_match_ignores_allowed_values_that_are_not_text() -> None:
    assert closest_match("1", [1, "2"]) is None


# ------------------------------------------------------------------------------ messages
def test_message_of_a_hostile_value_is_short_and_cheap() -> None:
    bomb = _bomb(9)
    start = time.process_time()
    with pytest.raises(InvalidInputError) as info:
        parse_findings({"regions": ["neck", bomb], "age_at_onset": 40})
    assert time.process_time() - start < 1.0
    assert info.value.field == "regions[1]"
    assert "regions[1]: " + "[" * 10 + "'lol', 'lol'" in str(info.value)
    assert info.value.suggestion is None and info.value.as_dict()["value"] is None


def test_message_of_an_int_python_will_not_write() -> None:
    with pytest.raises(InvalidInputError) as info:
        parse_findings({"regions": ["neck"], "age_at_onset": 10**5000})
    assert str(info.value) == (
        "age_at_onset: <int of about 5001 digits> is invalid (Input should be a valid number)"
    )
    assert info.value.as_dict()["value"] is None  # a JSON body could not carry it


def test_a_key_that_is_not_text_is_named() -> None:
    with pytest.raises(InvalidInputError) as info:
        parse_findings({"regions": ["neck"], "age_at_onset": 40, "tests": {10**5000: 1}})
    assert info.value.field == "tests"
    assert "key <int of about 5001 digits> is not text" in str(info.value)


@pytest.mark.parametrize(
    ("value", "reason"),
    [(10**400, "is out of range"), (float("inf"), "is not finite"), ([1], "is not a number")],
)
def test_check_range_refuses_without_overflow(value: Any, reason: str) -> None:
    with pytest.raises(InvalidInputError, match=reason):
        check_range("x", value, low=0, high=1)


# ------------------------------------------------------------------------------ files
def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("deep.json", "[" * 5000 + "]" * 5000, "invalid JSON: nested too deeply"),
        ("deep.yaml", "a: " + "[" * 5000 + "]" * 5000, "invalid YAML: nested too deeply"),
        (
            "huge.json",
            '{"a": ' + "9" * 5000 + "}",
            "invalid JSON: an integer of 5000 digits is too long (at most 4300)",
        ),
        (
            "huge.yaml",
            "a: 1\nb: " + "9" * 5000,
            "invalid YAML at line 2 column 4: an integer of 5000 digits is too long",
        ),
        (
            "date.yaml",
            "a: 2001-02-30",
            "invalid YAML at line 1 column 4: '2001-02-30' is not a valid date or timestamp "
            "(day is out of range for month)",
        ),
        ("tag.yaml", "a: !!timestamp x", "'x' is not a valid date or timestamp"),
        ("int.yaml", "a: !!int x", "'x' is not a valid integer"),
        ("float.yaml", "a: !!float x", "'x' is not a valid number"),
        ("bool.yaml", "a: !!bool x", "'x' is not a valid boolean"),
        ("empty-int.yaml", "a: !!int ''", "'' is not a valid integer"),
        ("empty-float.yaml", "a: !!float ''", "'' is not a valid number"),
        ("long.yaml", "a: !!int " + "x" * 5000, "'xxxxxxxxxx"),
    ],
)
def test_unreadable_files_are_clear_errors(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    with pytest.raises(UnreadableFileError) as info:
        load_mapping_file(_write(tmp_path, name, text))
    assert message in str(info.value)
    assert len(str(info.value)) < 200 + len(str(tmp_path))


def test_yaml_values_still_load(tmp_path: Path) -> None:
    """The checked constructors build what PyYAML's safe loader builds."""
    text = "a: 2001-02-03\nb: !!int '7'\nc: 0x10\nd: 1.5e+3\ne: yes\nf: ~\ng: !!binary aGk=\n"
    data = load_mapping_file(_write(tmp_path, "ok.yaml", text))
    assert data == {
        "a": dt.date(2001, 2, 3),
        "b": 7,
        "c": 16,
        "d": 1500.0,
        "e": True,
        "f": None,
        "g": b"hi",
    }
    assert load_mapping_file(_write(tmp_path, "ok.json", '{"a": 12, "b": -3}')) == {
        "a": 12,
        "b": -3,
    }
