"""Restore seeds from a snapshot under their original names, each checked against its digest first.

A seed's bytes go to a temporary file in the target folder while being hashed; only if the digest
matches the manifest is it renamed into place. Names that would leave the target folder (`..`,
absolute names) are refused before anything is written. Every folder below the target is made
and opened through its parent's descriptor without following links, and the temporary file is
created and renamed through its folder's descriptor: a symlink planted on the way, even while
extract runs, is refused or never followed, so no write lands outside the target.

Before anything is written the seeds asked for are added up from the manifest (a revisit costs a
few hundred bytes in the WARC and its whole size on disk, so a small snapshot can restore to
terabytes): more than `max_bytes`, or more than the target's file system has free (less what
files already at those names hold), is refused.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from archiver.base.atomic import same_bytes, temp_name
from archiver.base.descriptors import closing_fd, link_on_path, open_folder, open_root
from archiver.base.digests import Hasher
from archiver.base.uris import check_header_value
from archiver.errors import (
    DamageError,
    InputError,
    ManifestError,
    OutputError,
    OutputExistsError,
)
from archiver.manifest.chain import chain_of, content_record, earlier_links
from archiver.manifest.files import WarcPlace
from archiver.manifest.loader import Link, load_manifest
from archiver.manifest.root import is_root
from archiver.manifest.types import RecordRef, SeedEntry
from archiver.seeds.links import BadLink, entries_lookup, resolve
from archiver.warc.reader import read_member_at


@dataclass(frozen=True)
class Restored:
    path: str
    location: Path
    size: int
    unchanged: bool


def extract(manifest_path: Path, *, to: Path, warc: Path | None = None,
            only: list[str] | None = None, force: bool = False,
            max_bytes: int | None = None) -> list[Restored]:
    """Restore every seed (or those in `only`) into `to`. From a sharded snapshot's root, shard
    by shard: every name is checked in every shard before anything is written, and one shard
    manifest is held at a time. Refused before anything is written if the seeds hold more than
    `max_bytes`, or need more than `to`'s file system has free."""
    newest = load_manifest(manifest_path)
    place = WarcPlace.of(warc, newest.document)
    if is_root(newest.document):
        return _extract_sharded(newest, to=to, warc=place, only=only, force=force,
                                max_bytes=max_bytes)
    seeds = {seed["path"]: seed for seed in newest.document["seeds"]}
    wanted = list(seeds) if not only else only
    _check_names(newest, wanted, set(seeds), to)
    _check_room(newest, to, _Budget.of([seeds[path] for path in wanted], to), max_bytes)
    return _restore_seeds(newest, chain_of(newest), seeds, wanted, to=to, warc=place, force=force)


def _extract_sharded(root: Link, *, to: Path, warc: WarcPlace, only: list[str] | None,
                     force: bool, max_bytes: int | None) -> list[Restored]:
    found: set[str] = set()
    budget = _Budget(0, 0)
    for shard in _shards(root):
        names = {seed["path"] for seed in shard.document["seeds"]}
        _check_names(shard, list(names if not only else names.intersection(only)), names, to)
        found |= names.intersection(only or ())
        budget += _Budget.of([seed for seed in shard.document["seeds"]
                              if not only or seed["path"] in only], to)
    _check_names(root, only or [], found, to)
    _check_room(root, to, budget, max_bytes)
    earlier = earlier_links(root) if root.document["previous"] else []
    restored = []
    for shard in _shards(root):
        seeds = {seed["path"]: seed for seed in shard.document["seeds"]}
        wanted = list(seeds) if not only else [name for name in only if name in seeds]
        restored += _restore_seeds(shard, [shard, root, *earlier], seeds, wanted, to=to,
                                   warc=warc, force=force)
    return restored


def _shards(root: Link) -> Iterator[Link]:
    """Each shard manifest the root lists, checked against the sha256 the root records."""
    for entry in root.document["shards"]:  # type: ignore[typeddict-item]
        shard = load_manifest(root.path.with_name(entry["manifest"]))
        if shard.sha256 != entry["sha256"]:
            raise DamageError(f"{shard.path}: is not the shard manifest {root.path.name} records "
                              f"(sha256 {shard.sha256}, recorded {entry['sha256']})")
        yield shard


