"""Pre-started AWS provider processes that terraform attaches to (TF_REATTACH_PROVIDERS).

Every terraform command that loads the AWS provider normally hashes its ~700 MB binary against the
lock file, starts it (once for the schemas, again for each graph walk) and fetches its schema. A
provider started with `-debug` prints a reattach address instead and serves any number of
terraform processes, so a command pays only for the schema exchange.

A provider process can be *configured* once (a second `ConfigureProvider` fails), and `plan`
configures it: each plan takes a fresh process from the pool, which is killed afterwards and
replaced in the background. `validate` and `show` never configure it and share one long-lived
process.

Terraform checks neither the lock file's hash nor its version against the configuration for an
attached provider. So the binary is hashed once per process against the warm workspace's lock
(terraform's `h1:` scheme), and a configuration is attached only when it needs nothing but
hashicorp/aws, has no modules, and every version constraint it states admits the locked version
(`eligible`); anything else takes the normal path, where terraform itself decides.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import hashlib
import json
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

AWS_ADDRESS = "registry.terraform.io/hashicorp/aws"
START_TIMEOUT_S = 30.0
IDLE_TIMEOUT_S = 600.0  # a pool unused this long stops its processes (they hold ~0.5 GB each)
_QUIET = {  # the provider logs at TRACE to stderr in debug mode unless told otherwise
    "TF_LOG": "off",
    "TF_LOG_PROVIDER": "off",
    "TF_LOG_SDK": "off",
    "TF_LOG_SDK_PROTO": "off",
    "TF_LOG_SDK_FRAMEWORK": "off",
    "TF_LOG_SDK_HELPER_SCHEMA": "off",
}
# In a configuration: blocks that name a provider, provider sources, modules, version constraints.
_BLOCK_TYPES = re.compile(r'^\s*(?:resource|data|ephemeral)\s+"([a-z0-9]+)_[^"]*"', re.M)
_PROVIDER_BLOCK = re.compile(r'^\s*provider\s+"([^"]+)"', re.M)
_SOURCE = re.compile(r'(?<![\w])source\s*=\s*"([^"]*)"')
_MODULE = re.compile(r'^\s*module\s+"', re.M)
_TERRAFORM = re.compile(r"^\s*terraform\s*\{", re.M)
_VERSION = re.compile(r'(?<![\w])version\s*=\s*"([^"]*)"')
_CONSTRAINT = re.compile(r"^\s*(=|!=|>=|<=|>|<|~>)?\s*v?(\d+(?:\.\d+){0,2})\s*$")


# -- which configurations may attach ------------------------------------------------------------
def satisfies(version: str, constraint: str) -> bool | None:
    """Whether `version` (x.y.z) meets a Terraform version constraint ("~> 5.0", ">= 4, < 6", "5.1.0");
    None when the constraint uses anything this does not read (pre-releases, odd syntax)."""
    have = _triple(version)
    for part in constraint.split(","):
        m = _CONSTRAINT.match(part)
        if m is None or have is None:
            return None
        op, text = m.group(1) or "=", m.group(2)
        want = _triple(text)
        assert want is not None
        if op == "~>":
            n = len(text.split("."))
            upper = (want[0] + 1, 0, 0) if n <= 2 else (want[0], want[1] + 1, 0)
            ok = want <= have < upper
        else:
            ok = {
                "=": have == want,
                "!=": have != want,
                ">=": have >= want,
                "<=": have <= want,
                ">": have > want,
                "<": have < want,
            }[op]
        if not ok:
            return False
    return True


def _triple(text: str) -> tuple[int, int, int] | None:
    parts = text.split(".")
    if not 1 <= len(parts) <= 3 or not all(p.isdigit() for p in parts):
        return None
    nums = [int(p) for p in parts] + [0] * (3 - len(parts))
    return nums[0], nums[1], nums[2]


def _blocks(text: str, opener: re.Pattern[str]) -> list[str]:
    found = []
    for m in opener.finditer(text):
        depth, i = 1, m.end()
        while i < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        found.append(text[m.end() : i - 1])
    return found


def eligible(tf_dir: Path, locked_version: str) -> bool:
    """True when attaching the AWS provider cannot change terraform's verdict on this configuration:
    only hashicorp/aws, no modules, every stated version constraint admits `locked_version`."""
    for path in tf_dir.iterdir():
        if path.suffix == ".json" and path.name.endswith(".tf.json"):
            return False  # JSON syntax is not read here
        if path.suffix != ".tf":
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if _MODULE.search(text):
            return False
        names = set(_BLOCK_TYPES.findall(text)) | set(_PROVIDER_BLOCK.findall(text))
        if names - {"aws", "terraform"}:
            return False
        for block in _blocks(text, _TERRAFORM):
            sources = _SOURCE.findall(block)
            if any(s.lower() not in ("hashicorp/aws", AWS_ADDRESS) for s in sources):
                return False
            if any(satisfies(locked_version, c) is not True for c in _VERSION.findall(block)):
                return False
    return True


def package_hash(directory: Path) -> str:
    """Terraform's `h1:` hash of an unpacked provider package (go's dirhash.Hash1)."""
    lines = []
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
        lines.append(f"{digest.hexdigest()}  {path.relative_to(directory).as_posix()}\n")
    return "h1:" + base64.b64encode(hashlib.sha256("".join(lines).encode()).digest()).decode()


def locked_hashes(lock_file: Path) -> set[str]:
    text = lock_file.read_text(encoding="utf-8")
    return set(re.findall(r'"(h1:[A-Za-z0-9+/=]+)"', text))


# -- the processes --------------------------------------------------------------------------------
@dataclass
class Provider:
    """One provider process in debug mode; `reattach` is the TF_REATTACH_PROVIDERS value for it."""

    proc: subprocess.Popen[bytes]
    pid: int
    reattach: str

    def alive(self) -> bool:
        if self.proc.poll() is not None:
            return False
        try:  # a crashed provider stays a zombie of the watchdog shell until that shell exits
            return Path(f"/proc/{self.pid}/stat").read_text().split(")", 1)[1].split()[0] not in ("Z", "X")
        except (OSError, IndexError):
            pass
        try:
            os.kill(self.pid, 0)
        except OSError:
            return False
        return True

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            os.kill(self.pid, signal.SIGTERM)
        with contextlib.suppress(OSError):
            if self.proc.stdin:
                self.proc.stdin.close()  # the watchdog shell kills the provider when its stdin closes
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def start_provider(binary: Path, env: dict[str, str], work: Path) -> Provider:
    """Start `binary -debug` under a watchdog shell that kills it when our process goes away (its
    stdin, a pipe from us, closes), and wait for the reattach address it prints."""
    work.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix="provider-", suffix=".out", dir=work)
    os.close(fd)
    out = Path(name)
    script = '"$0" -debug >"$1" 2>/dev/null </dev/null & p=$!; read _; kill $p 2>/dev/null'
    proc = subprocess.Popen(
        ["sh", "-c", script, str(binary), str(out)],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**env, **_QUIET},
        start_new_session=True,  # a Ctrl-C in the terminal reaches us, not the providers
    )
    deadline = time.monotonic() + START_TIMEOUT_S
    try:
        while time.monotonic() < deadline:
            line = next((x for x in out.read_text(errors="replace").splitlines() if "TF_REATTACH_PROVIDERS=" in x), "")
            if line:
                value = line.split("TF_REATTACH_PROVIDERS=", 1)[1].strip().strip("'")
                pid = int(json.loads(value)[AWS_ADDRESS]["Pid"])
                return Provider(proc, pid, value)
            if proc.poll() is not None:
                break
            time.sleep(0.02)
    finally:
        out.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        if proc.stdin:
            proc.stdin.close()
    proc.kill()
    raise RuntimeError(f"{binary.name} -debug printed no reattach address")


@dataclass
class ProviderPool:
    """One shared provider (validate, show) and one spare fresh provider per plan, kept ready."""

    binary: Path
    env: dict[str, str]
    work: Path
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _shared: Provider | None = None
    _spare: Provider | None = None
    _refill: threading.Thread | None = None
    _used: float = field(default_factory=time.monotonic)
    _closed: bool = False

    def shared(self) -> Provider:
        """The long-lived provider for commands that do not configure it (validate, show)."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the provider pool was stopped")
            self._used = time.monotonic()
            if self._shared is None or not self._shared.alive():
                self._shared = start_provider(self.binary, self.env, self.work)
            return self._shared

    def fresh(self) -> Provider:
        """A never-configured provider for one plan; the caller stops it. Another starts behind it."""
        refill = self._refill
        if refill is not None:
            refill.join(START_TIMEOUT_S)
        with self._lock:
            if self._closed:
                raise RuntimeError("the provider pool was stopped")
            self._used = time.monotonic()
            spare, self._spare = self._spare, None
        if spare is None or not spare.alive():
            spare = start_provider(self.binary, self.env, self.work)
        self._refill = threading.Thread(target=self._top_up, name="tf-provider-refill", daemon=True)
        self._refill.start()
        return spare

    def _top_up(self) -> None:
        try:
            started = start_provider(self.binary, self.env, self.work)
        except (OSError, RuntimeError):
            return  # the next plan starts its own, or falls back to the normal path
        with self._lock:
            if self._closed or self._spare is not None:
                started.stop()
            else:
                self._spare = started

    def idle_for(self) -> float:
        return time.monotonic() - self._used

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for p in (self._shared, self._spare):
                if p is not None:
                    p.stop()
            self._shared = self._spare = None


