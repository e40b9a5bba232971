"""milestones: grounded milestone summaries of news articles about advanced therapies.

The article's path: ``clean`` → ``prompt`` → model (``engines``) → ``validate`` →
``ground`` → ``store``, composed by ``pipeline.Summariser`` (``summarise`` for one
article with no store).
"""

from service.article import Article
from service.engines import Engine, build_engine, choose
from service.errors import (
    ConfigurationError,
    DeadlineExceeded,
    ExtractionFailed,
    InputError,
    MilestonesError,
    ProviderError,
    ProviderRejected,
    ProviderUnavailable,
)
from service.pipeline import Summariser, summarise
from service.settings import Settings

__all__ = [
    "Article",
    "ConfigurationError",
    "DeadlineExceeded",
    "Engine",
    "ExtractionFailed",
    "InputError",
    "MilestonesError",
    "ProviderError",
    "ProviderRejected",
    "ProviderUnavailable",
    "Settings",
    "Summariser",
    "build_engine",
    "choose",
    "summarise",
]
