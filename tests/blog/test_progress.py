from io import StringIO

from blog.progress import Progress


class Terminal(StringIO):
    def isatty(self) -> bool:
        return True


def test_off_a_terminal_progress_is_a_line_every_tenth():
    stream = StringIO()
    progress = Progress(100, "import_posts", stream)
    for _ in range(100):
        progress.advance(1)
    progress.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 10
    assert lines[0] == "import_posts: 10 of 100"
    assert lines[-1] == "import_posts: 100 of 100"


def test_on_a_terminal_progress_is_a_bar():
    stream = Terminal()
    progress = Progress(100, "rerender_posts", stream)
    progress.advance(50)
    progress.bar.refresh()  # tqdm redraws at most ten times a second by itself
    assert "rerender_posts:  50%" in stream.getvalue()
    progress.close()
