"""Many Gmail calls in one HTTP request (Google's batch endpoint), with per-part retries.

``BatchHttpRequest`` retries nothing by itself and ignores ``client_options``, so
:class:`Batcher` posts to an explicit ``batch_uri``, sends at most
:data:`BATCH_SIZE` calls per request, and retries only the parts answered
429/5xx, with the same bounded, jittered waits as single calls (``Retry-After``
honoured, injected sleep, one budget per chunk). A part answered 404 (the
item was deleted meanwhile) is left out of the result; any other error is raised
as kaffe's own error.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from googleapiclient.errors import HttpError
from googleapiclient.http import BatchHttpRequest

from kaffe.connectors.google.http import Sleep, execute, map_http_error
from kaffe.connectors.google.retry import DEFAULT_POLICY, RetryPolicy
from kaffe.errors import TransientError

log = logging.getLogger(__name__)

BATCH_SIZE = 50  # Gmail rate-limits larger batches

MakeRequest = Callable[[str], Any]  # key -> an HttpRequest for that key
OnSend = Callable[[int], None]  # called with the number of calls in each POST


@dataclass
class Batcher:
    """Runs one kind of call for many keys through Google's batch endpoint."""

    batch_uri: str
    num_retries: int = 3
    sleep: Sleep = time.sleep
    rand: Callable[[], float] = random.random
    size: int = BATCH_SIZE
    policy: RetryPolicy = DEFAULT_POLICY

    def run(
        self, keys: Sequence[str], make: MakeRequest, what: str, *, on_send: OnSend | None = None
    ) -> dict[str, Any]:
        """``make(key)`` for every key, batched; return key → response (404s left out)."""
        results: dict[str, Any] = {}
        for _chunk, responses in self.chunks(keys, make, what, on_send=on_send):
            results.update(responses)
        return results

    def chunks(
        self, keys: Sequence[str], make: MakeRequest, what: str, *, on_send: OnSend | None = None
    ) -> Iterator[tuple[list[str], dict[str, Any]]]:
        """Like :meth:`run`, one batch at a time: each chunk of keys with its responses
        (404s left out), in key order. A caller that handles each chunk as it comes holds
        one batch of responses at a time, not all of a first sync's 10,000+."""
        for start in range(0, len(keys), self.size):
            chunk = list(keys[start : start + self.size])
            responses = self._chunk(chunk, make, what, on_send)
            yield chunk, {key: responses[key] for key in chunk if key in responses}

    def _chunk(
        self, keys: list[str], make: MakeRequest, what: str, on_send: OnSend | None
    ) -> dict[str, Any]:
        results: dict[str, Any] = {}
        pending = keys
        waits = self.policy.waits(self.rand)
        for attempt in range(self.num_retries + 1):
            failed = self._send(pending, make, what, results, on_send)
            if not failed:
                return results
            delay = waits.next(_longest_wait(failed)) if attempt < self.num_retries else None
            if delay is None:
                break
            log.info("%s: %d of %d calls failed (%s); retry %d/%d in %.1fs", what,
                     len(failed), len(pending), next(iter(failed.values())), attempt + 1,
                     self.num_retries, delay)
            self.sleep(delay)
            pending = [key for key in pending if key in failed]
        first = next(iter(failed.values()))
        raise TransientError(f"{what}: {len(failed)} calls still failing after "
                             f"{attempt} retries: {first}") from first

    def _send(
        self, keys: list[str], make: MakeRequest, what: str, results: dict[str, Any],
        on_send: OnSend | None,
    ) -> dict[str, TransientError]:
        """One POST; fill ``results``; return the parts that failed transiently."""
        failed: dict[str, TransientError] = {}
        fatal: list[Exception] = []

        def collect(request_id: str, response: Any, exception: Exception | None) -> None:
            key = keys[int(request_id)]
            if exception is None:
                results[key] = response
            else:
                _sort_failure(key, exception, what, failed, fatal)

        batch = BatchHttpRequest(callback=collect, batch_uri=self.batch_uri)
        for index, key in enumerate(keys):
            batch.add(make(key), request_id=str(index))
        if on_send is not None:
            on_send(len(keys))
        try:  # execute() maps the POST's own errors; retries are ours, per part
            execute(SimpleNamespace(execute=lambda num_retries=0: batch.execute()),
                    f"{what} (batch)", num_retries=0)
        except TransientError as exc:
            return {key: exc for key in keys if key not in results}
        if fatal:
            raise fatal[0]
        return failed


def _sort_failure(
    key: str, exception: Exception, what: str, failed: dict[str, TransientError],
    fatal: list[Exception],
) -> None:
    if not isinstance(exception, HttpError):
        fatal.append(exception)
        return
    if int(exception.resp.status) == 404:
        log.debug("%s: %s is gone (404); skipped", what, key)
        return
    mapped = map_http_error(exception, what)
    mapped.__cause__ = exception
    if isinstance(mapped, TransientError):
        failed[key] = mapped
    else:
        fatal.append(mapped)


def _longest_wait(failed: dict[str, TransientError]) -> float | None:
    """The largest Retry-After among the failed parts, or None when none sent one."""
    waits = [exc.retry_after for exc in failed.values() if exc.retry_after is not None]
    return max(waits) if waits else None
