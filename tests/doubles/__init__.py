"""Test doubles the tests inject, which the benchmarks and ``make fake-llm`` use too: a
fake OpenAI-compatible provider, a webhook receiver, a server in a child process."""
