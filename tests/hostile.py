"""Articles shaped to hurt: the inputs the rules benchmark times and the hardening tests
send. Each builder makes an article of about ``size`` characters.

- ``seeds``: the seed articles, one after another (ordinary prose, many lines);
- ``one_line``: the same text with every line break made a space (a page pasted flat);
- ``abbreviations``: "Dr. U.S. Inc. " over and over (every stop is a possible boundary);
- ``names``: one endless run of capitalised names joined by "and", no full stop;
- ``milestones``: a short milestone sentence about a new company and product each time;
- ``stops``: a run of "!" and "." with no capital after it;
- ``invisible``: the seeds with a soft hyphen and a zero-width space inside words.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))


def _repeat(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def seeds(size: int) -> str:
    return _repeat("\n".join(p.read_text(encoding="utf-8") for p in SEEDS) + "\n", size)


def one_line(size: int) -> str:
    return " ".join(seeds(size).split())


def abbreviations(size: int) -> str:
    return _repeat("Dr. U.S. Inc. ", size)


def names(size: int) -> str:
    words = ["Acme", "Orion", "Vega", "Nordic", "Cell", "Gene", "Lyra", "Nova"]
    parts = []
    total = 0
    n = 0
    while total < size:
        part = f"{words[n % 8]}{n} {words[(n * 3 + 1) % 8]} and"
        parts.append(part)
        total += len(part) + 1
        n += 1
    return " ".join(parts)[: size - 1] + "."


def milestones(size: int) -> str:
    lines = []
    total = 0
    n = 0
    while total < size:
        line = (
            f"Company{n} Therapeutics AG received orphan drug designation from the EMA for "
            f"CT-{n:05d} in March 2024, and raised $5 million in a Series A round."
        )
        lines.append(line)
        total += len(line) + 1
        n += 1
    return " ".join(lines)[:size]


def stops(size: int) -> str:
    return "Acme Bio has news " + _repeat("!.", size)


def invisible(size: int) -> str:
    text = seeds(size)
    return text.replace("cel", "c\u00adel").replace("ion", "i\u200bon")


SHAPES: dict[str, Callable[[int], str]] = {
    "seeds": seeds,
    "one_line": one_line,
    "abbreviations": abbreviations,
    "names": names,
    "milestones": milestones,
    "stops": stops,
    "invisible": invisible,
}


def clauses(size: int) -> str:
    clause = "its IND was cleared by the FDA; it received approval, and it raised $5 million"
    sentence = "Acme Bio said " + "; ".join([clause] * 24) + "."
    return _repeat(sentence + " ", size)


SHAPES["clauses"] = clauses


def long_word(size: int) -> str:
    """One word as long as the article (no space, no line end), a cut-off word first."""
    head = "Acme Bio cut its news... "
    return head + ("Glioblastoma" * (size // 12 + 1))[: max(0, size - len(head))]


SHAPES["long_word"] = long_word
