"""The `archiver` command: the only module that prints, reads the clock or exits."""

from __future__ import annotations

import functools
import json
import os
import sys
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Any, Callable, Optional

import typer

from . import __version__
from .dates import from_epoch, parse_timestamp
from .deflate import DEFAULT
from .errors import ArchiverError, InputError
from .extract import extract as extract_seeds
from .extract import load_checked
from .pack import PackResult, pack as pack_seeds, packaging_time, plan
from .verify import Report, verify as verify_snapshot

app = typer.Typer(
    add_completion=False, no_args_is_help=True, rich_markup_mode=None,
    help="Pack seed documents into a verifiable, citable WARC 1.1 snapshot; verify, restore, show.",
)


def _fail(message: str, code: int) -> None:
    typer.echo(f"archiver: {message}", err=True)
    raise typer.Exit(code)


def handles_errors(command: Callable[..., None]) -> Callable[..., None]:
    """Turn a library error into one line on stderr and its exit code: the one place that does."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
        except ArchiverError as err:
            _fail(str(err), err.exit_code)
        except OSError as err:
            where = f"{err.filename}: " if err.filename else ""
            _fail(f"{where}{err.strerror or err}", 2)
        except KeyboardInterrupt:
            _fail("interrupted; nothing was left half-written", 130)

    return wrapper


def _packaged(option: str | None, declared: str) -> datetime:
    try:
        given = parse_timestamp(option) if option else None
        epoch_text = os.environ.get("SOURCE_DATE_EPOCH")
        epoch = from_epoch(epoch_text) if epoch_text else None
        return packaging_time(option=given, epoch=epoch, declared=declared,
                              now=datetime.now(timezone.utc).replace(microsecond=0))
    except ValueError as err:
        raise InputError(f"packaging time: {err}") from None


@app.command()
@handles_errors
def pack(
    seeds_dir: Annotated[Path, typer.Argument(help="Folder of seeds with its INDEX.md.")] = Path("seeds"),
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the WARC and manifest.")] = Path("out"),
    date: Annotated[Optional[str], typer.Option(help="Packaging time (ISO 8601, UTC). Default: SOURCE_DATE_EPOCH, then INDEX.md's date, then now.")] = None,
    force: Annotated[bool, typer.Option(help="Replace a different existing snapshot of this batch.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or summary.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary on stdout.")] = False,
    jobs: Annotated[Optional[int], typer.Option("--jobs", "-j", min=1, help="Worker processes (default: every core). The output is the same for every value.")] = None,
    compression: Annotated[str, typer.Option(help="Deflate library and level: isal-0..isal-3 or zlib-1..zlib-9. Changes the WARC's bytes, never a digest or the snapshot id.")] = DEFAULT,
) -> None:
    """Pack a seeds folder into one .warc.gz and a JSON manifest with its .sha256 sidecar.

    The same seeds, INDEX.md and packaging time always give byte-identical output.

    Example: archiver pack seeds --out manifests
    """
    work = plan(seeds_dir)
    for warning in work.warnings:
        typer.echo(f"archiver: warning: {warning}", err=True)
    packaged = _packaged(date, work.index.batch.date)
    show_bar = not quiet and not as_json and sys.stderr.isatty()
    if show_bar:
        from rich.console import Console
        from rich.progress import Progress

        with Progress(console=Console(stderr=True), transient=True) as progress:
            task = progress.add_task("packing", total=work.total_bytes or 1)
            result = pack_seeds(seeds_dir, out_dir=out, packaged=packaged, force=force,
                                prepared=work, jobs=jobs, compression=compression,
                                on_progress=lambda n: progress.advance(task, n))
    else:
        result = pack_seeds(seeds_dir, out_dir=out, packaged=packaged, force=force, prepared=work,
                            jobs=jobs, compression=compression)
    summary = _pack_summary(result)
    if as_json:
        typer.echo(json.dumps(summary, indent=2, ensure_ascii=False))
    elif not quiet:
        _print_pack_summary(summary)


def _pack_summary(result: PackResult) -> dict[str, Any]:
    document = result.document
    languages = Counter(seed["language"]["declared"] for seed in document["seeds"])
    return {
        "manifest": str(result.manifest_path), "sidecar": str(result.sidecar_path),
        "warc_files": [str(path) for path in result.warc_paths],
        "snapshot_id": document["snapshot_id"], "batch": document["batch"]["id"],
        "seeds": len(document["seeds"]),
        "revisits": sum(1 for s in document["seeds"] if s["duplicate_of"]),
        "bytes": sum(seed["bytes"] for seed in document["seeds"]),
        "languages": dict(sorted(languages.items())), "unchanged": result.unchanged,
        "warnings": result.warnings,
    }


def _print_pack_summary(summary: dict[str, Any]) -> None:
    languages = ", ".join(f"{tag} {count}" for tag, count in summary["languages"].items())
    state = " (already packed, unchanged)" if summary["unchanged"] else ""
    typer.echo(f"packed {summary['seeds']} seeds ({summary['bytes']} bytes; "
               f"{summary['revisits']} identical to an earlier seed) in batch "
               f"{summary['batch']}{state}")
    typer.echo(f"languages: {languages or 'none'}")
    typer.echo(f"snapshot:  {summary['snapshot_id']}")
    for path in summary["warc_files"]:
        typer.echo(f"warc:      {path}")
    typer.echo(f"manifest:  {summary['manifest']}")


@app.command()
@handles_errors
def verify(
    manifest: Annotated[Path, typer.Argument(help="The snapshot's manifest (.manifest.json).")],
    warc: Annotated[Optional[Path], typer.Option(help="The WARC file (or its folder), if not beside the manifest.")] = None,
    fast: Annotated[bool, typer.Option(help="Structure only (schema, sidecar, sizes, counts): no fixity check.")] = False,
    seeds: Annotated[Optional[Path], typer.Option("--seeds", help="Also check this seeds folder against the manifest.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    jobs: Annotated[Optional[int], typer.Option("--jobs", "-j", min=1, help="Worker processes (default: every core). The report is the same for every value.")] = None,
) -> None:
    """Check a snapshot against its manifest; never modifies anything.

    Prints one OK/FAILED line per seed, like `sha256sum -c`. Exit 0 intact, 1 any problem
    found, 2 unusable input.

    Example: archiver verify manifests/cac-voice-social-2021.manifest.json --seeds seeds
    """
    report = verify_snapshot(manifest, warc=warc, fast=fast, seeds_dir=seeds, jobs=jobs)
    if as_json:
        typer.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        _print_report(report)
    if not report.ok:
        raise typer.Exit(1)


def _print_report(report: Report) -> None:
    if report.fast:
        typer.echo("fast: structure only (schema, sidecar, sizes, counts); no fixity check")
    for path in report.seeds:
        typer.echo(f"{path}: {'OK' if report.seed_ok(path) else 'FAILED'}")
        for problem in report.problems:
            if problem.seed == path:
                typer.echo(f"  {problem.code}: {problem.where}: {problem.message}")
    for problem in report.general_problems():
        typer.echo(f"{problem.where}: FAILED {problem.code}: {problem.message}")
    verdict = "OK" if report.ok else f"FAILED ({len(report.problems)} problems)"
    typer.echo(f"{report.manifest}: {len(report.seeds)} seeds, {report.records_checked} "
               f"records read: {verdict}")


@app.command()
@handles_errors
def extract(
    manifest: Annotated[Path, typer.Argument(help="The snapshot's manifest.")],
    to: Annotated[Path, typer.Option("--to", help="Folder to restore the seeds into.")],
    names: Annotated[Optional[list[str]], typer.Argument(help="Seeds to restore (default: all).")] = None,
    warc: Annotated[Optional[Path], typer.Option(help="The WARC file (or its folder), if not beside the manifest.")] = None,
    force: Annotated[bool, typer.Option(help="Replace existing files that differ.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing on success.")] = False,
) -> None:
    """Restore seeds under their original names with their exact bytes, each checked first.

    Example: archiver extract manifests/cac-voice-social-2021.manifest.json --to restored
    """
    restored = extract_seeds(manifest, to=to, warc=warc, only=names or None, force=force)
    if not quiet:
        for item in restored:
            note = " (already there)" if item.unchanged else ""
            typer.echo(f"{item.location}: {item.size} bytes{note}")


@app.command()
@handles_errors
def show(
    manifest: Annotated[Path, typer.Argument(help="The snapshot's manifest.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the manifest's summary as JSON.")] = False,
) -> None:
    """Print a readable summary: the batch, then per seed its language, source, capture, size.

    Example: archiver show manifests/cac-voice-social-2021.manifest.json
    """
    document = load_checked(manifest)
    batch = document["batch"]
    if as_json:
        typer.echo(json.dumps(document, indent=2, ensure_ascii=False))
        return
    typer.echo(f"{batch['title'] or batch['id']}")
    typer.echo(f"batch {batch['id']}, packaged {document['packaged']} by "
               f"{document['generator']['name']} {document['generator']['version']}")
    typer.echo(f"snapshot {document['snapshot_id']}")
    if batch["creators"]:
        typer.echo(f"creators: {'; '.join(batch['creators'])}")
    if batch["license"]:
        typer.echo(f"license: {batch['license']}")
    for seed in document["seeds"]:
        captured = seed["captured"]["value"]
        duplicate = f", same bytes as {seed['duplicate_of']['path']}" if seed["duplicate_of"] else ""
        typer.echo(f"\n{seed['path']}  ({seed['bytes']} bytes, {seed['content_type']}{duplicate})")
        if seed["title"]:
            typer.echo(f"  title:    {seed['title']}")
        typer.echo(f"  language: {_language(seed)}")
        typer.echo(f"  source:   {seed['source']}")
        typer.echo(f"  captured: {captured}")


def _language(seed: dict[str, Any]) -> str:
    language = seed["language"]
    detected = language["detected"]
    if not detected:
        return f"{language['declared']} (declared)"
    return (f"{language['declared']} (declared), {detected['tag']} (detected by "
            f"{detected['detector']}, confidence {detected['confidence']})")


def version_callback(value: bool) -> None:
    if value:
        typer.echo(f"archiver {__version__}")
        raise typer.Exit()


@app.callback()
def common(
    version: Annotated[bool, typer.Option("--version", callback=version_callback, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """Pack seed documents into a verifiable, citable WARC 1.1 snapshot; verify, restore, show."""


def main() -> None:
    app(prog_name="archiver")
