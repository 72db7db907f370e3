"""LLM providers behind one interface, with fallback, rate limits, budgets and record/replay.

    from alpha_arena.llm import LLMRouter, LLMRequest
    router = LLMRouter()                       # providers from env keys, defaults from LLMConfig
    answer = router.complete(LLMRequest(({"role": "user", "content": "2+2?"},)))

SDKs load only when a provider makes its first call.
"""

from alpha_arena.llm.cache import ResponseCache
from alpha_arena.llm.config import BudgetConfig, LLMConfig, RateLimit, api_key
from alpha_arena.llm.cutoff import ContaminationError, check_markets, contaminated, latest_cutoff
from alpha_arena.llm.ledger import Budget, Ledger
from alpha_arena.llm.limits import CircuitBreaker, RateLimiter, SystemClock
from alpha_arena.llm.providers import (
    AnthropicProvider,
    GoogleProvider,
    LocalProvider,
    OpenAIProvider,
    Provider,
    XAIProvider,
    build_providers,
)
from alpha_arena.llm.router import LLMRouter, ProviderStatus, parse_output
from alpha_arena.llm.types import (
    Attempt,
    BudgetExceededError,
    CacheMissError,
    Completion,
    LLMError,
    LLMRequest,
    LLMResponse,
    ProviderError,
)

__all__ = [
    "AnthropicProvider",
    "Attempt",
    "Budget",
    "BudgetConfig",
    "BudgetExceededError",
    "CacheMissError",
    "CircuitBreaker",
    "Completion",
    "ContaminationError",
    "GoogleProvider",
    "LLMConfig",
    "LLMError",
    "LLMRequest",
    "LLMResponse",
    "LLMRouter",
    "Ledger",
    "LocalProvider",
    "OpenAIProvider",
    "Provider",
    "ProviderError",
    "ProviderStatus",
    "RateLimit",
    "RateLimiter",
    "ResponseCache",
    "SystemClock",
    "XAIProvider",
    "api_key",
    "build_providers",
    "check_markets",
    "contaminated",
    "latest_cutoff",
    "parse_output",
]
