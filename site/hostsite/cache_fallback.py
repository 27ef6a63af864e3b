"""A cache backend that steps aside while its server can't be reached.

The site keeps Wagtail's site-root paths, rendered newsletter issues, the subscribe rate limit
and the page cache's generation number in the ``default`` cache (Redis with ``REDIS_URL``). A
cache is an optimisation: with Redis down the site must still answer, only slower.
:class:`FallbackCache` wraps the real backend (``OPTIONS["BACKEND"]``, Django's ``RedisCache``
unless told otherwise) and, when a call fails because the server can't be reached, answers as
an empty cache would: reads miss, writes do nothing (``add`` and ``set_many`` report that
nothing was stored, ``incr`` and ``decr`` raise ``ValueError`` as for a missing key).

* One warning is logged when an outage starts and one when the server answers again, per
  process (not per request, nor per thread: Django gives each thread its own backend object,
  so the outage is kept per ``LOCATION``).
* While the server is down it is tried again at most every ``RETRY_SECONDS`` (``OPTIONS``,
  default 5): in between, calls miss at once, so a server that hangs does not slow every
  request by a connection timeout. Give the wrapped backend short socket timeouts too.
* Errors that are not about reaching the server (a key too long, a value that can't be
  pickled) are raised as usual.
* :attr:`FallbackCache.strict` is the wrapped backend itself, which raises: code that must
  know whether it read a real value (the page cache's generation number) uses it.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.utils.module_loading import import_string

from newsletter.outage import Outage

try:
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    UNREACHABLE: tuple[type[BaseException], ...] = (
        RedisConnectionError,
        RedisTimeoutError,
        OSError,
    )
except ImportError:  # redis is an optional dependency
    UNREACHABLE = (OSError,)

DEFAULT_BACKEND = "django.core.cache.backends.redis.RedisCache"
RETRY_SECONDS = 5.0

logger = logging.getLogger(__name__)


_outages: dict[str, Outage] = {}
_outages_lock = threading.Lock()


def _outage_for(name: str, retry_seconds: float) -> Outage:
    with _outages_lock:
        if name not in _outages:
            _outages[name] = Outage(
                f"Cache {name} can't be reached (%s): serving without it until it answers "
                f"(tried again every {retry_seconds}s).",
                f"Cache {name} answers again: using it again.",
                retry_seconds=retry_seconds,
                log=logger,
            )
        return _outages[name]


class FallbackCache(BaseCache):
    """The cache ``OPTIONS["BACKEND"]``, acting as an empty cache while it can't be reached.

    Every other entry of ``OPTIONS``, and ``LOCATION``, ``TIMEOUT``, ``KEY_PREFIX`` and
    ``VERSION``, are passed to the wrapped backend, which makes the keys.
    """

    def __init__(self, location: Any, params: dict) -> None:
        options = dict(params.get("OPTIONS", {}))
        backend = options.pop("BACKEND", DEFAULT_BACKEND)
        retry_seconds = float(options.pop("RETRY_SECONDS", RETRY_SECONDS))
        inner_params = {**params, "OPTIONS": options}
        super().__init__(inner_params)
        self.strict: BaseCache = import_string(backend)(location, inner_params)
        self.outage = _outage_for(f"{backend}@{location}", retry_seconds)

    def _call(self, fallback: Any, method: str, *args: Any, **kwargs: Any) -> Any:
        if self.outage.skip():
            return fallback
        try:
            result = getattr(self.strict, method)(*args, **kwargs)
        except UNREACHABLE as error:
            self.outage.failed(error)
            return fallback
        self.outage.answered()
        return result

    def make_key(self, key: Any, version: int | None = None) -> str:
        return self.strict.make_key(key, version=version)

    def validate_key(self, key: Any) -> None:
        self.strict.validate_key(key)

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._call(default, "get", key, default, version=version)

    def get_many(self, keys: Any, version: int | None = None) -> dict:
        return self._call({}, "get_many", keys, version=version)

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._call(False, "has_key", key, version=version)

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version=None) -> None:
        self._call(None, "set", key, value, timeout, version=version)

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version=None) -> bool:
        return self._call(False, "add", key, value, timeout, version=version)

    def set_many(self, data: dict, timeout: Any = DEFAULT_TIMEOUT, version=None) -> list:
        return self._call(list(data), "set_many", data, timeout, version=version)

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version=None) -> bool:
        return self._call(False, "touch", key, timeout, version=version)

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._call(False, "delete", key, version=version)

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        self._call(None, "delete_many", keys, version=version)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        result = self._call(None, "incr", key, delta, version=version)
        if result is None:
            raise ValueError(f"Key '{key}' not found (the cache can't be reached).")
        return result

    def decr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        return self.incr(key, -delta, version=version)

    def clear(self) -> None:
        self._call(None, "clear")

    def close(self, **kwargs: Any) -> None:
        self._call(None, "close", **kwargs)