def _check_names(link: Link, wanted: list[str], present: set[str], to: Path) -> None:
    """Refuse, before anything is written, a name the snapshot lacks, one that would leave
    `to`, or a link that would lead outside it or loop (resolved over the manifest's entries)."""
    for path in wanted:
        if path not in present:
            raise InputError(f"{link.path}: no seed named {path!r} in this snapshot")
        safe_target(to, path)
    seeds = link.document.get("seeds", [])  # a sharded snapshot's root lists none
    links = {seed["path"]: seed["link"]["target"] for seed in seeds if "link" in seed}
    if not links:
        return
    lookup = entries_lookup([seed["path"] for seed in seeds if "link" not in seed], links)
    for path in wanted:
        if path in links:
            try:
                resolve(path, links[path], lookup)
            except BadLink as bad:
                raise InputError(f"{link.path}: refusing to restore the link {path!r}: it "
                                 f"{bad}") from None


@dataclass(frozen=True)
class _Budget:
    """What restoring seeds writes: `total` bytes, `needed` of them beyond what the files
    already at their names hold (each is replaced, or kept if it holds the same bytes)."""

    total: int
    needed: int

    @classmethod
    def of(cls, seeds: list[SeedEntry], to: Path) -> _Budget:
        sizes = [(seed["bytes"], _size_there(safe_target(to, seed["path"]))) for seed in seeds]
        return cls(sum(size for size, _ in sizes),
                   sum(max(0, size - there) for size, there in sizes))

    def __add__(self, other: _Budget) -> _Budget:
        return _Budget(self.total + other.total, self.needed + other.needed)


def _size_there(target: Path) -> int:
    try:
        info = os.lstat(target)
    except OSError:
        return 0
    return info.st_size if stat.S_ISREG(info.st_mode) else 0


def _check_room(link: Link, to: Path, budget: _Budget, max_bytes: int | None) -> None:
    if max_bytes is not None and budget.total > max_bytes:
        raise InputError(f"{link.path}: the seeds to restore hold {budget.total:,} bytes, more "
                         f"than --max-bytes {max_bytes:,}; nothing written")
    folder = to
    while not folder.exists() and folder.parent != folder:
        folder = folder.parent
    free = shutil.disk_usage(folder).free
    if budget.needed > free:
        raise OutputError(f"{to}: restoring needs {budget.needed:,} bytes and its file system "
                          f"has {free:,} free; nothing written")


def _restore_seeds(link: Link, links: list[Link], seeds: dict[str, SeedEntry], wanted: list[str],
                   *, to: Path, warc: WarcPlace, force: bool) -> list[Restored]:
    targets = [(seeds[path], safe_target(to, path)) for path in wanted]
    to.mkdir(parents=True, exist_ok=True)
    restored = []
    with closing_fd(open_root(to)) as root:
        for seed, target in targets:
            source, folder = content_record(seed, seeds, links)
            warc_path = warc.locate(folder, source["warc_file"])
            restored.append(_restore(seed, source, warc_path, root, target, force))
    return restored


def safe_target(root: Path, path: str) -> Path:
    """`root/path`, refusing anything that could resolve outside `root`."""
    try:
        check_header_value(path)
    except ValueError:
        raise InputError(f"{path!r}: refusing a name with control characters") from None
    parts = path.split("/")
    if path.startswith("/") or any(part in ("", ".", "..") for part in parts):
        raise InputError(f"{path!r}: refusing a path that could leave {root}")
    return root.joinpath(*parts)


def _restore(seed: SeedEntry, record: RecordRef, warc_path: Path, root: int,
             target: Path, force: bool) -> Restored:
    *folders, name = seed["path"].split("/")
    with closing_fd(_parent(root, folders, target)) as parent:
        temp = temp_name(name)
        try:
            if "link" in seed:
                body = bytearray()
                _read_record(seed, record, warc_path, body.extend)
                if bytes(body) != os.fsencode(seed["link"]["target"]):
                    raise DamageError(f"{seed['path']}: the link's record holds another target "
                                      "than the manifest records; nothing written")
                link = os.fsdecode(bytes(body))
                os.symlink(link, temp, dir_fd=parent)
                unchanged = _place_link(parent, temp, name, target, force, link)
                return Restored(seed["path"], target, len(body), unchanged)
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                         0o644, dir_fd=parent)
            with open(fd, "wb") as out:
                _read_record(seed, record, warc_path, out.write)
            unchanged = _place(parent, temp, name, target, force)
        except BaseException:
            _discard(parent, temp)
            raise
    return Restored(seed["path"], target, seed["bytes"], unchanged)


