"""Versioned prompts: ``<name>/<version>/`` folders of system, user and example files.

Loaded by ``service.prompt.load_prompt``; this file only makes the folder ship with the
package.
"""
