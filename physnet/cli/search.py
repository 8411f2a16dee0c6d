"""`physnet search reindex` and `physnet search status`."""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from flask.cli import with_appcontext
from sqlalchemy.exc import DBAPIError

from physnet.search import service
from physnet.search.rebuild import RebuildBusy, rebuild
from physnet.search.status import index_status


@click.group("search")
def search_group() -> None:
    """The full-text search index."""


@search_group.command("reindex")
@with_appcontext
def reindex() -> None:
    """Rebuild the index from the database into a new folder and swap it in.

    Searches keep answering from the old index meanwhile; running servers switch to the
    new one by themselves.
    """
    bar: Any = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            if not sys.stderr.isatty():  # a log, not a terminal: one line, no bar
                click.echo(f"Indexing {total} documents...", err=True)
                bar = False
                return
            bar = click.progressbar(length=max(total, 1), label="Indexing", file=sys.stderr)
            bar.__enter__()
        if bar:
            bar.update(done - bar.pos)

    try:
        count = rebuild(service(), progress=progress, parallel=True)
    except RebuildBusy as exc:
        raise click.ClickException(str(exc)) from None
    except DBAPIError as exc:
        raise click.ClickException(_database_problem(exc)) from None
    finally:
        if bar:
            bar.__exit__(None, None, None)
    click.echo(f"Indexed {count} documents into {service().store.current_name()}.")


def _database_problem(exc: DBAPIError) -> str:
    first = str(exc.orig).splitlines()[0] if exc.orig else type(exc).__name__
    return f"The database is not ready ({first}); run `physnet db upgrade` first."


def _when(value: Any) -> str:
    return str(value) if value else "never"


@search_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@with_appcontext
def status(as_json: bool) -> None:
    """Show documents indexed, the lag, the writer, the last error and every host's position."""
    try:
        info = index_status(service())
    except DBAPIError as exc:
        raise click.ClickException(_database_problem(exc)) from None
    if as_json:
        click.echo(json.dumps(info, default=str, indent=1))
    else:
        writer = f"pid {info['writer_pid']}" if info["writer_pid"] else "none running"
        lines = [
            f"index:      {info['folder']} ({info['state']}"
            + (f", {info['generation']})" if info["generation"] else ")"),
            f"documents:  {info['documents']} indexed, "
            f"{info['database_documents']} in the database",
            f"lag:        {info['lag_seconds']:.1f} s ({info['pending_changes']} changes waiting)",
            f"writer:     {writer}",
            f"indexed:    {_when(info['last_indexed_at'])}",
            f"last error: {info['last_error'] or 'none'}"
            + (f" at {info['last_error_at']}" if info["last_error"] else ""),
        ]
        if info["rebuilding"]:
            progress = info.get("rebuild") or {}
            lines.append(
                f"reindex:    running ({progress.get('done', 0)}/{progress.get('total', '?')})"
            )
        if info.get("last_rebuild"):
            last = info["last_rebuild"]
            lines.append(
                f"rebuilt:    {last.get('at')} "
                f"({last.get('documents')} documents, {last.get('seconds')} s)"
            )
        lines.append(f"host:       {info['host_id']} (change log at {info['position']})")
        lines.append(f"hosts:      {len(info['hosts'])} following {info['log_rows']} log rows")
        for host in info["hosts"]:
            flag = ", REINDEX NEEDED" if host["reindex_needed"] else ""
            lines.append(
                f"  {host['host_id']}: at {host['position']}, "
                f"{host['pending_changes']} behind ({host['lag_seconds']:.1f} s), "
                f"seen {_when(host['seen_at'])}{flag}"
            )
        click.echo("\n".join(lines))
    if info["state"] != "ok":
        raise click.ClickException(f"The search index is {info['state']}: {info.get('reason')}.")


@search_group.command("serve")
@with_appcontext
def serve() -> None:
    """Run the search indexer in the foreground: the designated index writer.

    For deployments whose server processes set PHYSNET_SEARCH_INDEXER=off. It polls the
    change log for changes committed by every process and stops cleanly on SIGTERM or Ctrl-C.
    """
    import signal
    import threading

    indexer = service().indexer
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    indexer.start()
    click.echo(f"Indexing into {service().store.root} (stop with Ctrl-C).", err=True)
    while not stopping.wait(1.0):
        if not indexer.running:
            raise click.ClickException("The indexer thread stopped; see the log above.")
    indexer.stop()
    click.echo("Indexer stopped.", err=True)
