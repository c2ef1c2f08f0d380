"""The README's Next.js webhook receiver is the file CI type-checks.

tests/webhooks/nextjs/app/api/revalidate/route.ts is compiled by .ci/nextjs.sh
against Next.js 16's types; this test holds the README to that same text, so the
copy a front-end developer pastes is the one that was proved to compile.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROUTE = Path(__file__).with_name("nextjs") / "app" / "api" / "revalidate" / "route.ts"
# A fenced block opened by ```ts (an info string may follow), closed by ```.
TS_BLOCK = re.compile(r"^```ts(?:[ \t][^\n]*)?\n(.*?)^```[ \t]*$", re.M | re.S)


def test_readme_quotes_the_route_handler_verbatim():
    route = ROUTE.read_text(encoding="utf-8").strip()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = TS_BLOCK.findall(readme)
    assert any(route in block for block in blocks), (
        f"README.md has no ```ts block containing {ROUTE.relative_to(ROOT)} "
        "verbatim: paste the file's current text into the README."
    )
