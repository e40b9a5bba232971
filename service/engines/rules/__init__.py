"""The rules engine: offline, deterministic extraction with no model weights."""

from service.engines.rules.engine import RULES_VERSION, RulesEngine

__all__ = ["RULES_VERSION", "RulesEngine"]
