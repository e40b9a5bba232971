"""One input model: every adapter (HTTP body, bulk row, file) builds an ArticleInput, and
one conversion makes the article."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from service.bulk.items import iter_items
from service.formats import all_suffixes
from service.http.body import parse_article
from service.inputs import ArticleInput, iter_sources
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


def test_file_suffixes_and_body_media_types_are_listed_once_in_the_registry() -> None:
    import service.bulk.items as bulk_items
    import service.http.body as body
    import service.http.openapi as openapi
    import service.web.forms as forms
    import service.web.pages as pages

    assert set(all_suffixes()) == {
        ".txt", ".text", ".md", ".html", ".htm", ".xhtml", ".ninjs", ".ninjs.json"
    }  # fmt: skip
    for module in (bulk_items, body, openapi, forms, pages):
        source = Path(module.__file__ or "").read_text()
        assert '".html"' not in source and '"text/html"' not in source


ARTICLE_TEXT = "Acme Bio AG, a Z\u00fcrich company, raised \u20ac5 million in a Series A round.\n"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "it is a PDF document"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "it is a PNG image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "it is a JPEG image"),
        (b"PK\x03\x04\x14\x00\x06\x00", "it is a ZIP archive (or a Word"),
        (b"\x1f\x8b\x08\x00\x00\x00", "it is a gzip archive"),
        (b"\x00\x00\x00\x18ftypheic", "it is an MP4, MOV or HEIC media file"),
        (b"{\\rtf1\\ansi Acme Bio raised", "it is an RTF document"),
        (b"plain words\x00\x00\x00 and NULs", "it holds NUL bytes"),
        (b"\x01\x02\x03\x04\x05\x06\x07\x08 mostly control bytes", "control characters"),
    ],
)
def test_files_that_are_not_text_are_refused_saying_what_they_are(
    tmp_path: Path, data: bytes, reason: str
) -> None:
    path = tmp_path / "article.txt"  # the suffix says text; the bytes do not
    path.write_bytes(data)
    [source] = iter_sources([str(path)])
    assert source.input is None and source.error is not None
    assert reason in source.error.detail and str(path) in source.error.detail


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (ARTICLE_TEXT.encode("utf-8"), None),
        (b"\xef\xbb\xbf" + ARTICLE_TEXT.encode("utf-8"), None),
        (ARTICLE_TEXT.encode("utf-16"), None),  # with its byte-order mark
        (ARTICLE_TEXT.encode("cp1252"), "cp1252"),
    ],
    ids=["utf-8", "utf-8 with BOM", "utf-16 with BOM", "windows-1252"],
)
def test_text_files_in_other_encodings_are_read_and_the_detected_one_is_said(
    tmp_path: Path, data: bytes, encoding: str | None
) -> None:
    path = tmp_path / "article.txt"
    path.write_bytes(data)
    [source] = iter_sources([str(path)])
    assert source.input is not None and source.input.text == ARTICLE_TEXT
    assert source.encoding == encoding


def test_bytes_of_no_telling_encoding_are_refused_asking_for_utf8(tmp_path: Path) -> None:
    path = tmp_path / "article.txt"
    path.write_bytes(bytes(range(0x80, 0x100)) * 8)
    [source] = iter_sources([str(path)])
    assert source.error is not None, source.input
    assert "save it as UTF-8" in source.error.detail or "not a text file" in source.error.detail
