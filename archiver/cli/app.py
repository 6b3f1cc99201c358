"""The `archiver` command: the only module that prints, reads the clock or exits."""

from __future__ import annotations

import functools
import os
import signal
import sys
import time
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Callable, Optional

import typer

from archiver._version import __version__
from archiver.base.dates import from_epoch, parse_timestamp, warc_timestamp
from archiver.base.executors import EXECUTORS, Deferred
from archiver.cli.terminal import (
    StdoutClosed,
    Terminated,
    end_closed_stdout,
    say,
    say_json,
    say_lines,
    stop_on_terminate,
)
from archiver.errors import ArchiverError, InputError
from archiver.manifest.chain import chain_of
from archiver.manifest.events import log_path, read_log
from archiver.manifest.events import record as record_event
from archiver.manifest.loader import Link, load_manifest
from archiver.manifest.root import is_root
from archiver.manifest.types import Manifest, RootManifest, SeedEntry
from archiver.seeds.shards import DEFAULT_SHARD_SEEDS, Limits, parse_size
from archiver.verification.checker import Report
from archiver.verification.checker import verify as verify_snapshot
from archiver.verification.problems import help_text as problems_help
from archiver.verification.record import record_check
from archiver.verification.signature import SignatureCheck
from archiver.warc.compression import DEFAULT

if TYPE_CHECKING:
    from archiver.packing.packer import PackResult

# pack, add and extract import their library modules when they run: `archiver verify` then
# never loads the packer's detectors (langcodes, charset detection), a third of a second.

app = typer.Typer(
    add_completion=False, no_args_is_help=True, rich_markup_mode=None,
    help="Pack seed documents into a verifiable, citable WARC 1.1 snapshot; verify, restore, show.",
)


# Warnings found while packing (language disagreements) printed one per line; the rest counted.
MAX_WARNINGS = 20

# --warc, one meaning for verify, extract and export (archiver.manifest.files.WarcPlace).
WARC_HELP = ("Where the WARC files are, if not beside their manifests: a folder holding them by "
             "name (every batch of the chain, every shard; one not there is looked for beside "
             "its manifest), or a file read in place of this manifest's one WARC file.")


def _fail(message: str, code: int) -> None:
    say(f"archiver: {message}", err=True)
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
        except Terminated:
            _fail("terminated; nothing was left half-written", 128 + signal.SIGTERM)
        except KeyboardInterrupt:
            _fail("interrupted; nothing was left half-written", 130)
        except StdoutClosed:  # `archiver … | head`: end as a Unix tool ends, quietly
            raise end_closed_stdout() from None

    return wrapper


