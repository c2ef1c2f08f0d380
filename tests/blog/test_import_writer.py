"""What `import_ghost` and `import_wordpress` share through `blog.import_writer`:
a bulk load's statement timeout, the planner's statistics, and memory."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from blog import import_writer
from blog.models import Author, Page, Post
from tests.blog.wxr_factory import write_wxr

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
EXPORTS = {
    "import_ghost": DATA / "ghost-5.json",
    "import_wordpress": DATA / "wordpress.xml",
}


def run(command: str, path: Path) -> str:
    out = StringIO()
    call_command(command, str(path), stdout=out)
    return out.getvalue()


def estimated_rows(model) -> float:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE relname = %s", [model._meta.db_table]
        )
        return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.parametrize("command", EXPORTS)
def test_an_import_refreshes_the_planner_statistics(command):
    # Until then PostgreSQL plans the public queries for empty tables.
    run(command, EXPORTS[command])

    for model in (Post, Page, Author):
        assert model.objects.exists()
        assert estimated_rows(model) == model.objects.count(), model


@pytest.mark.postgres
@pytest.mark.parametrize("command", EXPORTS)
def test_the_request_statement_timeout_does_not_cut_an_import_short(command):
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 1")  # 1 ms: every statement is slower
    try:
        run(command, EXPORTS[command])
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            assert cursor.fetchone()[0] == "1ms"  # the session's own limit is back
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")
    assert Post.objects.exists()


def test_with_debug_on_a_written_batch_is_not_kept_in_the_query_log(
    tmp_path, monkeypatch
):
    # DEBUG keeps 9,000 statements, and a batch's inserts carry every body.
    monkeypatch.setattr(import_writer, "BATCH_SIZE", 20)
    path = write_wxr(tmp_path / "synthetic.xml", 50)

    with override_settings(DEBUG=True):
        out = run("import_wordpress", path)
        logged = [query["sql"] for query in connection.queries_log]

    assert "posts: 50 created" in out  # three batches written
    assert logged  # what came after the last batch is still there to read
    assert not any("of post 0)" in sql for sql in logged)
    assert not any("of post 49)" in sql for sql in logged)
    connection.queries_log.clear()
