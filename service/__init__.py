"""milestones: grounded milestone summaries of news articles about advanced therapies.

The article's path: ``clean`` → ``prompt`` → model (``engines``) → ``validate`` →
``ground`` → ``store``, composed by ``pipeline.Summariser`` (``summarise`` for one
article with no store).
"""

from importlib.metadata import PackageNotFoundError, version

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

try:
    __version__ = version("milestones")
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"

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
