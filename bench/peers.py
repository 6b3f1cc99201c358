"""The peers archiver races, each command built for one corpus, and their virtualenv.

The peers (warcit, warcio, bagit-python, FastWARC; pinned in bench/peers.txt) live in a
virtualenv of their own under the benchmark's root, made on first use and remade when
peers.txt changes, so their pins never decide the project's.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

from measure import Command

HERE = Path(__file__).parent
PINS = HERE / "peers.txt"
# `python -m archiver`: the same code as the `archiver` script, and it runs from a checkout on
# PYTHONPATH as well as from an install
ARCHIVER = f"{shlex.quote(sys.executable)} -m archiver"


def peer_bin(venv: Path) -> Path:
    """The peers' bin folder, making the virtualenv first if it is missing or out of date."""
    stamp = venv / "peers.txt"
    if not stamp.exists() or stamp.read_text() != PINS.read_text():
        print(f"making the peers' virtualenv {venv} from {PINS.name} …", flush=True)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "-r",
                        str(PINS)], check=True)
        stamp.write_text(PINS.read_text())
    return venv / "bin"


def commands(tag: str, seeds: Path, work: Path, jobs: int, peers: Path) -> dict[str, Command]:
    """Every command of one corpus, pack side then verify side, in the order a round runs them."""
    q = shlex.quote
    out = work / f"out-{tag}"
    manifest, warc = out / f"bench-{tag}.manifest.json", out / f"bench-{tag}.warc.gz"
    peer_out, bag = work / f"peer-{tag}", work / f"bag-{tag}"
    python = q(str(peers / "python"))
    return {
        "archiver pack": Command(
            f"{ARCHIVER} pack {q(str(seeds))} --out {q(str(out))} -q --jobs {jobs}", "pack",
            setup=f"rm -rf {q(str(out))}"),
        "warcit": Command(
            f"cd {q(str(peer_out))} && {q(str(peers / 'warcit'))} -q -n warcit -d 20240101000000 "
            f"http://bench.invalid/ {q(str(seeds))}", "pack",
            setup=f"mkdir -p {q(str(peer_out))} && rm -f {q(str(peer_out))}/warcit.warc.gz"),
        "warcio packer": Command(
            f"{python} {q(str(HERE / 'peers' / 'warcio_pack.py'))} {q(str(seeds))} "
            f"{q(str(peer_out))}/warcio.warc.gz {q(str(peer_out))}/warcio.json", "pack",
            setup=f"mkdir -p {q(str(peer_out))}"),
        f"tar | pigz -6 -p{jobs}": Command(
            f"tar -C {q(str(seeds))} -cf - . | pigz -6 -p{jobs} > {q(str(work))}/{tag}.tar.gz",
            "pack"),
        "tar | gzip -6": Command(
            f"tar -C {q(str(seeds))} -cf - . | gzip -6 > {q(str(work))}/{tag}.1.tar.gz", "pack"),
        "sha256sum": Command(
            f"cd {q(str(seeds))} && find . -type f -print0 | xargs -0 sha256sum > /dev/null",
            "pack"),
        f"bagit.py create, {jobs} processes": Command(
            f"{q(str(peers / 'bagit.py'))} --quiet --sha256 --processes {jobs} {q(str(bag))}",
            "pack", setup=f"rm -rf {q(str(bag))} && cp -al {q(str(seeds))} {q(str(bag))}"),
        "archiver verify": Command(
            f"{ARCHIVER} verify {q(str(manifest))} --jobs {jobs} > /dev/null", "verify"),
        "FastWARC verifier": Command(
            f"{python} {q(str(HERE / 'peers' / 'fastwarc_verify.py'))} {q(str(manifest))} "
            f"{q(str(warc))}", "verify"),
        f"bagit.py --validate, {jobs} processes": Command(
            f"{q(str(peers / 'bagit.py'))} --quiet --validate --processes {jobs} {q(str(bag))}",
            "verify"),
        "zcat": Command(f"zcat {q(str(out))}/*.warc.gz > /dev/null", "verify"),  # or shards
    }
