"""What every study's analyze.py does with its results: write results.json, results.md and the
tables into the docs page between the study's markers — or, with --check, write nothing and exit 1
when any of them differs from what the records give (tests/test_studies.py runs --check)."""

from __future__ import annotations

import json
from pathlib import Path

PAGE = Path(__file__).resolve().parents[1] / "docs" / "models.md"  # the page that publishes the tables


def markers(study: str) -> tuple[str, str]:
    return f"<!-- studies/{study}/results.md -->\n", f"<!-- end studies/{study} -->\n"


def with_block(page: str, block: str, study: str) -> str:
    """``page`` with the study's tables between its markers replaced by ``block``."""
    begin, end = markers(study)
    if begin not in page or end not in page:
        raise SystemExit(f"{PAGE.name} lacks the markers {begin.strip()} … {end.strip()}")
    head, rest = page.split(begin, 1)
    _, tail = rest.split(end, 1)
    return head + begin + block + end + tail


def publish(folder: Path, res: dict, md: str, argv) -> int:
    outputs = {
        folder / "results.json": json.dumps(res, indent=1, sort_keys=True) + "\n",
        folder / "results.md": md,
        PAGE: with_block(PAGE.read_text(), md, folder.name),
    }
    if "--check" in argv:
        stale = [str(p) for p, text in outputs.items() if not p.exists() or p.read_text() != text]
        for p in stale:
            print(f"stale: {p}")
        return 1 if stale else 0
    for p, text in outputs.items():
        p.write_text(text)
    print(md, end="")
    return 0
