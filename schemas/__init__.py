"""The milestone summary schema, by version. v1 is the current one."""

from schemas.checks import ARTICLE_KEY, ArticleContext
from schemas.v1 import (
    MILESTONE_KINDS,
    SCHEMA_VERSION,
    ArticleSummary,
    EvidenceSpan,
    ExtractedMilestone,
    Extraction,
    Meta,
    Milestone,
    Organisation,
    Product,
    SummaryRecord,
    TokenUsage,
)

__all__ = [
    "ARTICLE_KEY",
    "MILESTONE_KINDS",
    "SCHEMA_VERSION",
    "ArticleContext",
    "ArticleSummary",
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
