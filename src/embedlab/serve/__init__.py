"""HTTP API (``embedlab serve``): OpenAI- and Ollama-compatible embedding endpoints.

Endpoints: ``POST /v1/embeddings`` (OpenAI), ``GET /v1/models``, ``POST /api/embed`` and
``POST /api/embeddings`` (Ollama), ``GET /api/tags``, ``GET /health``, ``GET /openapi.json``,
and persistent collections under ``/v1/collections`` (:mod:`embedlab.serve.collections_api`).

Choices, the same on every endpoint:

- Errors are ``{"error": {"message", "type", "param", "code"}}``: 400 malformed JSON or
  ``truncate=false`` with a text over the model's token limit; 404 unknown or unpulled model
  (the message lists the known ones); 413 more inputs than ``--max-batch`` or a text longer
  than ``--max-text-chars`` (the message states the limit); 422 wrong types, missing or
  unknown fields, an empty input list, an empty string, token-id inputs (not supported:
  send text), ``dimensions`` outside 1..dim.
- Vectors equal ``load_encoder(model).encode(texts, dimensions=d)``; texts over the model's
  limit are truncated (``/api/embed`` with ``truncate=false`` refuses them instead).
  ``usage.prompt_tokens`` / ``prompt_eval_count`` count the tokens the model read.
- Concurrent requests for one model are batched into shared ``encode`` calls
  (:mod:`embedlab.serve.batcher`).

Import :func:`embedlab.serve.app.create_app` for the FastAPI app and
:mod:`embedlab.serve.runner` to run it with uvicorn; this package's ``__init__`` imports
neither, so ``import embedlab`` never pulls in FastAPI.
"""