_POOLS: dict[Path, ProviderPool] = {}
_VERIFIED: dict[tuple[Path, int, int], bool] = {}
_POOLS_LOCK = threading.Lock()


def pool_for(package: Path, lock_file: Path, env: dict[str, str], work: Path) -> ProviderPool | None:
    """The pool for the provider package in `package` (a linux_amd64-style directory), or None when
    its binary does not match the lock file (then terraform's own check on the normal path speaks)."""
    binaries = sorted(package.glob("terraform-provider-aws*"))
    if len(binaries) != 1:
        return None
    binary = binaries[0].resolve()
    with _POOLS_LOCK:
        stat = binary.stat()
        key = (binary, stat.st_size, stat.st_mtime_ns)
        if key not in _VERIFIED:
            _VERIFIED[key] = package_hash(package.resolve()) in locked_hashes(lock_file)
        if not _VERIFIED[key]:
            return None
        pool = _POOLS.get(binary)
        if pool is not None and (pool._closed or pool.idle_for() > IDLE_TIMEOUT_S):
            pool.close()
            pool = None
        if pool is None:
            pool = _POOLS[binary] = ProviderPool(binary, env, work)
            _start_reaper()
        return pool


_REAPER: list[threading.Thread] = []


def _start_reaper() -> None:
    """Stop pools nobody used for IDLE_TIMEOUT_S (a long-running server keeps no idle providers)."""
    if _REAPER:
        return

    def reap() -> None:
        while True:
            time.sleep(30)
            with _POOLS_LOCK:
                for binary, pool in list(_POOLS.items()):
                    if pool.idle_for() > IDLE_TIMEOUT_S:
                        pool.close()
                        del _POOLS[binary]

    thread = threading.Thread(target=reap, name="tf-provider-reaper", daemon=True)
    thread.start()
    _REAPER.append(thread)


@atexit.register
def close_all() -> None:
    with _POOLS_LOCK:
        for pool in _POOLS.values():
            pool.close()
        _POOLS.clear()
