"""Schemathesis (pinned v4) fuzzes the live schema of plain
`gunicorn config.wsgi:application`, as production runs it (tests/gunicorn_server.py).

Every check runs except `positive_data_acceptance`: a well-formed but unknown tag
slug is a deliberate 400, which that check would count as a failure. NUL bytes are
generated. The run is bounded by `FUZZ_SECONDS` (default 120) and a fixed seed, and
runs in the PostgreSQL pass, where the real search and constraints are.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.gunicorn_server import gunicorn_url  # noqa: F401  (a fixture)

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


@pytest.fixture
def demo_blog(transactional_db):
    call_command("seed_demo")


def test_schemathesis_finds_no_gap_between_schema_and_behaviour(
    demo_blog,
    gunicorn_url,  # noqa: F811
    tmp_path,
):
    seconds = os.environ.get("FUZZ_SECONDS", "120")
    # Schemathesis' own list of rejections, plus 414: gunicorn refuses request
    # lines over 8190 bytes (`limit_request_line`) before the app sees them, as any
    # proxy in front would. Up to that, an over-long query is the API's JSON 400.
    (tmp_path / "schemathesis.toml").write_text(
        "[checks.negative_data_rejection]\n"
        'expected-statuses = ["400", "401", "403", "404", "405", "406", "409", '
        '"414", "415", "422", "428", "429"]\n'
    )
    result = subprocess.run(
        [
            str(SCHEMATHESIS), "run", f"{gunicorn_url}/api/v1/schema/?format=json",
            "--checks", "all",
            "--exclude-checks", "positive_data_acceptance",
            "--generation-allow-x00", "true",
            "--max-time", seconds,
            "--seed", "20261126",
            "--request-timeout", "10",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=int(seconds) + 120,
        cwd=tmp_path,
    )  # fmt: skip
    tail = "\n".join(result.stdout.splitlines()[-400:])
    assert result.returncode == 0, tail + result.stderr[-2000:]
    assert "No issues found" in result.stdout or " passed" in result.stdout, tail
