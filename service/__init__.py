"""milestones: grounded milestone summaries of news articles about advanced therapies.

For scripts: ``summarise_text`` / ``summarise_html`` (blocking) and ``asummarise_text`` /
``asummarise_html`` (coroutines) return a ``SummaryRecord``; see ``service.api``.

The article's path: ``clean`` → ``prompt`` → model (``engines``) → ``validate`` →
``ground`` → ``store``, composed by ``pipeline.Summariser`` (``summarise`` for one
article with no store).

State that is not passed as an argument: three context variables, each set around one
extraction (so concurrent extractions on one event loop never see each other's), and no
other. ``service.calls._TRACE``: the call trace the LLM engine reports each model call
to, set by ``Summariser`` around ``engine.extract`` and stored as the call log after it;
``service.calls.ORIGIN``: where the extraction was asked from (a job's id, a bulk item's
id), set by the job worker and the bulk runner, stored with each call;
``service.engines.llm._LEDGER``: what the extraction's requests cost (tokens, requests,
answers), set by the engine itself around one extraction and read into its ``Meta``.
They cross layers that do not otherwise know of each other (the pipeline and the
transport), which is why they are context, not arguments.
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
