"""What a search result shows of a message's attachments."""

from __future__ import annotations

from typing import Any

from physnet.search.sources import attachment_names


def add_file_names(results: list[dict[str, Any]]) -> None:
    """Give each message result the names of its files (`"files": [...]`)."""
    ids = [r["id"] for r in results if r.get("type") == "message"]
    names = attachment_names(ids) if ids else {}
    for result in results:
        if result.get("type") == "message":
            result["files"] = names.get(result["id"], [])
