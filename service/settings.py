"""One settings object, read from the environment.

The model endpoint uses the standard ``OPENAI_API_KEY`` and ``OPENAI_BASE_URL``; everything
else is ``MILESTONES_``-prefixed (``MILESTONES_MODEL``, ``MILESTONES_MODE`` …).
``load_settings`` reads them and turns any value not accepted into ``InvalidSettings``,
one line per variable: its name, the value given and what is accepted.
"""

from __future__ import annotations

import hashlib
import os
import re
import types
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from pydantic_settings.exceptions import SettingsError

from service.calls import CallLogMode
from service.errors import InvalidSettings
from service.webhooks import decode_secret

DATABASE_SCHEMES = ("sqlite:///", "postgresql://", "postgres://", "postgresql+psycopg://")
EngineName = Literal["auto", "llm", "rules"]
ENGINE_NAMES: tuple[str, ...] = get_args(EngineName)
# How a model request asks for the schema (service/engines/modes.py says which is which).
ModeName = Literal["auto", "tools", "json_schema", "json_object"]
ToolChoice = Literal["named", "required"]
_NAMED_KEY = re.compile(r"([A-Za-z][\w.@-]{0,63}):(\S+)")


def _named(name: str, *old: str) -> AliasChoices:
    """A setting's environment variable and its old names (kept for a release), and the
    same as keyword arguments."""
    names = (name, *old)
    return AliasChoices(*(f"MILESTONES_{n.upper()}" for n in names), *names)


