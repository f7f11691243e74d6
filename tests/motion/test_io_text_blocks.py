"""Newline-aligned text blocks: every line once, bounded lines, blank runs in linear time."""

from __future__ import annotations

import io
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dystonia.exceptions import UnreadableFileError
from dystonia.motion.io.text_blocks import MAX_LINE_BYTES, TextBlock, iter_text_blocks


def _blocks(data: bytes, block_bytes: int, max_line_bytes: int = MAX_LINE_BYTES) -> list[TextBlock]:
    return list(
        iter_text_blocks(
            "t.csv",
            io.BytesIO(data),
            first_line=2,
            block_bytes=block_bytes,
            max_line_bytes=max_line_bytes,
        )
    )


def _expected(data: bytes) -> bytes:
    """What the blocks must hold: the text up to its last non-blank line, newline-ended (an
    unfinished last line loses its trailing blanks)."""
    kept = data.rstrip(b" \t\r\n")
    if not kept:
        return b""
    newline = data.find(b"\n", len(kept))
    return data[: newline + 1] if newline >= 0 else kept + b"\n"


_LINES = st.lists(
    st.sampled_from([b"1,2,3", b"", b" ", b"\r", b"x" * 30, b"4,5,6 ", b"\t"]), max_size=30
)


@settings(max_examples=300, deadline=None)
@given(lines=_LINES, final_newline=st.booleans(), block_bytes=st.integers(1, 64))
def test_blocks_hold_every_line_once(
    lines: list[bytes], final_newline: bool, block_bytes: int
) -> None:
    """Any block size gives the same lines, numbered from ``first_line``; trailing blanks dropped;
    a blank run that ends one read and is followed by text is refused by its number."""
    data = b"\n".join(lines) + (b"\n" if final_newline and lines else b"")
    try:
        blocks = _blocks(data, block_bytes)
    except UnreadableFileError as exc:
        number = int(str(exc).split("line ")[1].split()[0])
        assert str(exc).endswith(f"line {number} is empty")
        assert lines[number - 2].strip() == b""
        assert any(ln.strip() for ln in lines[number - 1 :])
        return
    joined = b"".join(bytes(b.data) for b in blocks)
    assert joined == _expected(data)
    line = 2
    for block in blocks:
        assert block.first_line == line
        assert block.n_lines == bytes(block.data).count(b"\n")
        assert bytes(block.data).rstrip(b" \t\r\n")  # never a block of blank lines only
        line += block.n_lines


def test_blank_lines_inside_a_block_are_left_to_the_parser() -> None:
    blocks = _blocks(b"1,2\n\n3,4\n", block_bytes=1 << 20)
    assert [(bytes(b.data), b.first_line, b.n_lines) for b in blocks] == [(b"1,2\n\n3,4\n", 2, 3)]


def test_blank_run_across_reads_followed_by_text_is_refused_by_its_number() -> None:
    data = b"1,2\n" + b"\n" * 100 + b"3,4\n"
    with pytest.raises(UnreadableFileError, match=r"t.csv: line 3 is empty$"):
        _blocks(data, block_bytes=16)


@pytest.mark.parametrize("block_bytes", [7, 64, 1 << 20])
def test_line_longer_than_the_limit_is_refused_by_its_number(block_bytes: int) -> None:
    data = b"1,2\n3,4\n" + b"5" * 101 + b"\n6,7\n"
    with pytest.raises(UnreadableFileError, match=r"line 4 is longer than 100 bytes"):
        _blocks(data, block_bytes, max_line_bytes=100)


@pytest.mark.parametrize("block_bytes", [7, 64, 1 << 20])
def test_line_of_exactly_the_limit_is_accepted(block_bytes: int) -> None:
    data = b"1,2\n" + b"5" * 100 + b"\r\n" + b"5" * 99 + b"\r\n6,7"
    blocks = _blocks(data, block_bytes, max_line_bytes=101)
    assert b"".join(bytes(b.data) for b in blocks) == data + b"\n"


def test_unfinished_last_line_longer_than_the_limit_is_refused() -> None:
    with pytest.raises(UnreadableFileError, match=r"line 3 is longer than 100 bytes"):
        _blocks(b"1,2\n" + b"9" * 150, block_bytes=1 << 20, max_line_bytes=100)


def test_lines_before_a_long_line_are_yielded_first() -> None:
    """Errors come in file order: the lines before the long one reach the parser first."""
    seen = []
    with pytest.raises(UnreadableFileError, match="line 4 is longer"):
        for block in iter_text_blocks(
            "t.csv",
            io.BytesIO(b"1,2\n3,4\n" + b"5" * 200),
            first_line=2,
            max_line_bytes=100,
        ):
            seen.append(bytes(block.data))
    assert seen == [b"1,2\n3,4\n"]


def test_megabytes_of_blank_lines_cost_linear_time() -> None:
    """20 MB of blank lines took 68 s when scanned byte by byte in Python and rescanned."""
    trailing = b"1,2\n" + b"\r\n" * (10 * 1024 * 1024)
    inside = trailing + b"3,4\n"
    started = time.process_time()
    assert [bytes(b.data) for b in _blocks(trailing, block_bytes=1 << 22)] == [b"1,2\n"]
    with pytest.raises(UnreadableFileError, match="line 3 is empty"):
        _blocks(inside, block_bytes=1 << 22)
    assert time.process_time() - started < 1.0
