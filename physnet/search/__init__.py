"""Full-text search of messages (and tips) with Whoosh; see docs/search.md.

`init_app(app)` binds search to an app. Nothing starts then: a server process starts its
indexer thread with the first request it handles (HTTP or Socket.IO), so CLI commands,
which build the app too, never index (except `physnet search reindex`, on purpose), and
neither do tests unless they ask (`app.config["PHYSNET_SEARCH_INDEXER"] = True`, or
`service(app).indexer.start()`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, current_app

from physnet.search.engine import SearcherPool
from physnet.search.indexer import Indexer
from physnet.search.memory import keep_freed_memory
from physnet.search.store import IndexStore, IndexUnavailable
from physnet.search.synonyms import Synonyms

__all__ = ["IndexUnavailable", "SearchService", "init_app", "service"]
_KEY = "physnet_search"


class SearchService:
    """Everything search keeps per app: the index folder, searchers, synonyms, indexer."""

    def __init__(self, app: Flask) -> None:
        settings = app.config["PHYSNET"]
        keep_freed_memory()  # searches reuse freed arrays instead of faulting in new pages
        self.store = IndexStore(settings.search_index)
        self.searchers = SearcherPool(self.store)
        self.synonyms = Synonyms(settings.instance_path)
        self.host_id = settings.search_host_id
        self.indexer = Indexer(app, self)

    def close(self) -> None:
        self.indexer.stop()
        self.searchers.close()


class _StartIndexer:
    """WSGI middleware: start the indexer on the first request a server process handles."""

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]], app: Flask) -> None:
        self.wsgi_app = wsgi_app
        self.app = app
        self.started = False
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if not self.started:
            with self._lock:
                if not self.started:
                    self.started = True
                    wanted = self.app.config.get("PHYSNET_SEARCH_INDEXER", not self.app.testing)
                    if wanted:
                        self.app.extensions[_KEY].indexer.start()
        return self.wsgi_app(environ, start_response)


def init_app(app: Flask) -> None:
    app.extensions[_KEY] = SearchService(app)
    # Outermost, so that Socket.IO traffic (handled before Flask) starts it too.
    app.wsgi_app = _StartIndexer(app.wsgi_app, app)  # type: ignore[method-assign]


def service(app: Flask | None = None) -> SearchService:
    found: SearchService = (app or current_app).extensions[_KEY]
    return found