class Settings(BaseSettings):
    """How milestones runs: which engine, which model, how hard to retry."""

    model_config = SettingsConfigDict(
        env_prefix="MILESTONES_", extra="ignore", populate_by_name=True
    )

    engine: EngineName = "auto"
    # When the LLM engine fails after its retries, answer with the rules engine instead
    # (marked degraded). Unset: off in the library and CLI, on in the HTTP service.
    fallback: bool | None = None

    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "MILESTONES_OPENAI_API_KEY")
    )
    openai_base_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("OPENAI_BASE_URL", "MILESTONES_OPENAI_BASE_URL"),
    )
    model: str = "gpt-4o-mini"
    # How the schema is asked for (service/engines/modes.py): auto picks what the
    # endpoint is known to take; tools, json_schema or json_object force one.
    mode: ModeName = "auto"
    # tools mode: force the function by name, or with "required" (llama-server).
    tool_choice: ToolChoice = "named"
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    max_output_tokens: int = Field(default=4096, ge=64)
    # The model's context window in tokens, where known (`milestones doctor` tells): a
    # request or re-ask that would not fit it is not sent.
    context_tokens: int | None = Field(default=None, ge=256)

    prompt: str = "extract"
    prompt_version: str = "v3"
    # How many of the prompt's few-shot examples are sent (default: all of them).
    prompt_examples: int | None = Field(default=None, ge=0)
    # Where prompt folders are read from (default: the ones shipped in prompts/).
    prompts_dir: Path | None = None

    max_reasks: int = Field(default=2, ge=0, le=10)
    request_timeout_s: float = Field(default=60.0, gt=0)
    deadline_s: float = Field(default=180.0, gt=0)
    transport_retries: int = Field(default=4, ge=0, le=20)
    backoff_initial_s: float = Field(default=0.5, ge=0)
    backoff_max_s: float = Field(default=30.0, ge=0)
    retry_after_max_s: float = Field(default=60.0, ge=0)

    # -- HTTP service -------------------------------------------------------------------
    # sqlite:///path (embedded, the default) or postgresql://… (shared by several replicas).
    database_url: str = Field(
        default="sqlite:///var/milestones.sqlite3",
        validation_alias=AliasChoices("DATABASE_URL", "MILESTONES_DATABASE_URL"),
    )
    # Comma-separated API keys accepted as "Authorization: Bearer <key>", each optionally
    # named as name:key (the name is the reviewer recorded with an editor's review).
    api_keys: SecretStr = SecretStr("")
    # Serve without API keys on a non-loopback address (refused unless set).
    allow_unauthenticated: bool = False
    # Comma-separated host names requests may be addressed to (the Host header), beside
    # the loopback names, which an open service (no API keys) accepts alone.
    allowed_hosts: str = ""
    max_body_bytes: int = Field(default=200_000, ge=1_000)
    max_model_calls: int = Field(default=8, ge=1)
    queue_wait_s: float = Field(default=10.0, gt=0)
    request_deadline_s: float = Field(default=120.0, gt=0)
    retry_after_s: int = Field(default=5, ge=1)
    # Single-flight across replicas: a claim on an article is a lease of this length,
    # renewed while its holder works; a dead holder's claim lapses within it.
    claim_ttl_s: float = Field(default=15.0, gt=0)
    claim_poll_s: float = Field(default=0.05, gt=0)

    # -- async jobs and their webhooks (POST /v1/jobs) ----------------------------------
    # Jobs this replica runs at once (0: it only queues them, other replicas run them).
    job_workers: int = Field(default=2, ge=0, le=64)
    # A running job's lease, renewed while it runs; a dead replica's jobs resume after it.
    job_lease_s: float = Field(default=30.0, gt=0)
    job_poll_s: float = Field(default=1.0, gt=0)
    # Runs of a job in all (a transient failure, 503 or 504, is retried with backoff).
    job_max_attempts: int = Field(default=3, ge=1, le=20)
    job_backoff_initial_s: float = Field(
        default=5.0, ge=0, validation_alias=_named("job_backoff_initial_s", "job_backoff_s")
    )
    job_backoff_max_s: float = Field(default=300.0, ge=0)
    # Standard Webhooks signing secret, whsec_<base64>; callbacks are refused without it.
    webhook_secret: SecretStr | None = None
    webhook_timeout_s: float = Field(default=10.0, gt=0)
    # Delivery attempts in all, with exponential backoff between them (5 s, 10 s … 1 h).
    webhook_max_attempts: int = Field(default=10, ge=1, le=50)
    webhook_backoff_initial_s: float = Field(
        default=5.0,
        ge=0,
        validation_alias=_named("webhook_backoff_initial_s", "webhook_backoff_s"),
    )
    webhook_backoff_max_s: float = Field(default=3600.0, ge=0)
    webhook_concurrency: int = Field(default=8, ge=1, le=256)
    # Ended jobs (and their delivery logs and idempotency keys) are deleted after this.
    job_retention_days: float = Field(default=30.0, gt=0)
    # -- the call log (service.calls) -----------------------------------------------------
    # Which extractions' model requests are kept: all, only those with an invalid answer
    # or a failed request, or none. The log holds article text sent to the provider.
    call_log: CallLogMode = "all"
    # Calls older than this are deleted (with the jobs' purge, by the job worker).
    call_log_retention_days: float = Field(default=30.0, gt=0)
    # Answers and message texts are cut beyond this many characters.
    call_log_max_chars: int = Field(default=20_000, ge=100)
    # Callback URLs: https only, public addresses only, unless these allow more (SSRF).
    allow_http_callbacks: bool = False
    allow_private_callbacks: bool = False
    # -- fetching pages and feeds (service.fetch) -----------------------------------------
    # The same rules as callbacks (SSRF), allowed more by their own settings.
    allow_http_fetches: bool = False
    allow_private_fetches: bool = False
    # A page or feed over this many bytes (after decompression) is refused.
    fetch_max_bytes: int = Field(default=5_000_000, ge=10_000)
    # The whole fetch (connection, redirects, body) within this many seconds.
    fetch_timeout_s: float = Field(default=20.0, gt=0)
    fetch_max_redirects: int = Field(default=5, ge=0, le=20)
    # -- feeds the service polls (POST /v1/feeds; the job worker of each replica) -------
    # How often a feed is read, unless it was registered with its own interval.
    feed_interval_s: float = Field(default=900.0, ge=1)
    # Feeds one replica polls at once; 0: this replica polls none.
    feed_polls_at_once: int = Field(default=2, ge=0, le=64)
    # A failing feed is read again after its interval, then twice as long each time up to
    # this; after this many failures in a row it is stopped (until resumed).
    feed_backoff_max_s: float = Field(default=21600.0, ge=0)
    feed_max_failures: int = Field(default=8, ge=1, le=1000)

    # -- bulk runs ----------------------------------------------------------------------
    # US dollars per million tokens, (input, output), by model; MILESTONES_PRICES as JSON
    # ({"my-model": [0.2, 0.8]}) adds or overrides. A model without a price costs "unknown".
    prices: dict[str, tuple[float, float]] = {
        "gpt-4o-mini": (0.15, 0.60),
        "gpt-4o": (2.50, 10.00),
        "gpt-4.1-mini": (0.40, 1.60),
        "gpt-4.1": (2.00, 8.00),
        "gpt-4.1-nano": (0.10, 0.40),
    }

    def cost_usd(
        self, prompt_tokens: int, completion_tokens: int, model: str | None = None
    ) -> float | None:
        """Estimated cost of these tokens with ``model`` (default: the configured one), if
        it has a price."""
        price = self.prices.get(self.model if model is None else model)
        if price is None:
            return None
        return (prompt_tokens * price[0] + completion_tokens * price[1]) / 1_000_000

    def api_key_list(self) -> list[str]:
        """The configured API keys."""
        return list(self.api_key_names())

    def api_key_names(self) -> dict[str, str]:
        """Each configured API key and its name: the part before a colon when the key is
        given as ``name:key``, else ``key-`` and a short hash of the key."""
        named = {}
        for entry in self.api_keys.get_secret_value().split(","):
            entry = entry.strip()
            found = _NAMED_KEY.fullmatch(entry)
            if found:
                named[found.group(2)] = found.group(1)
            elif entry:
                named[entry] = "key-" + hashlib.sha256(entry.encode()).hexdigest()[:8]
        return named

    @field_validator("webhook_secret")
    @classmethod
    def _a_webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        key = decode_secret(value.get_secret_value().strip())  # ValueError names the format
        if not 24 <= len(key) <= 64:
            raise ValueError(f"the key is {len(key)} bytes")
        return SecretStr(value.get_secret_value().strip())

    @field_validator("openai_base_url")
    @classmethod
    def _an_endpoint(cls, value: str | None) -> str | None:
        value = value.strip() or None if value is not None else None
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("not an http(s) URL")
        return value

    @field_validator("database_url")
    @classmethod
    def _a_database(cls, value: str) -> str:
        if not value.startswith(DATABASE_SCHEMES):
            raise ValueError("not a database URL this service reads")
        if value.startswith("sqlite:///"):
            path = value.removeprefix("sqlite:///").split("?")[0]
            if not path or path.startswith(":memory:") or "mode=memory" in value:
                raise ValueError("an SQLite store needs a file (in memory, it keeps nothing)")
        return value

    def allowed_host_list(self) -> list[str]:
        """The host names configured in MILESTONES_ALLOWED_HOSTS, lower-cased."""
        return [h.strip().lower() for h in self.allowed_hosts.split(",") if h.strip()]

    @property
    def model_configured(self) -> bool:
        """Whether a model endpoint is configured (a key, or an OpenAI-compatible URL)."""
        key = self.openai_api_key.get_secret_value().strip() if self.openai_api_key else ""
        return bool(key) or self.openai_base_url is not None


