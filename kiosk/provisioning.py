"""Point this kiosk at its center: the one way ``kioskctl provision`` and the service
screen's scanned code both do it.

Writes the counter id and central URL into the config file (its comments kept) and the
token into its file (mode 600), then, unless told not to, tests the connection (a
heartbeat) and pulls the roster. When the center refuses, or cannot be reached, the
previous files are put back: a kiosk must not be left pointing at a center that refused
it. Returns what happened; never prints, so a screen can show it in its own words.

Blocks on the network: the UI calls it on a worker thread.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from kiosk.bounded_read import CONFIG_BYTES, TOKEN_BYTES, read_text
from kiosk.config import load_config
from kiosk.config_edit import set_values, toml_string, write_atomically
from kiosk.counter import Counter
from kiosk.models import Officer
from sync.provisioning import ProvisioningCode

log = logging.getLogger(__name__)

# The steps ``on_step`` is told of, in order.
WRITING, CONNECTING, ROSTER = "writing", "connecting", "roster"


@dataclass(frozen=True)
class Provisioned:
    config_path: Path
    token_file: Path
    counter: str
    url: str
    checked: bool  # False with check=False: the files are written, the center untried
    clock_skew_seconds: float | None = None
    officers: int | None = None  # active officers on the roster pulled from the center


class ProvisioningFailed(Exception):
    """Provisioning did not happen; the previous configuration is back in place.
    ``problem`` is the sync layer's exception (its type says what went wrong), or None
    when the environment overrides what provisioning writes."""

    def __init__(self, message: str, problem: BaseException | None = None):
        super().__init__(f"{message}; the previous configuration was restored")
        self.problem = problem


def provision(
    code: ProvisioningCode,
    config_path: Path,
    *,
    check: bool = True,
    on_step: Callable[[str], None] = lambda _step: None,
) -> Provisioned:
    """Provision from ``code`` into the config file ``config_path``; see the module."""
    from sync.answers import SyncProblem
    from sync.client import SyncClient, SyncNotConfigured

    on_step(WRITING)
    config = load_config(config_path)
    text = set_values(
        read_text(config_path, CONFIG_BYTES),
        {("counter", "id"): toml_string(code.counter), ("central", "url"): toml_string(code.url)},
    )
    token_file = config.central.token_file or (config.storage.data_dir / "token")
    if config.central.token_file is None:
        text = set_values(text, {("central", "token_file"): toml_string(str(token_file))})
    backup = _Backup(config_path, token_file)
    try:
        write_atomically(token_file, code.token + "\n", mode=0o600)
        write_atomically(config_path, text)
    except OSError:
        # The token written but not the config would break the counter that works now.
        with contextlib.suppress(OSError):
            backup.restore()
        raise
    log.info(
        "provisioned: counter %s, central %s (token in %s)", code.counter, code.url, token_file
    )

    written = load_config(config_path)
    overridden = _overridden(written.counter.id, written.central.url, code)
    if overridden:
        backup.restore()
        raise ProvisioningFailed(overridden)
    done = Provisioned(config_path, token_file, code.counter, code.url, checked=False)
    if not check:
        return done
    try:
        with Counter.open(config=written) as counter:
            client = SyncClient(counter.config, counter.store)
            try:
                on_step(CONNECTING)
                skew = client.heartbeat()
                on_step(ROSTER)
                client.pull_roster()
                with counter.store.read() as session:
                    officers = session.scalar(
                        select(func.count()).select_from(Officer).where(Officer.active)
                    )
            finally:
                client.close()
    except (SyncProblem, SyncNotConfigured) as exc:
        backup.restore()
        log.warning("provisioning of counter %s refused: %s; restored", code.counter, exc)
        raise ProvisioningFailed(str(exc), exc) from exc
    return Provisioned(
        config_path,
        token_file,
        code.counter,
        code.url,
        checked=True,
        clock_skew_seconds=skew,
        officers=int(officers or 0),
    )


class _Backup:
    """The config and token files as they were, to put back."""

    def __init__(self, config_path: Path, token_file: Path):
        self.config_path, self.token_file = config_path, token_file
        self.config = read_text(config_path, CONFIG_BYTES)
        self.token = read_text(token_file, TOKEN_BYTES) if token_file.exists() else None

    def restore(self) -> None:
        write_atomically(self.config_path, self.config)
        if self.token is None:
            self.token_file.unlink(missing_ok=True)
        else:
            write_atomically(self.token_file, self.token, mode=0o600)


def _overridden(counter: str, url: str, code: ProvisioningCode) -> str | None:
    # A KIOSK__ variable (a systemd unit's Environment=) wins over the file: what was
    # written would be silently ignored, and the kiosk would talk to another center.
    if counter != code.counter:
        return f"KIOSK__COUNTER__ID={counter} in the environment overrides the counter id written"
    if url != code.url.rstrip("/"):
        return f"KIOSK__CENTRAL__URL={url!r} in the environment overrides the central URL written"
    return None
