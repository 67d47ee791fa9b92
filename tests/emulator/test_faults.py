"""The emulator's fault machinery itself: random faults, latency, scripted faults."""

from __future__ import annotations

from collections import Counter

import pytest

from kaffe.emulator.faults import Chaos, Faults, chaos_from_json, cli_chaos

API = "/gmail/v1/users/me/messages"


def outcomes(faults: Faults, n: int, path: str = API) -> list[tuple[int, str | None] | None]:
    """Status and Retry-After of ``n`` requests (None for a request let through)."""
    seen: list[tuple[int, str | None] | None] = []
    for _ in range(n):
        error = faults.take_error(path, "GET")
        seen.append(None if error is None else (error.status, error.headers.get("Retry-After")))
    return seen


def chaotic(chaos: Chaos, seed: int = 7) -> Faults:
    faults = Faults()
    faults.set_random(chaos, seed=seed)
    return faults


def test_random_faults_hit_about_the_rate_with_every_status_and_retry_after() -> None:
    seen = outcomes(chaotic(Chaos(0.2, retry_after=(None, 0.0, 1.0))), 2000)
    errors = [s for s in seen if s is not None]
    assert 0.17 <= len(errors) / len(seen) <= 0.23
    assert {status for status, _ in errors} == {429, 500, 503}
    assert {after for _, after in errors} == {None, "0", "1"}  # with and without Retry-After


def test_the_same_seed_gives_the_same_faults() -> None:
    chaos = Chaos(0.3)
    assert outcomes(chaotic(chaos, 5), 300) == outcomes(chaotic(chaos, 5), 300)
    assert outcomes(chaotic(chaos, 5), 300) != outcomes(chaotic(chaos, 6), 300)


def test_random_faults_spare_the_token_endpoint_unless_asked() -> None:
    assert outcomes(chaotic(Chaos(1.0)), 20, "/token") == [None] * 20
    assert None not in outcomes(chaotic(Chaos(1.0, include_token=True)), 20, "/token")


def test_random_faults_keep_to_their_path() -> None:
    faults = chaotic(Chaos(1.0, path_contains="/calendar/"))
    assert outcomes(faults, 10, API) == [None] * 10
    assert None not in outcomes(faults, 10, "/calendar/v3/calendars/primary/events")


def test_scripted_faults_come_first_and_stopping_chaos_leaves_them() -> None:
    faults = chaotic(Chaos(1.0, statuses=(500,), retry_after=(None,)))
    faults.inject(429, count=2, retry_after=3)
    assert outcomes(faults, 3) == [(429, "3"), (429, "3"), (500, None)]
    faults.set_random(None)
    faults.inject(503)
    assert outcomes(faults, 2) == [(503, None), None]


def test_a_scripted_fault_can_name_the_method() -> None:
    faults = Faults()
    faults.inject(503, path_contains="/drafts", method="post")
    assert faults.take_error("/gmail/v1/users/me/drafts", "GET") is None
    error = faults.take_error("/gmail/v1/users/me/drafts", "POST")
    assert error is not None and error.status == 503


def test_lost_replies_hit_writes_only_with_a_server_error() -> None:
    faults = chaotic(Chaos(0.0, statuses=(429, 503), lost_rate=1.0))
    assert faults.take_lost_reply("GET", API) is None
    lost = faults.take_lost_reply("POST", "/gmail/v1/users/me/drafts")
    assert lost is not None and lost.status == 503  # never 429: the write happened
    assert faults.stats.lost_replies == 1


def test_slow_replies_and_latency() -> None:
    faults = chaotic(Chaos(0.0, slow_rate=0.5, slow=(0.02, 0.05)))
    faults.set_latency(0.01)
    delays = [faults.take_delay(API) for _ in range(400)]
    slow = [d for d in delays if d > 0.01]
    assert all(d >= 0.01 for d in delays)  # the latency is on every request
    assert 0.4 <= len(slow) / len(delays) <= 0.6
    assert all(0.0299 <= d <= 0.0601 for d in slow)
    assert faults.stats.delays == len(slow)


def test_a_batch_part_rides_on_its_batchs_latency() -> None:
    faults = Faults()
    faults.set_latency(0.05)
    assert faults.take_delay("/batch/gmail/v1") == 0.05
    assert faults.take_delay(API, latency=False) == 0.0


def test_stats_count_by_status() -> None:
    faults = chaotic(Chaos(1.0, statuses=(503,)))
    outcomes(faults, 4)
    faults.inject(429)
    outcomes(faults, 1)
    assert faults.stats.as_dict() == {"errors": 5, "delays": 0, "lost_replies": 0,
                                      "by_status": {"429": 1, "503": 4}}


@pytest.mark.parametrize("kwargs", [
    {"rate": 1.5}, {"rate": -0.1}, {"rate": 0.1, "slow_rate": 2.0},
    {"rate": 0.1, "statuses": ()}, {"rate": 0.1, "slow": (0.05, 0.01)},
])
def test_bad_chaos_is_refused(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        Chaos(**kwargs)


def test_negative_latency_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        Faults().set_latency(-1)


def test_chaos_from_json() -> None:
    chaos = chaos_from_json({"rate": 0.2, "statuses": [503], "retry_after": [None, 2],
                             "slow_rate": 0.1, "slow": [0.01, 0.02], "lost_rate": 0.05,
                             "path_contains": "/gmail/"})
    assert chaos == Chaos(0.2, statuses=(503,), retry_after=(None, 2.0), slow_rate=0.1,
                          slow=(0.01, 0.02), lost_rate=0.05, path_contains="/gmail/")
    with pytest.raises(ValueError, match="bogus"):
        chaos_from_json({"rate": 0.2, "bogus": 1})
    with pytest.raises(ValueError, match="rate"):
        chaos_from_json({"statuses": [503]})


def test_cli_chaos() -> None:
    assert cli_chaos(0.0, 0.0) is None
    assert cli_chaos(0.2, 0.0) == Chaos(0.2, slow_rate=0.0, slow=(0.0, 0.0))
    assert cli_chaos(0.2, 0.05) == Chaos(0.2, slow_rate=0.2, slow=(0.0, 0.05))
    with pytest.raises(ValueError):
        cli_chaos(1.2, 0.0)


def test_statuses_are_drawn_evenly() -> None:
    seen = outcomes(chaotic(Chaos(1.0)), 3000)
    counts = Counter(s[0] for s in seen if s is not None)
    assert all(900 <= n <= 1100 for n in counts.values())
