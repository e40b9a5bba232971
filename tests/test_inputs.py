"""One input model: every adapter (HTTP body, bulk row, file) builds an ArticleInput, and
one conversion makes the article."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from service.bulk.items import iter_items
from service.http.body import parse_article
from service.inputs import FILE_SUFFIXES, ArticleInput, iter_sources
from tests.test_formats import as_html

TEXT = "Acme Bio AG raised $5 million in a Series A round led by Delta Ventures."


@pytest.mark.parametrize(
    "fields",
    [{}, {"text": "a", "html": "<p>a</p>"}, {"text": "a", "ninjs": {}}, {"html": "x", "ninjs": {}}],
)
def test_exactly_one_of_text_html_and_ninjs(fields: dict[str, object]) -> None:
    with pytest.raises(ValidationError, match="send exactly one of text, html and ninjs"):
        ArticleInput.model_validate(fields)


def test_a_date_time_is_a_date_and_an_implausible_one_is_refused() -> None:
    given = ArticleInput.model_validate({"text": "a", "published_at": "2025-01-02T10:00:00Z"})
    assert given.published_at == date(2025, 1, 2)
    with pytest.raises(ValidationError, match="1900-2100"):
        ArticleInput.model_validate({"text": "a", "published_at": "0001-01-01"})


def test_every_adapter_gives_the_same_article(tmp_path: Path) -> None:
    page = as_html(TEXT)
    ninjs = {"body_text": TEXT, "versioncreated": "2025-01-02T10:00:00Z"}
    over_http = [
        parse_article("application/json", json.dumps({"text": TEXT}).encode()).article,
        parse_article("text/html", page.encode()).article,
        parse_article("application/ninjs+json", json.dumps(ninjs).encode()).article,
    ]
    rows = tmp_path / "in.jsonl"
    rows.write_text(
        "\n".join(json.dumps(r) for r in [{"text": TEXT}, {"html": page}, {"ninjs": ninjs}])
    )
    in_bulk = [item.article() for item in iter_items(str(rows))]
    (tmp_path / "a.txt").write_text(TEXT)
    (tmp_path / "b.html").write_text(page)
    from_files = [s.input.to_article() for s in iter_sources([str(tmp_path)]) if s.input]
    assert [a.text for a in over_http] == [a.text for a in in_bulk]  # text, html, ninjs
    assert [a.text for a in from_files] == [a.text for a in over_http[:2]]  # .txt, .html
    assert over_http[0].text == TEXT and over_http[2].text == TEXT
    assert over_http[2].published_at == in_bulk[2].published_at == date(2025, 1, 2)


def test_file_suffixes_and_body_media_types_are_listed_once() -> None:
    import service.bulk.items as bulk_items
    import service.http.body as body

    assert set(FILE_SUFFIXES) == {".txt", ".text", ".md", ".html", ".htm"}
    for module in (bulk_items, body):
        source = Path(module.__file__ or "").read_text()
        assert '".html"' not in source and '"text/html"' not in source
