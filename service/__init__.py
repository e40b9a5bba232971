"""milestones: grounded milestone summaries of news articles about advanced therapies.

For scripts: ``summarise_text`` / ``summarise_html`` (blocking) and ``asummarise_text`` /
``asummarise_html`` (coroutines) return a ``SummaryRecord``; see ``service.api``.

The article's path: ``clean`` → ``prompt`` → model (``engines``) → ``validate`` →
``ground`` → ``store``, composed by ``pipeline.Summariser`` (``summarise`` for one
article with no store).
"""

from importlib.metadata import PackageNotFoundError, version

from schemas import Milestone, SummaryRecord
from service.api import (
    asummarise,
    asummarise_html,
    asummarise_text,
    summarise_html,
    summarise_text,
)
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
from service.settings import Settings, load_settings

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
    "Milestone",
    "MilestonesError",
    "ProviderError",
    "ProviderRejected",
    "ProviderUnavailable",
    "Settings",
    "Summariser",
    "SummaryRecord",
    "asummarise",
    "asummarise_html",
    "asummarise_text",
    "build_engine",
    "choose",
    "load_settings",
    "summarise",
    "summarise_html",
    "summarise_text",
]