def _read_record(seed: SeedEntry, record: RecordRef, warc_path: Path,
                 write: Callable[[bytes], object]) -> None:
    """The seed's bytes from its record into `write`, checked against the manifest."""
    hasher = Hasher()

    def sink(block: bytes) -> None:
        hasher.update(block)
        write(block)

    try:
        with open(warc_path, "rb") as stream:
            member = read_member_at(stream, record["offset"], sink=sink, limit=seed["bytes"])
    except FileNotFoundError:
        raise ManifestError(f"{warc_path}: no such WARC file") from None
    _check_restored(seed, record, member.problem, member.header("WARC-Record-ID"), hasher)


def _check_restored(seed: SeedEntry, record: RecordRef, problem: str,
                    record_id: str | None, hasher: Hasher) -> None:
    name = seed["path"]
    if problem:
        raise DamageError(f"{name}: record at offset {record['offset']} is damaged: {problem}")
    if record_id != record["id"]:
        raise DamageError(f"{name}: expected record {record['id']} at offset {record['offset']}, "
                          f"found {record_id}")
    if (hasher.hexdigest(), hasher.size) != (seed["sha256"], seed["bytes"]):
        raise DamageError(f"{name}: restored bytes have sha256 {hasher.hexdigest()}, manifest "
                          f"records {seed['sha256']}; nothing written")


def _parent(root: int, folders: list[str], target: Path) -> int:
    """The target's folder, made where missing, each one opened through its parent's descriptor
    without following a link: a folder swapped for a link is refused, never written through."""
    try:
        return open_folder(root, folders, create=True)
    except OSError as err:
        if link_on_path(err):
            raise InputError(f"{target.parent}: is not a plain folder (a symlink or file is in "
                             "the way)") from None
        raise


def _place(parent: int, temp: str, name: str, target: Path, force: bool) -> bool:
    """Rename `temp` to `name` in `parent` (both by descriptor); True if `name` already held
    these bytes."""
    try:
        info = os.stat(name, dir_fd=parent, follow_symlinks=False)
    except FileNotFoundError:
        os.replace(temp, name, src_dir_fd=parent, dst_dir_fd=parent)
        return False
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISREG(info.st_mode):
        raise InputError(f"{target}: refusing to replace a symlink or special file")
    if same_bytes(temp, name, dir_fd=parent):
        _discard(parent, temp)
        return True
    if not force:
        raise OutputExistsError(f"{target}: exists with different content; pass --force to replace")
    os.replace(temp, name, src_dir_fd=parent, dst_dir_fd=parent)
    return False


def _place_link(parent: int, temp: str, name: str, target: Path, force: bool,
                link: str) -> bool:
    """Rename the link `temp` to `name`; True if `name` already was the same link. A file or a
    different link there is replaced only with `force`, a folder never."""
    try:
        info = os.stat(name, dir_fd=parent, follow_symlinks=False)
    except FileNotFoundError:
        os.replace(temp, name, src_dir_fd=parent, dst_dir_fd=parent)
        return False
    if stat.S_ISLNK(info.st_mode) and os.readlink(name, dir_fd=parent) == link:
        _discard(parent, temp)
        return True
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"{target}: refusing to replace a folder with a symbolic link")
    if not force:
        raise OutputExistsError(f"{target}: exists and is not this link (to {link!r}); pass "
                                "--force to replace")
    os.replace(temp, name, src_dir_fd=parent, dst_dir_fd=parent)
    return False


def _discard(parent: int, temp: str) -> None:
    try:
        os.unlink(temp, dir_fd=parent)
    except FileNotFoundError:
        pass
