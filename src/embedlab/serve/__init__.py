"""HTTP API (``embedlab serve``): OpenAI- and Ollama-compatible embedding endpoints.

Import :func:`embedlab.serve.app.create_app` for the FastAPI app and
:func:`embedlab.serve.runner.serve` to run it with uvicorn; this package's ``__init__``
imports neither, so ``import embedlab`` never pulls in FastAPI.
"""
