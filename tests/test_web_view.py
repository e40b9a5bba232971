"""What a summary page shows: the article cut at every evidence span and removed line,
so that each milestone's evidence can be marked where it stands, overlaps included."""

from __future__ import annotations

import asyncio
from pathlib import Path

from service.api import asummarise_text
from service.web.view import build_view, cut

SEEDS = sorted((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))


def covered(segments: list, n: int) -> str:  # type: ignore[type-arg]
    return "".join(s.text for s in segments if n in s.milestones)


def test_segments_put_the_text_back_together_and_mark_overlaps() -> None:
    text = "Alpha beta gamma delta epsilon."
    spans = [(0, 16), (6, 22), None, (23, 31)]  # 1 and 2 overlap on "beta gamma"
    segments = cut(text, spans, [])
    assert "".join(s.text for s in segments) == text
    assert covered(segments, 1) == "Alpha beta gamma"
    assert covered(segments, 2) == "beta gamma delta"
    assert covered(segments, 4) == "epsilon."
    assert [s.milestones for s in segments if s.text == "beta gamma"] == [(1, 2)]
    assert [s.first_of for s in segments if s.first_of] == [(1,), (2,), (4,)]
    assert not any(3 in s.milestones for s in segments)  # not in this text


def test_removed_lines_are_segments_of_their_own_with_the_reason() -> None:
    text = "Home | News | Contact\nAcme Bio raised $5 million.\nShare this\n"
    segments = cut(text, [(22, 49)], [(0, 22, "navigation"), (50, 61, "share")])
    assert "".join(s.text for s in segments) == text
    assert [s.removed for s in segments if s.removed] == ["navigation", "share"]
    assert covered(segments, 1) == "Acme Bio raised $5 million."


def test_every_seeds_evidence_is_covered_exactly_by_its_milestone() -> None:
    for path in SEEDS:
        text = path.read_text(encoding="utf-8")
        record = asyncio.run(asummarise_text(text, engine="rules"))
        view = build_view("s_1", record, text)
        assert "".join(s.text for s in view.segments) == text
        for card in view.cards:
            assert covered(view.segments, card.number) == card.milestone.evidence, path.name
        assert len(view.cards) == len(record.summary.milestones)