def _packaged(option: str | None, declared: str) -> datetime:
    from archiver.packing.packer import packaging_time

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
    seeds_dir: Annotated[Path, typer.Argument(readable=False, help="Folder of seeds with its INDEX.md.")] = Path("seeds"),
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the WARC and manifest.")] = Path("out"),
    date: Annotated[Optional[str], typer.Option(help="Packaging time (ISO 8601, UTC). Default: SOURCE_DATE_EPOCH, then INDEX.md's date, then now.")] = None,
    force: Annotated[bool, typer.Option(help="Replace a different existing snapshot of this batch.")] = False,
    previous: Annotated[Optional[Path], typer.Option(help="Manifest of the batch this one follows (in --out); already archived seeds become revisits into it.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or summary.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary on stdout.")] = False,
    jobs: Annotated[Optional[int], typer.Option("--jobs", "-j", min=1, help="Worker processes (default: every core). The output is the same for every value.")] = None,
    compression: Annotated[str, typer.Option(help="Deflate library and level: isal-0..isal-3 or zlib-1..zlib-9. Changes the WARC's bytes, never a digest or the snapshot id.")] = DEFAULT,
    executor: Annotated[str, typer.Option(help=f"Where a sharded batch's tasks run: {' or '.join(EXECUTORS)} (an embedded Dask cluster of --jobs workers, or --scheduler's). The output is the same on either; a one-shard batch always uses the local pool.")] = "local",
    scheduler: Annotated[Optional[str], typer.Option(help="Address of a running Dask scheduler (tcp://HOST:PORT), for --executor dask.")] = None,
    shard_size: Annotated[str, typer.Option(help="Most seed bytes in one shard (1GiB, 512MiB, …). A batch over either limit is sharded.")] = "1GiB",
    shard_seeds: Annotated[int, typer.Option(min=1, help="Most seeds in one shard.")] = DEFAULT_SHARD_SEEDS,
    skip_bad_links: Annotated[bool, typer.Option(help="Leave out symbolic links that lead outside the seeds folder, dangle or loop, with a warning each (default: refuse the batch).")] = False,
) -> None:
    """Pack a seeds folder into one .warc.gz and a JSON manifest with its .sha256 sidecar.

    The same seeds, INDEX.md and packaging time always give byte-identical output. A batch over
    --shard-size seed bytes or --shard-seeds seeds is cut into shards (a WARC, manifest and
    sidecar each) under a root manifest named for the batch.

    Example: archiver pack seeds --out manifests
    """
    if executor == "local":
        from archiver.detect.pronom import start_early

        start_early()  # Siegfried loads its signatures (0.35 s) as the packer imports and plans
    from archiver.packing.packer import pack as pack_seeds
    from archiver.packing.packer import refuse_out_inside
    from archiver.seeds.plan import prepare

    limits = Limits(parse_size(shard_size), shard_seeds)
    Deferred(executor, jobs, scheduler)  # a bad name is refused before any work
    refuse_out_inside(seeds_dir, out)
    work = prepare(seeds_dir, limits, skip_bad_links=skip_bad_links)
    with closing(work):  # a sharded batch's seed table is a temporary file
        for warning in work.warnings:
            say(f"archiver: warning: {warning}", err=True)
        packaged = _packaged(date, work.batch.date)
        run = functools.partial(pack_seeds, seeds_dir, out_dir=out, packaged=packaged,
                                force=force, previous=previous, prepared=work, jobs=jobs,
                                compression=compression, executor=executor,
                                scheduler=scheduler, shard_bytes=limits.bytes,
                                shard_seeds=limits.seeds)
        if not quiet and not as_json and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import Progress

            with Progress(console=Console(stderr=True), transient=True) as progress:
                task = progress.add_task("packing", total=work.total_bytes or 1)
                result = run(on_progress=lambda n: progress.advance(task, n))
        else:
            result = run()
    summary = _pack_summary(result)
    later = result.warnings[len(work.warnings):]
    for warning in later[:MAX_WARNINGS]:
        say(f"archiver: warning: {warning}", err=True)
    if len(later) > MAX_WARNINGS:
        say(f"archiver: warning: … and {len(later) - MAX_WARNINGS} more like these "
             "(--json lists them all)", err=True)
    if as_json:
        say_json(summary)
    elif not quiet:
        _print_pack_summary(summary)


def _pack_summary(result: PackResult) -> dict[str, Any]:
    document, tally = result.document, result.tally
    return {
        "manifest": str(result.manifest_path), "sidecar": str(result.sidecar_path),
        "warc_files": [str(path) for path in result.warc_paths],
        "snapshot_id": document["snapshot_id"], "batch": document["batch"]["id"],
        "seeds": tally.seeds, "links": tally.links, "revisits": tally.revisits,
        "bytes": tally.bytes,
        "languages": dict(sorted(tally.languages.items())), "unchanged": result.unchanged,
        "warnings": result.warnings,
    }


def _print_pack_summary(summary: dict[str, Any]) -> None:
    languages = ", ".join(f"{tag} {count}" for tag, count in summary["languages"].items())
    state = " (already packed, unchanged)" if summary["unchanged"] else ""
    links = f"; {summary['links']} symbolic links" if summary["links"] else ""
    say(f"packed {summary['seeds']} seeds ({summary['bytes']} bytes; "
               f"{summary['revisits']} identical to an earlier seed{links}) in batch "
               f"{summary['batch']}{state}")
    say(f"languages: {languages or 'none'}")
    say(f"snapshot:  {summary['snapshot_id']}")
    for path in summary["warc_files"]:
        say(f"warc:      {path}")
    say(f"manifest:  {summary['manifest']}")


