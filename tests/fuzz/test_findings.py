"""Fuzz the findings parsers: ``parse_findings``, ``assess`` and ``load_mapping_file``.

Findings come from clinicians' YAML/JSON files (``dystonia assess``), from the web form and
from the JSON API, so every value may be hostile: wrong types, NaN, infinities, huge numbers,
unknown words, nested junk, and for files, YAML aliases ("billion laughs"), deep nesting and
binary. The only failures allowed are :class:`~dystonia.exceptions.DystoniaError` subclasses.

The property tests also draw the inputs of the defects found and fixed here (each still has its
own test further down): integers over 4300 digits, values nested hundreds of levels deep and
"billion laughs" values of shared lists, in findings and in files; malformed YAML timestamps
and explicit ``!!int``/``!!float``/``!!timestamp``/``!!bool`` tags; files nested deeper than the
parsers recurse.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dystonia.clinical.assessment import Assessment
from dystonia.clinical.botulinum import parse_session
from dystonia.clinical.engine import assess
from dystonia.clinical.findings import (
    CERVICAL_PATTERNS,
    FEATURES,
    HISTORY,
    MRI_FINDINGS,
    REGIONS,
    SYMPTOMS,
    Findings,
    parse_findings,
)
from dystonia.exceptions import DystoniaError, InvalidInputError, UnreadableFileError
from dystonia.scales import score
from dystonia.validation import load_mapping_file

from ._common import (
    MEMORY_BOUND_BYTES,
    SPECIAL_FLOATS,
    clear,
    cpu_budget,
    fuzz_settings,
    json_values,
    maybe_junk,
    mib,
    mutated,
    traced_peak,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


# --------------------------------------------------------------------------- strategies
def _bomb(levels: int) -> list[Any]:
    """A "billion laughs" value: 9 references to the level below, ``9**(levels+1)`` leaves."""
    value: list[Any] = ["lol"] * 9
    for _ in range(levels):
        value = [value] * 9
    return value


def _deep(levels: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(levels):
        value = [value]
    return value


#: Values that once broke the error messages: integers Python will not write as text (more than
#: 4300 digits), aliases shared 9**7 times, nesting deeper than the recursion limit.
HUGE_VALUES = st.sampled_from(
    [10**5000, -(10**4400), 2**20000, [10**5000], {"a": 10**5000}, _bomb(6), _deep(3000)]
)


def hostile_json(max_leaves: int = 6) -> st.SearchStrategy[Any]:
    """:func:`json_values` and, now and then, one of :data:`HUGE_VALUES`."""
    return json_values(max_leaves) | HUGE_VALUES


_words = lambda vocab: st.lists(st.sampled_from(vocab), max_size=4)  # noqa: E731
_age = st.integers(0, 120) | st.floats(0, 120) | SPECIAL_FLOATS | st.integers(-5, 500)
_genes = st.sampled_from(["TOR1A", "THAP1", "GCH1", "ATP7B", "SGCE", "KMT2B", "GNAL", "tor1a"])
_genetic = st.fixed_dictionaries(
    {"gene": maybe_junk(_genes), "result": maybe_junk(st.sampled_from(["pathogenic", "negative"]))}
)
_medication = st.fixed_dictionaries(
    {"name": maybe_junk(st.sampled_from(["haloperidol", "metoclopramide", "levodopa", "x"]))},
    optional={
        "atc": maybe_junk(st.sampled_from(["N05AD01", "A03FA01", "N04BA01", "n05ad01"])),
        "started_days_before_onset": maybe_junk(_age),
        "ongoing": maybe_junk(st.booleans()),
    },
)
_tests = st.fixed_dictionaries(
    {},
    optional={
        "mri": maybe_junk(st.sampled_from(["normal", "abnormal"])),
        "mri_findings": maybe_junk(_words(MRI_FINDINGS)),
        "ct": maybe_junk(st.sampled_from(["normal", "abnormal"])),
        "ceruloplasmin_mg_dl": maybe_junk(st.floats(0, 250) | SPECIAL_FLOATS),
        "urine_copper_ug_24h": maybe_junk(st.floats(0, 2e5) | SPECIAL_FLOATS),
        "kayser_fleischer_rings": maybe_junk(st.booleans()),
        "genetic": maybe_junk(st.lists(_genetic, max_size=3)),
    },
)
_VALID_TESTS = st.fixed_dictionaries(
    {},
    optional={
        "mri": st.sampled_from(["normal", "abnormal"]),
        "mri_findings": _words(MRI_FINDINGS),
        "ct": st.sampled_from(["normal", "abnormal"]),
        "ceruloplasmin_mg_dl": st.floats(0, 200),
        "urine_copper_ug_24h": st.floats(0, 1e5),
        "kayser_fleischer_rings": st.booleans(),
        "genetic": st.lists(
            st.fixed_dictionaries(
                {"gene": _genes, "result": st.sampled_from(["pathogenic", "negative", "vus"])}
            ),
            max_size=3,
        ),
    },
)
#: Findings in the contract's vocabulary (they may still be inconsistent, e.g. onset after age).
VALID_FINDINGS = st.fixed_dictionaries(
    {
        "age_at_onset": st.integers(0, 120) | st.floats(0, 120) | st.none(),
        "regions": st.lists(st.sampled_from(REGIONS), min_size=1, max_size=6),
    },
    optional={
        "age": st.integers(0, 120),
        "sex": st.sampled_from(["female", "male", "other"]),
        "onset_region": st.sampled_from(REGIONS),
        "course": st.sampled_from(["static", "progressive"]),
        "variability": _words(["persistent", "action_specific", "diurnal", "paroxysmal"]),
        "task_specific": _words(["writing", "playing_instrument", "walking_forward"]),
        "onset_mode": st.sampled_from(["sudden", "gradual"]),
        "fixed_posture": st.booleans(),
        "distractible": st.booleans(),
        "sensory_trick": st.booleans(),
        "family_history": st.booleans(),
        "associated_features": _words(FEATURES),
        "symptoms": _words(SYMPTOMS),
        "medications": st.lists(
            st.fixed_dictionaries(
                {"name": st.sampled_from(["haloperidol", "metoclopramide", "levodopa"])},
                optional={
                    "atc": st.sampled_from(["N05AD01", "A03FA01", "N04BA01"]),
                    "started_days_before_onset": st.floats(0, 36500),
                    "ongoing": st.booleans(),
                },
            ),
            max_size=3,
        ),
        "history": _words(HISTORY),
        "tests": _VALID_TESTS,
        "levodopa_response": st.sampled_from(["marked", "partial", "none"]),
        "cervical_pattern": _words(CERVICAL_PATTERNS),
        "parkinson_dystonia_timing": _words(["off_period", "early_morning", "peak_dose"]),
    },
)
#: One field of the contract, with a plausible-but-wrong or hostile value.
_HOSTILE_FIELD = st.one_of(
    st.tuples(st.sampled_from(list(Findings.model_fields)), hostile_json(6)),
    st.tuples(st.sampled_from(["age_at_onset", "age"]), _age | st.text(max_size=6)),
    st.tuples(st.just("tests"), _tests),
    st.tuples(st.just("medications"), st.lists(_medication, max_size=3)),
    st.tuples(st.just("task_specific"), _words(["writing", "Walking!", "", "a b", "é"])),
)


@st.composite
def hostile_findings(draw: st.DrawFn) -> dict[str, Any]:
    """Valid findings with up to three fields replaced by hostile values."""
    data = draw(VALID_FINDINGS)
    for _ in range(draw(st.integers(1, 3))):
        field, value = draw(_HOSTILE_FIELD)
        data[field] = value
    return data


FINDINGS = st.one_of(VALID_FINDINGS, hostile_findings(), mutated(VALID_FINDINGS, max_edits=2))


def _check_assessment(result: Assessment) -> None:
    """A returned assessment must be plain, finite JSON (the web stores and returns it)."""
    json.dumps(result.to_dict(), allow_nan=False)
    assert result.rationale, "an assessment without rationale"


# --------------------------------------------------------------------------- properties
@fuzz_settings(100)
@given(findings=FINDINGS)
def test_assess_structured_findings(findings: dict[str, Any]) -> None:
    """Plausible findings with some fields replaced by junk: assess or a clear error."""
    result = clear(assess, findings)
    if isinstance(result, Assessment):
        _check_assessment(result)
        assert isinstance(parse_findings(findings), Findings)


@fuzz_settings(60)
@given(data=json_values(20) | HUGE_VALUES)
def test_parse_findings_arbitrary_json(data: Any) -> None:
    """Any JSON value at all (not only mappings)."""
    result = clear(parse_findings, data)
    assert isinstance(result, Findings | DystoniaError)


@fuzz_settings(40)
@given(
    data=st.dictionaries(
        st.sampled_from(list(Findings.model_fields)) | st.text(max_size=8) | st.integers(),
        hostile_json(8),
    )
)
def test_assess_every_field_junk(data: dict[str, Any]) -> None:
    """Contract field names with arbitrary values."""
    result = clear(assess, data)
    if isinstance(result, Assessment):
        _check_assessment(result)


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_examples_assess(example: str) -> None:
    """Sanity: the shipped examples load and assess (the seeds of the mutations below)."""
    _check_assessment(assess(load_mapping_file(EXAMPLES / example)))


_SEEDS = sorted(EXAMPLES.glob("*.yaml"))


@fuzz_settings(60)
@given(
    seed=st.sampled_from(_SEEDS),
    cut=st.integers(0, 2000),
    flips=st.lists(st.tuples(st.integers(0, 4000), st.integers(0, 255)), max_size=6),
    suffix=st.sampled_from([".yaml", ".yml", ".json", ".txt"]),
)
def test_load_mutated_example_files(
    tmp_path: Path, seed: Path, cut: int, flips: list[tuple[int, int]], suffix: str
) -> None:
    """Bit flips and truncation of the example YAML files, then the whole assessment."""
    raw = bytearray(seed.read_bytes()[:cut] or b"\n")
    for position, value in flips:
        raw[position % len(raw)] = value
    path = tmp_path / f"findings{suffix}"
    path.write_bytes(bytes(raw))
    loaded = clear(load_mapping_file, path)
    if isinstance(loaded, dict):
        result = clear(assess, loaded)
        if isinstance(result, Assessment):
            _check_assessment(result)


_YAML_TOKENS = st.sampled_from(
    [
        "a", ": ", "- ", "\n", "  ", "[", "]", "{", "}", ",", "&x ", "*x", "&y ", "*y", "<<: ",
        "? ", "|", ">", "'", '"', "#", "---", "...", "%YAML 1.1", "!!str ", "!!binary ",
        "!!set ", "!!omap ", "!!python/object:os.system ", "!x ", "null", "~", "yes", "no",
        "on", "0x1F", "0o17", "0b101", "1_000", "1:20", "1e3", ".inf", ".nan", "-.inf",
        "regions", "neck", "age_at_onset", "45", "\t", "\x00", "\ufeff", "é", "\\u0000",
        "2001-02-30", "2001-13-01", "0000-01-01", "2001-01-01 25:00:00", "2001-01-01T00:00:00+99:00",
        "!!timestamp ", "!!int ", "!!float ", "!!bool ", "!!null ", "''", "9" * 5000, "0x" + "F" * 5000,
        "[" * 400, "]" * 400, "{a: " * 400,
    ]
)  # fmt: skip


@fuzz_settings(80)
@given(tokens=st.lists(_YAML_TOKENS, max_size=40), suffix=st.sampled_from([".yaml", ".json"]))
def test_load_yaml_token_soup(tmp_path: Path, tokens: list[str], suffix: str) -> None:
    """Random YAML syntax (anchors, merges, tags, flow and block styles, control bytes)."""
    path = tmp_path / f"soup{suffix}"
    path.write_text("".join(tokens), encoding="utf-8", errors="surrogatepass")
    loaded = clear(load_mapping_file, path)
    if isinstance(loaded, dict):
        clear(assess, loaded)


@fuzz_settings(40)
@given(data=st.binary(max_size=600), suffix=st.sampled_from([".yaml", ".json", ".exe", ""]))
def test_load_binary(tmp_path: Path, data: bytes, suffix: str) -> None:
    """Arbitrary bytes under a findings file name."""
    path = tmp_path / f"binary{suffix}"
    path.write_bytes(data)
    clear(load_mapping_file, path)


@fuzz_settings(10)
@given(
    depth=st.integers(1, 1500) | st.sampled_from([300, 340, 990, 1000, 1200, 5000]),
    kind=st.sampled_from(["flow", "mapping", "json"]),
)
def test_load_nested_file(tmp_path: Path, depth: int, kind: str) -> None:
    """Files nested from 1 to 5000 levels: loaded and assessed, or a clear error."""
    path = tmp_path / f"nested{'.json' if kind == 'json' else '.yaml'}"
    path.write_text(_nested(depth, kind=kind), encoding="utf-8")
    loaded = clear(load_mapping_file, path)
    if isinstance(loaded, dict):
        clear(assess, loaded)


def test_load_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFileError):
        load_mapping_file(tmp_path / "absent.yaml")
    with pytest.raises(UnreadableFileError):
        load_mapping_file(tmp_path)


# --------------------------------------------------------------------------- hostile YAML
def _laughs(levels: int, *, leaf: str = '"lol"') -> str:
    """A "billion laughs" document: level ``k`` holds 9 references to level ``k-1``."""
    lines = [f"l0: &l0 [{', '.join([leaf] * 9)}]"]
    lines += [f"l{k}: &l{k} [{', '.join([f'*l{k - 1}'] * 9)}]" for k in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def test_billion_laughs_loads_in_bounded_memory(tmp_path: Path) -> None:
    """9 levels = 387 million leaves if expanded; PyYAML shares aliases, so loading is cheap."""
    path = tmp_path / "laughs.yaml"
    path.write_text(_laughs(9) + "regions: [neck]\nage_at_onset: 40\n", encoding="utf-8")
    with traced_peak() as peak:
        data = load_mapping_file(path)
    assert peak.bytes < 16 * 1024 * 1024, mib(peak.bytes)
    assert isinstance(data, dict)


def test_billion_laughs_refused_cheaply_by_assess(tmp_path: Path) -> None:
    """The expanded fields are unknown fields: refused before anything walks them."""
    path = tmp_path / "laughs.yaml"
    path.write_text(_laughs(9) + "regions: [neck]\nage_at_onset: 40\n", encoding="utf-8")
    data = load_mapping_file(path)
    with traced_peak() as peak, pytest.raises(InvalidInputError, match="unknown field"):
        assess(data)
    assert peak.bytes < MEMORY_BOUND_BYTES, mib(peak.bytes)


@pytest.mark.parametrize("target", ["regions", "scale_item", "toxin_product"])
def test_billion_laughs_in_a_rejected_value_is_cheap(tmp_path: Path, target: str) -> None:
    """A 6-level bomb (531,441 leaves, 340 bytes of YAML) as a rejected value: refused within
    0.25 s of CPU with a short message (fixed: messages render values with
    ``exceptions.short_repr``, bounded by 60 characters; ``closest_match`` compares only short
    text). Before, 5 levels took 1.6 s in ``regions`` and 3.5 s as a toxin ``product``, 9x per
    level; 9 levels would have taken hours and gigabytes.
    """
    path = tmp_path / "laughs.yaml"
    path.write_text(_laughs(9), encoding="utf-8")
    bomb = load_mapping_file(path)["l9" if target == "regions" else "l6"]
    calls = {
        "regions": lambda: parse_findings({"regions": ["neck", bomb], "age_at_onset": 40}),
        "scale_item": lambda: score("jrs", {"severity": bomb, "frequency": 1}),
        "toxin_product": lambda: parse_session({"product": bomb}),
    }
    with cpu_budget(0.25):
        error = clear(calls[target])
    assert isinstance(error, InvalidInputError)
    assert "[['lol', 'lol'" in str(error) or "[[[[" in str(error), str(error)
    assert len(str(error)) < 1000 and error.suggestion is None


def _nested(depth: int, *, kind: str) -> str:
    if kind == "flow":
        return "regions: [neck]\nage_at_onset: 40\ntests: " + "[" * depth + "]" * depth + "\n"
    if kind == "mapping":
        return "regions: [neck]\nage_at_onset: 40\ntests: " + "{a: " * depth + "1" + "}" * depth
    return '{"regions": ["neck"], "age_at_onset": 40, "tests": ' + "[" * depth + "]" * depth + "}"


@pytest.mark.parametrize(
    ("kind", "suffix"), [("flow", ".yaml"), ("mapping", ".yaml"), ("json", ".json")]
)
@pytest.mark.parametrize("depth", [1200, 50_000])
def test_deeply_nested_file_is_a_clear_error(
    tmp_path: Path, kind: str, suffix: str, depth: int
) -> None:
    """Fixed: the parsers' ``RecursionError`` is an ``UnreadableFileError``."""
    path = tmp_path / f"deep{suffix}"
    path.write_text(_nested(depth, kind=kind), encoding="utf-8")
    with pytest.raises(UnreadableFileError, match="nested too deeply"):
        load_mapping_file(path)


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
@pytest.mark.parametrize("digits", [4301, 5000, 100_000])
def test_huge_integer_in_file_is_a_clear_error(tmp_path: Path, suffix: str, digits: int) -> None:
    """Fixed: more digits than Python converts is an ``UnreadableFileError`` naming them."""
    path = tmp_path / f"huge{suffix}"
    number = "9" * digits
    text = f'{{"regions": ["neck"], "age_at_onset": {number}}}'
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UnreadableFileError, match=f"integer of {digits} digits is too long"):
        load_mapping_file(path)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2001-02-30", "'2001-02-30' is not a valid date or timestamp (day is out of range"),
        ("2001-13-01", "'2001-13-01' is not a valid date or timestamp (month must be in 1..12)"),
        ("0000-01-01", "'0000-01-01' is not a valid date or timestamp (year 0 is out of range)"),
        ("2001-01-01T00:00:00+99:00", "not a valid date or timestamp (offset must be"),
        ("!!timestamp 'x'", "'x' is not a valid date or timestamp"),
        ("!!int 'x'", "'x' is not a valid integer"),
        ("!!float 'x'", "'x' is not a valid number"),
        ("!!bool 'x'", "'x' is not a valid boolean"),
        ("!!int ''", "'' is not a valid integer"),
        ("!!float ''", "'' is not a valid number"),
        ("!!int " + "9" * 5000, "an integer of 5000 digits is too long"),
    ],
)
def test_malformed_yaml_scalar_is_a_clear_error(tmp_path: Path, value: str, message: str) -> None:
    """Fixed: PyYAML's constructor errors are ``UnreadableFileError`` at the value's line."""
    path = tmp_path / "scalar.yaml"
    path.write_text(f"regions: [neck]\nage_at_onset: 40\nage: {value}\n", encoding="utf-8")
    with pytest.raises(UnreadableFileError) as info:
        load_mapping_file(path)
    assert "invalid YAML at line 3 column 6: " in str(info.value)
    assert message in str(info.value)


@pytest.mark.parametrize("field", ["age_at_onset", "regions", "tests", "key"])
def test_huge_integer_value_is_a_clear_error(field: str) -> None:
    """Fixed: an int Python will not write as text shows as ``<int of about N digits>``."""
    huge = 10**5000
    findings: dict[Any, Any] = {"regions": ["neck"], "age_at_onset": 40}
    if field == "key":
        findings[huge] = 1
    else:
        findings[field] = huge if field == "age_at_onset" else [huge]
    with pytest.raises(InvalidInputError) as info:
        parse_findings(findings)
    if field != "key":
        assert "<int of about 5001 digits>" in str(info.value)


def test_recursive_yaml_alias_is_refused(tmp_path: Path) -> None:
    """A self-referencing list (``&a [*a]``) in a vocabulary field."""
    path = tmp_path / "cycle.yaml"
    path.write_text("age_at_onset: 40\nregions: &a [neck, *a]\n", encoding="utf-8")
    data = load_mapping_file(path)
    with pytest.raises(InvalidInputError):
        assess(data)
