"""Whole-page cache for anonymous readers, emptied when any page is published or unpublished.

Django's cache middleware (``PAGE_CACHE_SECONDS`` turns it on), with these changes:

* Requests that carry a session cookie (editors) neither read nor fill the cache.
* Page bodies stay in each worker's own memory: the ``"pages"`` cache, a :class:`LocalPageStore`
  (a least-recently-used store bounded by bytes, 64 MB per worker in the site's settings).
  Fetching a cached letter page (tens to hundreds of KB) from Redis on every request held it to
  a quarter of a trivial view's requests per second; from local memory it gets about 0.8 of
  them. Each worker fills its own store on its first miss of a page.
* The cache key includes a *generation* number kept in the shared cache (``"default"``: Redis
  when ``REDIS_URL`` is set, so every worker and every machine sees the same number). Publishing
  or unpublishing any page bumps it (:func:`invalidate`), which makes every page cached under the
  previous number stale, in every worker; those entries then age out of the local stores.
* Each worker re-reads the generation from the shared cache at most once a second
  (``GENERATION_SECONDS``). The worker that published sees the new number at once; every other
  worker within about a second, during which it may still serve an anonymous reader the previous
  version. A page is stored under the generation its request started in, so a page whose
  rendering began before this worker knew of a publish is not kept as the new version.
* The key prefix (``page:<generation>``) is worked out per request (the generation is kept on
  the request, the prefix on a per-request copy of the middleware): the middleware instances are
  shared by every thread of a worker, so they are never changed.
* The generation is bumped when the publish is *committed* (``transaction.on_commit``; at once
  outside a transaction). Bumped before, another worker could start a request under the new
  generation, still read the old page from the database, and keep it as the new version until
  the next publish. What Wagtail 8.0.1 does: ``page_published`` is sent from
  ``PublishPageRevisionAction._after_publish``, just after ``object.save()``. Publishing opens
  no transaction of its own, nor do the admin's edit and create views (``Page.save`` is atomic,
  but has committed by the time the signal is sent; the log entry and the aliases are written
  after it). So a publish from the editor usually signals outside a transaction and the bump is
  immediate; but the signal comes inside one whenever the caller holds a transaction: approving
  the last task of a workflow (``WorkflowState.finish`` is atomic and publishes from
  ``on_finish``), the demo loader (one ``transaction.atomic`` around all its content),
  ``ATOMIC_REQUESTS`` (not set here), tests, and any code that publishes within ``atomic``.
  ``page_unpublished`` (from ``UnpublishPageAction._after_unpublish``) is the same. A publish
  that is rolled back bumps nothing.
* If the shared cache can't be reached, the page cache steps aside rather than failing the
  request: a worker that can't read the generation serves every anonymous request uncached (it
  can't know whether something was published meanwhile), logs one warning for the whole
  outage, and tries the shared cache again after ``GENERATION_SECONDS``. A publish whose bump
  can't reach the shared cache still succeeds: it logs a warning, this worker serves uncached
  from then on (so it shows the change at once), and the bump is sent as soon as this worker
  reaches the shared cache again, before it uses the number it reads, so that pages the other
  workers cached before the outage are not served as current afterwards. Until then a worker
  that can still reach the shared cache may serve the previous version.

Without ``REDIS_URL`` the "shared" cache is local memory too, which is right for one process
(``runserver``) but means a publish in one gunicorn worker never reaches the others.
"""

from __future__ import annotations

import copy
import logging
import pickle
import threading
import time
from collections import OrderedDict

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.db import transaction
from django.middleware.cache import FetchFromCacheMiddleware, UpdateCacheMiddleware

GENERATION_KEY = "page-cache-generation"
GENERATION_SECONDS = 1.0
SHARED_CACHE_ALIAS = DEFAULT_CACHE_ALIAS

logger = logging.getLogger(__name__)


def _shared_cache():
    """The shared cache, raising when it can't be reached.

    With ``REDIS_URL`` the ``default`` cache is a :class:`~hostsite.cache_fallback.FallbackCache`,
    which turns an outage into misses; the generation must not be taken from a miss (each worker
    would make up its own number and cache pages under it), so it is read from the wrapped
    backend itself (``strict``), and an outage is handled here (see the module's docstring).
    """
    cache = caches[SHARED_CACHE_ALIAS]
    return getattr(cache, "strict", cache)


