"""The project's one OpenAI-compatible LLM client (judge, data_gen and eval share it)."""

from longrlvr.llm.client import AsyncLLMClient, ClientStats, LLMError
from longrlvr.llm.config import LLMConfig

__all__ = ["AsyncLLMClient", "ClientStats", "LLMConfig", "LLMError"]
