"""The running simulation: store, controllers, state file, and the background thread that ticks
the controllers and saves the state (debounced: at most once per `save_interval`)."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from pathlib import Path
from typing import Any

from .config import ImagePolicy, SimConfig
from .controller import Controller
from .faults import Fault
from .persistence import StateFile
from .scenario import Scenario, default_scenario_path, load_scenario
from .seed import seed
from .store import Store

log = logging.getLogger(__name__)


def sim_config(scenario: Scenario, time_scale: float) -> SimConfig:
    sim = scenario.simulation
    return SimConfig(
        time_scale=sim.time_scale * time_scale,
        pod_start_seconds=sim.pod_start_seconds,
        pod_stop_seconds=sim.pod_stop_seconds,
        backoff_seconds=sim.backoff_seconds,
        images=ImagePolicy(tuple(sim.crashing_images), tuple(sim.missing_images), tuple(sim.known_registries)),
    )


class Cluster:
    def __init__(
        self,
        state_file: Path,
        scenario: Path | None = None,
        *,
        time_scale: float = 1.0,
        reset: bool = False,
        save_interval: float = 1.0,
    ) -> None:
        self.scenario_path = scenario or default_scenario_path()
        self.scenario = load_scenario(self.scenario_path)
        self.scenario_digest = hashlib.sha256(self.scenario.model_dump_json().encode()).hexdigest()[:16]
        self.config = sim_config(self.scenario, time_scale)
        self.store = Store()
        self.controller = Controller(self.store, self.config)
        self.state = StateFile(state_file)
        self.reset = reset
        self.save_interval = save_interval
        self._kick = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._saved_mutations = -1

    def open(self) -> None:
        """Lock the state file, restore it (or seed from the scenario), start the controller thread."""
        self.state.acquire()
        try:
            document = None if self.reset else self.state.load()
            if document is not None and document.get("scenario") == self.scenario_digest:
                self.store.load(document)
                self.controller = Controller(self.store, self.config)
            else:
                now = time.time()
                seed(self.controller, self.scenario, now)
                with self.store.lock:
                    for fault in self.scenario.faults:
                        self.controller.faults.inject(fault, now)
            self.save()
        except BaseException:
            self.state.release()
            raise
        self._thread = threading.Thread(target=self._run, name="sandbox-controller", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._kick.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.store.close()
        self.save()
        self.state.release()

    # -- faults (sandbox/faults) ---------------------------------------------------------------
    def inject(self, fault: Fault, wait: float | None = None) -> dict[str, Any]:
        """Inject `fault` (FaultError when it cannot be); with `wait`, block up to that many seconds
        until it shows (see `wait_manifested`)."""
        with self.store.lock:
            record = self.controller.faults.inject(fault)
        self.kick()
        if wait:
            self.wait_manifested(wait)
        return record

    def clear(self, kind: str | None = None, target: str | None = None) -> list[dict[str, Any]]:
        with self.store.lock:
            cleared = self.controller.faults.clear(kind, target)
        self.kick()
        return cleared

    def faults(self) -> list[dict[str, Any]]:
        with self.store.lock:
            return self.controller.faults.active()

    def wait_manifested(self, timeout: float) -> bool:
        """True once every fault in effect shows the way an investigator would see it."""
        deadline = time.monotonic() + timeout
        while True:
            with self.store.lock:
                if self.controller.faults.manifested():
                    return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)

    def kick(self) -> None:
        """Something was written: reconcile now instead of at the next tick."""
        self._kick.set()

    def save(self) -> None:
        with self.store.lock:
            mutations = self.store.mutations
            document = self.store.dump()
        document["scenario"] = self.scenario_digest
        self.state.save(document)
        self._saved_mutations = mutations

    def _run(self) -> None:
        last_save = time.monotonic()
        while not self._stop.is_set():
            try:
                self.controller.tick()
                if self.store.mutations != self._saved_mutations and time.monotonic() - last_save >= self.save_interval:
                    self.save()
                    last_save = time.monotonic()
            except Exception:  # the simulation must keep serving; the traceback goes to the log
                log.exception("sandbox controller tick failed")
            self._kick.wait(self.config.tick)
            self._kick.clear()