def _fresh_generation() -> int:
    """A first generation number that no earlier one can have reached (Redis may lose the key)."""
    return time.time_ns() // 1_000_000


def _next_generation() -> int:
    """Bump the shared generation and return the new number (raises if it can't be reached)."""
    cache = _shared_cache()
    try:
        return cache.incr(GENERATION_KEY)
    except ValueError:  # never set, or lost with the shared cache
        cache.add(GENERATION_KEY, _fresh_generation(), timeout=None)
        return cache.incr(GENERATION_KEY)


class WorkerGeneration:
    """This worker's copy of the shared generation number, re-read at most once per ``seconds``.

    ``None`` while the shared cache can't be reached: the page cache is then not used, and the
    shared cache is tried again ``seconds`` after the last failure.
    """

    def __init__(self, seconds: float = GENERATION_SECONDS, clock=time.monotonic):
        self.seconds = seconds
        self.clock = clock
        self._known: tuple[int | None, float] | None = None  # (generation, when it was read)
        self._unsent = False  # a publish's bump has not reached the shared cache yet
        self._down = False  # the shared cache failed when last tried (and that was logged)
        self._lock = threading.Lock()

    def current(self) -> int | None:
        known, now = self._known, self.clock()
        if known is None or now - known[1] >= self.seconds:
            try:
                if self._unsent:
                    value = self._send_bump()
                else:
                    value = _shared_cache().get_or_set(
                        GENERATION_KEY, _fresh_generation, timeout=None
                    )
            except Exception:
                self._known = (None, now)
                if self._went_down():
                    logger.warning(
                        "Page cache bypassed: the shared cache can't be read, so pages are "
                        "served uncached until it can (tried again every %ss).",
                        self.seconds,
                        exc_info=True,
                    )
                return None
            known = self._known = (value, now)
            self._came_back()
        return known[0]

    def bump(self) -> None:
        """Start a new generation in the shared cache and use it here at once.

        If the shared cache can't be reached, log it and serve uncached: the bump is sent the
        next time :meth:`current` reaches the shared cache.
        """
        now = self.clock()
        try:
            value = self._send_bump()
        except Exception:
            self._known = (None, now)
            self._went_down()
            logger.warning(
                "Page cache: a publish could not start a new generation in the shared cache. "
                "This worker serves pages uncached until it reaches the shared cache and sends "
                "the new generation; other workers may serve the previous version until then.",
                exc_info=True,
            )
            return
        self._known = (value, now)
        self._came_back()

    def _send_bump(self) -> int:
        self._unsent = False  # cleared first, so that a bump failing meanwhile stays unsent
        try:
            return _next_generation()
        except Exception:
            self._unsent = True
            raise

    def _went_down(self) -> bool:
        """Note a failure of the shared cache; True if it was working until now."""
        with self._lock:
            first, self._down = not self._down, True
        return first

    def _came_back(self) -> None:
        if not self._down:
            return
        with self._lock:
            back, self._down = self._down, False
        if back:
            logger.warning("Page cache: the shared cache can be read again; caching pages again.")

    def remember(self, value: int) -> None:
        self._known = (value, self.clock())

    def forget(self) -> None:
        """Read the shared number on the next request (a worker that has just started)."""
        self._known = None


worker_generation = WorkerGeneration()


def generation() -> int | None:
    """This worker's generation; ``None`` while the shared cache can't be read (don't cache)."""
    return worker_generation.current()


def invalidate(instance=None, **kwargs) -> None:
    """Start a new generation, once the publish is committed (at once outside a transaction):
    every cached page, in every worker, is stale from then on.

    Connected to ``page_published`` and ``page_unpublished``, which Wagtail may send inside a
    transaction (see the module's docstring). Never raises: see :meth:`WorkerGeneration.bump`.
    """
    using = getattr(getattr(instance, "_state", None), "db", None)
    transaction.on_commit(worker_generation.bump, using=using, robust=True)


