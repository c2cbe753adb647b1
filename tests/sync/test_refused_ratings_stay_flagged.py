"""A rating the center refuses by its filing rules (sync.central.filing) stays on its
kiosk, flagged, while the rest of its batch goes in; ``kioskctl status`` and ``kioskctl
sync`` say why, in the center's words."""

from __future__ import annotations

from pathlib import Path

from tests import in_process

from .conftest import Central, kiosk_env, make_kiosk

# The kiosk offers a reason the center does not have ([[report.reasons]]).
REASONS = '[{code = "coffee", label_vi = "Cà phê nguội", label_en = "Cold coffee"}]'


def test_a_refused_rating_stays_flagged_and_kioskctl_status_says_why(
    central: Central, tmp_path: Path
) -> None:
    token = central.add_counter("Q07")
    settings = {"KIOSK__RATING__REASONS": REASONS}
    counter = make_kiosk(tmp_path, "Q07", central.url, token, **settings)
    counter.record(1, reasons=("coffee",))
    counter.record(4)
    counter.close()
    env = kiosk_env(tmp_path, "Q07", central.url, token, **settings)

    synced = in_process.kioskctl("sync", env=env)
    status = in_process.kioskctl("status", env=env)

    assert "1 sent, 0 pending, 0 waiting for reasons, 1 rejected" in synced.stdout
    why = "reasons: 'coffee' is not one of the center's reasons"
    assert f"1 rejected: {why}" in synced.stderr
    assert f"rejected    1 kept here, flagged: {why}" in status.stdout
    assert len(central.stored_ids()) == 1