@app.command()
@handles_errors
def add(
    seeds_dir: Annotated[Path, typer.Argument(help="Folder of seeds with its INDEX.md.")] = Path("seeds"),
    source: Annotated[Optional[str], typer.Option(help="Source of every new row; {path} stands for the seed's path, percent-encoded: 'https://example.org/docs/{path}'.")] = None,
    captured: Annotated[Optional[str], typer.Option(help="Capture time of every new row (ISO 8601 UTC, any precision), or 'mtime': each file's modification time to the second, which the row's notes say came from the file system.")] = None,
    values: Annotated[Optional[Path], typer.Option(help="Per-seed values: a .csv or .tsv with a header row, or JSON lines, keyed by 'file' (or 'path'), with any of INDEX.md's columns. They win over --source and --captured.")] = None,
    jobs: Annotated[Optional[int], typer.Option("--jobs", "-j", min=1, help="Worker processes describing the seeds (default: every core).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no line per row.")] = False,
    skip_bad_links: Annotated[bool, typer.Option(help="List no row for symbolic links that lead outside the folder, dangle or loop, with a warning each (default: refuse).")] = False,
) -> None:
    """Append INDEX.md rows for seeds that have none, with detected language and encoding.

    Rows already in INDEX.md are never changed. `source` and `captured` come from --source,
    --captured and --values, or are left blank for a person: `pack` refuses blank rows.

    Example: archiver add seeds --source 'https://example.org/docs/{path}' --captured mtime
    """
    from archiver.seeds.additions import add_rows

    run = functools.partial(add_rows, seeds_dir, source=source, captured=captured,
                            values=values, jobs=jobs, skip_bad_links=skip_bad_links)
    if not quiet and sys.stderr.isatty():
        from rich.console import Console
        from rich.progress import Progress

        with Progress(console=Console(stderr=True), transient=True) as progress:
            task = progress.add_task("describing", total=None)
            added = run(on_progress=lambda done, total: progress.update(
                task, completed=done, total=total))
    else:
        added = run()
    index = seeds_dir / "INDEX.md"
    for warning in added.warnings:
        say(f"archiver: warning: {warning}", err=True)
    for row in [] if quiet else added.rows:
        say(f"added {row.path}: language {row.cells['language']}, encoding {row.encoding}")
    unfilled = [row for row in added.rows if row.blank]
    if unfilled:
        blank = sorted({name for row in unfilled for name in row.blank})
        say(f"{index}: fill in {' and '.join(blank)} for {len(unfilled)} of "
             f"{len(added.rows)} new row(s) before packing")
    elif added.rows:
        say(f"{index}: {len(added.rows)} new row(s), every one filled: ready to pack")
    else:
        say(f"{index}: every seed already has a row")


