"""The milestone summary schema, by version. v2 is the current one (v1 and each
milestone's details); v1 is its projection (``schemas.v2.to_v1``), still served to v1
clients. The names below are v2's; ``schemas.v1`` holds v1's."""

from schemas.checks import ARTICLE_KEY, ArticleContext
from schemas.details import Amount, Details
from schemas.v1 import MILESTONE_KINDS, EvidenceSpan, Meta, Organisation, Product, TokenUsage
from schemas.v2 import (
    SCHEMA_VERSION,
    ArticleSummary,
    ExtractedMilestone,
    Extraction,
    Milestone,
    SummaryRecord,
)

__all__ = [
    "ARTICLE_KEY",
    "MILESTONE_KINDS",
    "SCHEMA_VERSION",
    "Amount",
    "ArticleContext",
    "ArticleSummary",
    "Details",
    "EvidenceSpan",
    "ExtractedMilestone",
    "Extraction",
    "Meta",
    "Milestone",
    "Organisation",
    "Product",
    "SummaryRecord",
    "TokenUsage",
]
