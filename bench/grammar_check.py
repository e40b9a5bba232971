"""Compile JSON Schemas with llama.cpp's own grammar parser (run by ``make smoke-llm`` in
``.venv-llm``, where llama-cpp-python is installed): the schemas come as one JSON object
on stdin (name to schema); the model's vocabulary, from the GGUF file given, is all the
parser needs. Exit 1 when the schema named "sent" does not compile."""

from __future__ import annotations

import json
import sys

import llama_cpp  # type: ignore[import-not-found]


def main() -> None:
    schemas = json.load(sys.stdin)
    params = llama_cpp.llama_model_default_params()
    params.vocab_only = True
    model = llama_cpp.llama_model_load_from_file(sys.argv[1].encode(), params)
    vocab = llama_cpp.llama_model_get_vocab(model)
    ok = True
    for name, schema in schemas.items():
        grammar = llama_cpp.LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False)
        compiled = bool(
            llama_cpp.llama_sampler_init_grammar(vocab, grammar._grammar.encode(), b"root")
        )
        rules = grammar._grammar.count("::=")
        print(f"llama.cpp grammar of the {name} schema: {rules} rules, "
              f"{'compiles' if compiled else 'refused by the parser'}")  # fmt: skip
        ok &= compiled or name != "sent"
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