@app.command(epilog="Problem codes:\n\n\b\n" + problems_help())
@handles_errors
def verify(
    manifest: Annotated[Path, typer.Argument(readable=False, help="The snapshot's manifest (.manifest.json).")],
    warc: Annotated[Optional[Path], typer.Option(readable=False, help=WARC_HELP)] = None,
    fast: Annotated[bool, typer.Option(help="Structure only (schema, sidecar, sizes, counts): no fixity check.")] = False,
    seeds: Annotated[Optional[Path], typer.Option("--seeds", readable=False, help="Also check this seeds folder against the manifest.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    signature: Annotated[Optional[Path], typer.Option(help="Also check this SSH signature of the manifest (archiver sign).")] = None,
    allowed_signers: Annotated[Optional[Path], typer.Option(help="ssh-keygen allowed_signers file of trusted keys, for --signature.")] = None,
    identity: Annotated[Optional[str], typer.Option(help="Principal who must have signed (default: any listed for the key).")] = None,
    jobs: Annotated[Optional[int], typer.Option("--jobs", "-j", min=1, help="Worker processes (default: every core). The report is the same for every value.")] = None,
    executor: Annotated[str, typer.Option(help=f"Where a sharded snapshot's shards are checked: {' or '.join(EXECUTORS)}. The report is the same on either.")] = "local",
    scheduler: Annotated[Optional[str], typer.Option(help="Address of a running Dask scheduler, for --executor dask.")] = None,
    record: Annotated[bool, typer.Option("--record", help="Append this check, dated now, to the snapshot's events log (BATCH.events.jsonl).")] = False,
) -> None:
    """Check a snapshot against its manifest; never modifies it.

    Prints one OK/FAILED line per seed, like `sha256sum -c`. Exit 0 intact, 1 any problem
    found, 2 unusable input. The events log beside the manifest, if any, is checked too;
    `--record` appends the check to it. `--warc` means what it means to extract and export: a
    folder of the chain's WARC files, or a file in place of this manifest's one WARC.

    Example: archiver verify manifests/cac-voice-social-2021.manifest.json --seeds seeds
    """
    check = _signature_check(signature, allowed_signers, identity)
    with Deferred(executor, jobs, scheduler) as tasks:
        report = verify_snapshot(manifest, warc=warc, fast=fast, seeds_dir=seeds, jobs=jobs,
                                 executor=tasks, signature=check)
    signed = report.signature or {}
    if as_json:
        say_json(report.to_json())
    else:
        _print_report(report)
        if signed.get("ok"):
            say(f"{signed['path']}: good signature by {signed['signer']}")
    if record:
        also = (f"seeds folder {seeds} compared",) if seeds else ()
        if signed.get("ok"):
            also += (f"signature by {signed['signer']} checked",)
        event = record_check(manifest, report, date=_now(), also=also)
        say(f"recorded: {event['type']}, {event['outcome']}, event {event['seq']} of "
             f"{log_path(manifest)}", err=as_json)
    if not report.ok:
        raise typer.Exit(1)


def _print_report(report: Report) -> None:
    if report.fast:
        say("fast: structure only (schema, sidecar, sizes, counts); no fixity check")
    for shard in report.shards:
        say(f"{shard['manifest']}: {shard['seeds']} seeds {'OK' if shard['ok'] else 'FAILED'}")
    failed = report.by_seed()
    for path in report.seeds:
        say(f"{path}: {'FAILED' if path in failed else 'OK'}")
        for problem in failed.get(path, []):
            say(f"  {problem.code}: {problem.where}: {problem.message}")
    for problem in report.general_problems():
        say(f"{problem.where}: FAILED {problem.code}: {problem.message}")
    verdict = "OK" if report.ok else f"FAILED ({len(report.problems)} problems)"
    seeds = len(report.seeds) if report.seed_total is None else report.seed_total
    shards = f" in {len(report.shards)} shards" if report.shards else ""
    say(f"{report.manifest}: {seeds} seeds{shards}, {report.records_checked} "
         f"records read: {verdict}")


@app.command()
@handles_errors
def extract(
    manifest: Annotated[Path, typer.Argument(readable=False, help="The snapshot's manifest.")],
    to: Annotated[Path, typer.Option("--to", help="Folder to restore the seeds into.")],
    names: Annotated[Optional[list[str]], typer.Argument(help="Seeds to restore (default: all).")] = None,
    warc: Annotated[Optional[Path], typer.Option(readable=False, help=WARC_HELP)] = None,
    force: Annotated[bool, typer.Option(help="Replace existing files that differ.")] = False,
    max_bytes: Annotated[Optional[str], typer.Option(help="Refuse, before writing, seeds that hold more than this (10GiB, 500MiB, …). Without it, only more than --to's file system has free is refused.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing on success.")] = False,
) -> None:
    """Restore seeds under their original names with their exact bytes, each checked first.

    Before anything is written, the seeds' sizes are added up from the manifest: more than
    --max-bytes, or more than --to's file system has free, is refused (a revisit costs a few
    hundred bytes in the WARC and its whole size on disk).

    A revisit's bytes come from the earlier batch's WARC file, beside its manifest or in the
    `--warc` folder; a `--warc` file stands for this manifest's own WARC only, as for verify.

    Example: archiver extract manifests/cac-voice-social-2021.manifest.json --to restored
    """
    from archiver.extraction.restore import extract as extract_seeds

    limit = parse_size(max_bytes, "--max-bytes") if max_bytes is not None else None
    restored = extract_seeds(manifest, to=to, warc=warc, only=names or None, force=force,
                             max_bytes=limit)
    if not quiet:
        say(f"{to}: {len(restored)} seeds, {sum(item.size for item in restored)} bytes")
        for item in restored:
            note = " (already there)" if item.unchanged else ""
            say(f"{item.location}: {item.size} bytes{note}")


@app.command()
@handles_errors
def show(
    manifest: Annotated[Path, typer.Argument(readable=False, help="The snapshot's manifest.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the manifest's summary as JSON.")] = False,
) -> None:
    """Print a readable summary: the batch, then per seed its language, source, capture, size.

    Example: archiver show manifests/cac-voice-social-2021.manifest.json
    """
    link = load_manifest(manifest)
    document = link.document
    batch = document["batch"]
    if as_json:
        say_json(document)
        return
    say(f"{batch['title'] or batch['id']}")
    say(f"batch {batch['id']}, packaged {document['packaged']} by "
               f"{document['generator']['name']} {document['generator']['version']}")
    say(f"snapshot {document['snapshot_id']}")
    if batch["creators"]:
        say(f"creators: {'; '.join(batch['creators'])}")
    if batch["license"]:
        say(f"license: {batch['license']}")
    _print_history(link)
    _print_events(link)
    if is_root(document):
        _print_shards(document)  # type: ignore[arg-type]
        return
    for seed in document["seeds"]:
        captured = seed["captured"]["value"]
        duplicate = _duplicate(seed, document["batch"]["id"])
        say("")
        say(f"{seed['path']}  ({seed['bytes']} bytes, {seed['content_type']}{duplicate})")
        if seed["title"]:
            say(f"  title:    {seed['title']}")
        say(f"  language: {_language(seed)}")
        say(f"  source:   {seed['source']}")
        say(f"  captured: {captured}")


def _duplicate(seed: SeedEntry, batch_id: str) -> str:
    original = seed["duplicate_of"]
    if not original:
        return ""
    where = "" if original["batch"] == batch_id else f" in batch {original['batch']}"
    return f", same bytes as {original['path']}{where}"


def _print_history(newest: Link) -> None:
    if newest.document["previous"] is None:
        return
    say("history (newest first):")
    try:
        links = chain_of(newest)
    except ArchiverError as err:
        say(f"  chain broken: {err}")
        return
    for link in links:
        older = link.document
        say(f"  {link.batch_id}: packaged {older['packaged']}, {_seed_count(older)} seeds, "
                   f"snapshot {older['snapshot_id']} ({link.path.name})")


def _print_shards(root: RootManifest) -> None:
    say(f"sharded: {root['seed_count']} seeds in {len(root['shards'])} shards (plan "
         f"{root['plan']['name']}); show a shard's manifest for its seeds")
    for shard in root["shards"]:
        say(f"  {shard['manifest']}: {shard['seeds']} seeds, {shard['warc_file']} "
             f"({shard['warc_bytes']} bytes)")


def _seed_count(document: Manifest) -> int:
    if is_root(document):
        return document["seed_count"]  # type: ignore[typeddict-item]
    return len(document["seeds"])


def _print_events(link: Link) -> None:
    """The events log, oldest first, with the newest line's sha256 (which pins the log)."""
    history = read_log(log_path(link.path), manifest_sha256=link.sha256)
    if history is None:
        say(f"events: none ({log_path(link.path).name} is not there)")
        return
    say(f"events ({history.path.name}, newest line {history.head}):")
    for event in history.events:
        problems = f" ({', '.join(event['problems'])})" if event["problems"] else ""
        say(f"  {event['seq']:>3}  {event['date']}  {event['type']}: {event['outcome']}{problems}"
             f"  [{event['agent'].get('name')} {event['agent'].get('version')}] {event['detail']}")
    for damage in history.damage:
        say(f"  DAMAGED {damage.code}: {damage.where}: {damage.message}")


def _language(seed: SeedEntry) -> str:
    language = seed["language"]
    detected = language["detected"]
    if not detected:
        return f"{language['declared']} (declared)"
    return (f"{language['declared']} (declared), {detected['tag']} (detected by "
            f"{detected['detector']}, confidence {detected['confidence']})")


def _signature_check(signature: Path | None, allowed_signers: Path | None,
                     identity: str | None) -> SignatureCheck | None:
    if signature is None and allowed_signers is None:
        return None
    if signature is None or allowed_signers is None:
        raise InputError("--signature and --allowed-signers go together")
    return SignatureCheck(signature, allowed_signers, now=int(time.time()), identity=identity)


@app.command()
@handles_errors
def cite(
    manifest: Annotated[Path, typer.Argument(help="The snapshot's manifest.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="cff, bibtex, csl-json or datacite.")] = "cff",
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write to this file (atomically) instead of stdout.")] = None,
) -> None:
    """Print a citation of the snapshot: batch title, creators, licence; snapshot id and manifest sha256.

    Example: archiver cite manifests/cac-voice-social-2021.manifest.json --format cff
    """
    from archiver.base.atomic import write_atomically
    from archiver.share.citation import citation

    text = citation(manifest, fmt)
    if out is None:
        say_lines(text)  # the citation itself, byte for byte
    else:
        write_atomically(out, text.encode())


@app.command()
@handles_errors
def sign(
    manifest: Annotated[Path, typer.Argument(help="The manifest to sign (its exact bytes).")],
    key: Annotated[Path, typer.Option("--key", "-k", help="OpenSSH private key without a passphrase.")],
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Signature file. Default: MANIFEST.sig.")] = None,
    record: Annotated[bool, typer.Option("--record", help="Append the signing, dated now, to the snapshot's events log.")] = False,
) -> None:
    """Write a detached SSH signature (namespace "archiver") that ssh-keygen -Y verify checks.

    Example: archiver sign manifests/cac-voice-social-2021.manifest.json --key ~/.ssh/id_ed25519
    """
    from archiver.share.signing import sign_manifest

    signature = sign_manifest(manifest, key=key, out=out)
    say(f"signature: {signature}")
    if record:
        _recorded(record_event(manifest, "digital signature generation", date=_now(),
                               detail=f"SSH signature {signature.name}, namespace archiver"),
                  manifest)


@app.command()
@handles_errors
def export(
    manifest: Annotated[Path, typer.Argument(help="The snapshot's manifest.")],
    wacz: Annotated[Optional[Path], typer.Option(help="Write a WACZ (for ReplayWeb.page, pywb) here.")] = None,
    cdxj: Annotated[Optional[Path], typer.Option(help="Write the CDXJ index of the WARC here.")] = None,
    jsonl: Annotated[Optional[Path], typer.Option(help="Write one JSON line per seed (text and provenance) here.")] = None,
    warc: Annotated[Optional[Path], typer.Option(readable=False, help=WARC_HELP)] = None,
    record: Annotated[bool, typer.Option("--record", help="Append the export, dated now, to the snapshot's events log.")] = False,
) -> None:
    """Export a snapshot for other tools; byte-reproducible, read from the WARC and checked.

    `--warc` means what it means to verify and extract: a folder of the chain's WARC files, or
    a file in place of this manifest's one WARC.

    Example: archiver export manifests/cac-voice-social-2021.manifest.json --wacz snapshot.wacz
    """
    from archiver.share.export import export as export_snapshot

    written = export_snapshot(manifest, wacz=wacz, cdxj_out=cdxj, jsonl=jsonl, warc=warc)
    for path in written:
        say(f"wrote {path}")
    if record:
        _recorded(record_event(manifest, "exporting", date=_now(),
                               detail="wrote " + ", ".join(path.name for path in written)),
                  manifest)


def _now() -> str:
    """The clock, read here only: when a recorded event happened."""
    return warc_timestamp(datetime.now(timezone.utc).replace(microsecond=0))


def _recorded(event: dict[str, Any], manifest: Path) -> None:
    say(f"recorded: {event['type']}, event {event['seq']} of {log_path(manifest)}")


def version_callback(value: bool) -> None:
    if value:
        say(f"archiver {__version__}")
        raise typer.Exit()


@app.callback()
def common(
    version: Annotated[bool, typer.Option("--version", callback=version_callback, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """Pack seed documents into a verifiable, citable WARC 1.1 snapshot; verify, restore, show."""


def main() -> None:
    stop_on_terminate()
    app(prog_name="archiver")
