"""Pacing ahead of time: sliding windows, learned limits, server hints, shared pauses, threads."""

from __future__ import annotations

import threading
import time

from target_pipedrive.pipedrive.pacing import Pacer, SlidingWindow

from .helpers import FakeTime


def pacer(fake: FakeTime, **options) -> Pacer:
    return Pacer(clock=fake.clock, sleep=fake.sleep, **options)


def test_window_waits_for_the_oldest_request_to_age_out():
    window = SlidingWindow(2)
    window.take(0.0)
    window.take(0.5)
    assert window.delay(1.0) == 1.0
    assert window.delay(2.0) == 0.0


def test_a_lowered_limit_waits_for_the_surplus():
    window = SlidingWindow(4)
    for t in (0.0, 0.1, 0.2, 0.3):
        window.take(t)
    window.limit = 2
    assert abs(window.delay(0.3) - 1.9) < 1e-9  # the third-newest (0.2) must leave the window


def sent_at(fake: FakeTime, p: Pacer, count: int, *, search: bool = False) -> list[float]:
    """When each of `count` requests may go, in seconds from the start."""
    start, times = fake.now, []
    for _ in range(count):
        p.wait_turn(search=search)
        times.append(round(fake.now - start, 6))
    return times


def at_most_per(times: list[float], count: int, seconds: float) -> bool:
    return all(times[i + count] - times[i] >= seconds - 1e-6 for i in range(len(times) - count))


def test_overall_limit_has_a_margin_and_starts_at_lite():
    fake = FakeTime()
    times = sent_at(fake, pacer(fake), 17)
    # 80% of Lite's 20 per 2 s: 16 go within the first window, the 17th waits for the first to age out.
    assert times[15] < 2.0 <= times[16]
    assert at_most_per(times, 16, 2.0)


def test_requests_are_spread_not_sent_in_one_burst():
    fake = FakeTime()
    times = sent_at(fake, pacer(fake), 24)
    assert times[:8] == [0.0] * 8  # a cold start's half window goes at once
    assert times[8] == 0.5
    assert at_most_per(times[8:], 4, 0.5)  # then 4 per quarter of the window (16 per 2 s)
    assert at_most_per(times, 16, 2.0)


def test_only_a_cold_start_goes_in_one_burst():
    fake = FakeTime()
    p = pacer(fake)
    sent_at(fake, p, 8)
    fake.sleep(10.0)  # idle long after: the next ones are spread again
    times = sent_at(fake, p, 8)
    assert times[:4] == [0.0] * 4
    assert times[4] == 0.5


def test_search_has_its_own_window():
    fake = FakeTime()
    p = pacer(fake)
    start = fake.now
    times = sent_at(fake, p, 8, search=True)  # 80% of 10 per 2 s, 4 per second
    assert times[-1] < 2.0
    assert at_most_per(times, 4, 1.0)
    p.wait_turn()  # not a search: held only by the overall window, not until the searches' frees up
    assert fake.now - start <= times[-1] + 0.5
    p.wait_turn(search=True)
    assert fake.now - start >= 2.0


def test_the_limit_is_learned_from_the_headers():
    fake = FakeTime()
    p = pacer(fake)
    p.observe({"x-ratelimit-limit": "100", "x-ratelimit-remaining": "99"})
    times = sent_at(fake, p, 81)
    assert times[79] < 2.0 <= times[80]


def test_a_configured_limit_is_not_overridden():
    fake = FakeTime()
    p = pacer(fake, burst_limit=10)
    p.observe({"x-ratelimit-limit": "100", "x-ratelimit-remaining": "99"})
    times = sent_at(fake, p, 9)
    assert times[8] >= 2.0


def test_a_nearly_spent_window_pauses_until_the_reset():
    fake = FakeTime()
    p = pacer(fake)
    p.observe({"x-ratelimit-remaining": "5", "x-ratelimit-reset": "2"})
    p.wait_turn()
    assert fake.sleeps == []
    p.observe({"x-ratelimit-remaining": "1", "x-ratelimit-reset": "2"})
    p.wait_turn()
    assert fake.sleeps == [2.0]


def test_a_huge_reset_hint_pauses_at_most_five_seconds():
    fake = FakeTime()
    p = pacer(fake)
    p.observe({"x-ratelimit-remaining": "0", "x-ratelimit-reset": "3600"})
    p.wait_turn()
    assert fake.sleeps == [5.0]


def test_a_pause_holds_every_caller():
    fake = FakeTime()
    p = pacer(fake)
    p.pause(7.0)
    p.pause(3.0)  # a shorter pause does not shorten the longer one
    assert p.wait_turn() == 7.0
    assert p.wait_turn() == 0.0


def test_threads_share_the_window():
    p = Pacer(burst_limit=6, window=0.2)  # 4 per 0.2 s after the margin
    sent: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(5):
            p.wait_turn()
            with lock:
                sent.append(time.monotonic())

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sent.sort()
    assert len(sent) == 15
    # Any 5 consecutive requests span at least one window.
    assert all(sent[i + 4] - sent[i] >= 0.2 - 0.005 for i in range(len(sent) - 4))


def test_a_search_answer_does_not_teach_the_overall_limit():
    # Pipedrive's search answers carry the search window's limit (10): learning it would cut
    # every request to 8 per 2 s.
    fake = FakeTime()
    p = pacer(fake)
    p.observe({"x-ratelimit-limit": "100", "x-ratelimit-remaining": "99"})
    p.observe({"x-ratelimit-limit": "10", "x-ratelimit-remaining": "9"}, search=True)
    assert p.overall.limit == 80


def test_a_nearly_spent_search_window_pauses_searches_only_for_the_whole_penalty():
    fake = FakeTime()
    p = pacer(fake)
    # After a search 429 Pipedrive sets the search window's reset to a 10 s penalty.
    p.observe(
        {"x-ratelimit-limit": "10", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "10"}, search=True
    )
    start = fake.now
    p.wait_turn()  # other requests are not held by the search window's penalty
    assert fake.now == start
    p.wait_turn(search=True)
    assert fake.now - start >= 10.0


def test_a_search_pause_leaves_other_requests_alone():
    fake = FakeTime()
    p = pacer(fake)
    p.pause(10.0, search=True)
    start = fake.now
    p.wait_turn()
    assert fake.now == start
    p.wait_turn(search=True)
    assert fake.now - start >= 10.0
