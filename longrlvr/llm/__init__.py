"""The project's chat layer: the OpenAI-compatible client (judge, data_gen and eval share it), the
:class:`ChatBackend` protocol and its backends (``longrlvr.llm.backends.make_backend``)."""

from longrlvr.llm.chat import ChatBackend, Sampling
from longrlvr.llm.client import AsyncLLMClient, ClientStats
from longrlvr.llm.config import LLMConfig
from longrlvr.llm.retry import LLMError

__all__ = ["AsyncLLMClient", "ChatBackend", "ClientStats", "LLMConfig", "LLMError", "Sampling"]
