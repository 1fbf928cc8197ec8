"""psyai.progress: periodic lines when stderr is not a terminal (a piped `psyai simulate` used to stay silent)."""

from __future__ import annotations

import io

from psyai.progress import progress


def test_lines_every_tenth_and_at_the_end_when_not_a_terminal():
    out = io.StringIO()
    with progress("simulating turing_test", 20, stream=out) as advance:
        for _ in range(20):
            advance()
    lines = out.getvalue().splitlines()
    assert len(lines) == 10  # 2/20, 4/20 … 20/20
    assert lines[0].startswith("simulating turing_test: 2/20 (10%), 0:0") and lines[0].endswith("elapsed")
    assert lines[-1].startswith("simulating turing_test: 20/20 (100%)")


def test_an_unfinished_run_says_where_it_stopped_and_time_alone_prints_a_line():
    out = io.StringIO()
    with progress("extracting 7 texts", 1000, stream=out, every=0.0) as advance:
        advance(3)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("extracting 7 texts: 3/1000 (0%)")  # every=0: a line on each advance
    assert lines[-1].startswith("extracting 7 texts: 3/1000 (0%)")  # and the last word on leaving
    quiet = io.StringIO()
    with progress("x", 5, stream=quiet, enabled=False) as advance:
        advance(5)
    assert quiet.getvalue() == ""