# What is accepted, where the field's type does not say it well enough.
ACCEPTED = {
    "openai_base_url": "an http(s) URL of an OpenAI-compatible API (…/v1)",
    "database_url": "sqlite:///path/to/file.sqlite3 (a file, not :memory:) or "
    "postgresql://user@host:5432/database",
    "webhook_secret": "whsec_ and 24 to 64 bytes in base64 (milestones webhook-secret makes one)",
    "prices": "JSON: model name to [input, output] US dollars per million tokens, "
    'e.g. {"my-model": [0.2, 0.8]}',
    "prompts_dir": "a folder holding <prompt>/<version>/ folders",
}
SECRETS = {"openai_api_key", "api_keys", "webhook_secret"}
_PASSWORD = re.compile(r"(://[^/:@\s]*:)[^/@\s]*@")  # a URL's password, never echoed


def load_settings(**overrides: Any) -> Settings:
    """The settings from the environment (and ``overrides``), or ``InvalidSettings``
    naming every variable whose value is not accepted."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        fields = [_field_of(str(e["loc"][0])) for e in error.errors() if e["loc"]]
        raise InvalidSettings([problem(f) for f in dict.fromkeys(fields)]) from None
    except SettingsError as error:  # a complex value (JSON) that does not parse
        found = re.search(r'field "(\w+)"', str(error))
        name = found.group(1) if found else "?"
        raise InvalidSettings([problem(name)]) from None


def _field_of(name: str) -> str:
    """The field a validation error names by the field's name or by an alias."""
    for field, info in Settings.model_fields.items():
        alias = info.validation_alias
        choices = alias.choices if isinstance(alias, AliasChoices) else []
        if name == field or name.lower() in {str(c).lower() for c in choices}:
            return field
    return name


def env_name(field: str) -> str:
    """The environment variable that sets ``field`` (the one set, if it has several)."""
    info = Settings.model_fields.get(field)
    alias = info.validation_alias if info else None
    if isinstance(alias, AliasChoices):
        names = [c for c in alias.choices if isinstance(c, str)]
        return next((n for n in names if n in os.environ), names[0])
    return f"MILESTONES_{field.upper()}"


def problem(field: str) -> str:
    """One line on a field whose value is not accepted."""
    name = env_name(field)
    if field in SECRETS:
        given = "(value hidden)"
    elif name in os.environ:
        shown = _PASSWORD.sub(r"\1***@", os.environ[name])
        given = f"is {shown!r}"
    else:
        given = "has a value"
    return f"{name} {given}: expected {accepted(field)}"


def accepted(field: str) -> str:
    """What a field accepts, in words."""
    if field in ACCEPTED:
        return ACCEPTED[field]
    info = Settings.model_fields.get(field)
    if info is None:
        return "a valid value"
    annotation: Any = info.annotation
    if get_origin(annotation) in (Union, types.UnionType):
        annotation = next(a for a in get_args(annotation) if a is not type(None))
    if get_origin(annotation) is Literal:
        choices = [str(a) for a in get_args(annotation)]
        return "one of " + ", ".join(choices[:-1]) + " or " + choices[-1]
    if annotation is bool:
        return "true or false"
    if annotation in (int, float):
        kind = "a whole number" if annotation is int else "a number"
        return kind + _bounds(info.metadata)
    return "a valid value"


def _bounds(metadata: list[Any]) -> str:
    low = high = ""
    for item in metadata:
        if isinstance(item, annotated_types.Ge):
            low = f"{item.ge:g}"
        elif isinstance(item, annotated_types.Gt):
            low = f"above {item.gt:g}"
        elif isinstance(item, annotated_types.Le):
            high = f"{item.le:g}"
    if low and high and not low.startswith("above"):
        return f" from {low} to {high}"
    if low.startswith("above"):
        return f" {low}" + (f", at most {high}" if high else "")
    if low:
        return f", at least {low}"
    return f", at most {high}" if high else ""
