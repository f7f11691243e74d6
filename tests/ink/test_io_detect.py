"""Format detection from content, checked against the extension."""

from __future__ import annotations

from pathlib import Path

import pytest

from dystonia.exceptions import InvalidInputError, UnreadableFileError
from dystonia.ink import detect_format, read_ink

from ._data import uci


@pytest.mark.parametrize(
    ("name", "text", "fmt"),
    [
        ("a.json", '{"version": 1}', "pointer-json"),
        ("a.dat", "[[]]", "pointer-json"),
        ("a.inkml", "<ink xmlns='http://www.w3.org/2003/InkML'/>", "inkml"),
        ("a.svc", "3\n1 2 3 1 0 0 5\n", "svc"),
        ("a.txt", "1;2;0;4;5;6;0\n", "uci"),
        ("a.csv", "time,x,y\n0,0,0\n", "csv"),
        ("a.dat", "time,x,y\n0,0,0\n", "csv"),
    ],
)
def test_detect_from_content(tmp_path: Path, name: str, text: str, fmt: str) -> None:
    p = tmp_path / name
    p.write_text(text)
    assert detect_format(p) == fmt


def test_real_uci_file_is_detected() -> None:
    assert detect_format(uci("C_0002.txt")) == "uci"


def test_extension_contradicting_content_is_an_error(tmp_path: Path) -> None:
    p = tmp_path / "a.json"
    p.write_text("time,x,y\n0,0,0\n")
    with pytest.raises(UnreadableFileError, match=r"extension '.json' says pointer-event JSON"):
        detect_format(p)


@pytest.mark.parametrize("content", [b"\x89PNG\r\n\x1a\n\x00\x00", b"1,2,3\n4,5,6\n", b"<svg/>"])
def test_unrecognised_content(tmp_path: Path, content: bytes) -> None:
    p = tmp_path / "a.bin"
    p.write_bytes(content)
    with pytest.raises(UnreadableFileError, match="unrecognised content"):
        detect_format(p)


def test_missing_and_directory(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFileError, match="no such file"):
        read_ink(tmp_path / "nope.txt")
    with pytest.raises(UnreadableFileError, match="not a regular file"):
        read_ink(tmp_path)


def test_unknown_format_name_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="did you mean 'inkml'"):
        read_ink(tmp_path / "x", format="inkm")