class _Entries:
    def __init__(self):
        self.lock = threading.Lock()
        self.items: OrderedDict[str, tuple[float | None, bytes]] = OrderedDict()
        self.size = 0


_stores: dict[str, _Entries] = {}


class LocalPageStore(BaseCache):
    """A cache in this process's memory, least recently used first out past ``MAX_BYTES``.

    Like Django's LocMemCache (values are pickled, so every reader gets its own copy of a
    response), but bounded by the size of what it holds rather than by a number of entries.
    A value larger than the whole budget is not stored.
    """

    pickle_protocol = pickle.HIGHEST_PROTOCOL

    def __init__(self, location, params):
        super().__init__(params)
        self.max_bytes = int(params.get("OPTIONS", {}).get("MAX_BYTES", 64 * 1024 * 1024))
        self._store = _stores.setdefault(location, _Entries())

    def _live(self, key: str) -> bytes | None:
        entry = self._store.items.get(key)
        if entry is None:
            return None
        expires, data = entry
        if expires is not None and expires <= time.time():
            self._drop(key)
            return None
        return data

    def _drop(self, key: str) -> bool:
        entry = self._store.items.pop(key, None)
        if entry is None:
            return False
        self._store.size -= len(entry[1])
        return True

    def _put(self, key: str, data: bytes, timeout) -> None:
        store = self._store
        self._drop(key)
        if len(data) > self.max_bytes:
            return
        store.items[key] = (self.get_backend_timeout(timeout), data)
        store.size += len(data)
        while store.size > self.max_bytes:
            _, (_, old) = store.items.popitem(last=False)
            store.size -= len(old)

    def get(self, key, default=None, version=None):
        key = self.make_key(key, version=version)
        with self._store.lock:
            data = self._live(key)
            if data is None:
                return default
            self._store.items.move_to_end(key)
        return pickle.loads(data)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_key(key, version=version)
        data = pickle.dumps(value, self.pickle_protocol)
        with self._store.lock:
            self._put(key, data, timeout)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_key(key, version=version)
        data = pickle.dumps(value, self.pickle_protocol)
        with self._store.lock:
            if self._live(key) is not None:
                return False
            self._put(key, data, timeout)
            return True

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_key(key, version=version)
        with self._store.lock:
            data = self._live(key)
            if data is None:
                return False
            self._store.items[key] = (self.get_backend_timeout(timeout), data)
            return True

    def has_key(self, key, version=None):
        key = self.make_key(key, version=version)
        with self._store.lock:
            return self._live(key) is not None

    def delete(self, key, version=None):
        key = self.make_key(key, version=version)
        with self._store.lock:
            return self._drop(key)

    def clear(self):
        with self._store.lock:
            self._store.items.clear()
            self._store.size = 0

    @property
    def size(self) -> int:
        """Bytes held (the pickled values)."""
        return self._store.size


_UNREAD = object()


def _request_generation(request) -> int | None:
    """The generation for this request, read once per request (both middlewares need it)."""
    current = getattr(request, "_page_cache_generation", _UNREAD)
    if current is _UNREAD:
        current = request._page_cache_generation = generation()
    return current


def _for_request(middleware, current: int):
    """A copy of the (shared) middleware with this request's key prefix, ``page:<generation>``."""
    bound = copy.copy(middleware)
    bound.key_prefix = f"{middleware.key_prefix}:{current}"
    return bound


def _has_session(request) -> bool:
    return settings.SESSION_COOKIE_NAME in request.COOKIES


class AnonymousFetchFromCacheMiddleware(FetchFromCacheMiddleware):
    def process_request(self, request):
        if _has_session(request):
            request._cache_update_cache = False
            return None
        current = _request_generation(request)
        if current is None:  # the shared cache can't be read: neither read nor fill the cache
            request._cache_update_cache = False
            return None
        return FetchFromCacheMiddleware.process_request(_for_request(self, current), request)


class AnonymousUpdateCacheMiddleware(UpdateCacheMiddleware):
    def process_response(self, request, response):
        if not self._should_update_cache(request, response):
            return response
        current = _request_generation(request)
        if current is None:
            return response
        return UpdateCacheMiddleware.process_response(
            _for_request(self, current), request, response
        )
