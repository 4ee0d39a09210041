"""Acknowledged work, kept in the store's queue from before the ack until it is answered.

A listener writes the work (`Work.take`) and only then acks, so a web process killed
right after its 200 has lost nothing. The work is then answered here, on the process's own
small pool (`answer_here`: Socket Mode, a single `council serve`), or by a `council worker`
(`council serve --web-only`, whose processes then do nothing but ack). Whoever claims it
first answers it; see store/queue.py."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import timedelta
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient
from sqlalchemy.exc import DBAPIError

from bot.render.failures import DB_DOWN
from bot.slack.listeners.deliver import Replier, Reply
from commands.context import Env
from store import queue

log = logging.getLogger("council.work")
# What a job needs to be answered anywhere: its payload, the request's workspace (never its
# token: a worker finds the token in the store, as the clock does), where to reply, and a
# Web API client for that workspace.
Answer = Callable[[Env, dict[str, Any], BoltContext, Reply, WebClient], None]
ANSWERS: dict[str, Answer] = {}
RETRY = timedelta(seconds=10)
ENQUEUE_WAIT = 2.0  # seconds an ack may wait for the store to take the work


def answers(kind: str) -> Callable[[Answer], Answer]:
    """Register how a kind of job is answered (a slash command, a press)."""

    def register(answer: Answer) -> Answer:
        ANSWERS[kind] = answer
        return answer

    return register


def context_of(context: BoltContext) -> dict[str, Any]:
    """What of bolt's context a job keeps: who and where, never a token."""
    keys = ("team_id", "enterprise_id", "user_id", "is_enterprise_install")
    return {key: context.get(key) for key in keys if context.get(key) is not None}


class Work:
    """The queue as listeners use it, and this process's pool."""

    def __init__(self, env: Env, pool: Executor, answer_here: bool = True) -> None:
        self.env = env
        self.pool = pool
        self.answer_here = answer_here
        # Its own threads, so that queueing never waits behind work on the pool.
        self.queueing = ThreadPoolExecutor(max_workers=4, thread_name_prefix="council-queue")

    def take(
        self,
        kind: str,
        payload: dict[str, Any],
        context: BoltContext,
        ack: Callable[[], object],
        respond: Reply,
        client: WebClient,
    ) -> None:
        """Queue the work, ack, and answer it here unless this process only acks.

        bolt gives a listener 3 seconds to ack, and a silent store takes longer to give up:
        past ENQUEUE_WAIT the ack goes first and the queueing finishes behind it (only
        then may such work be lost with the process). When the store cannot take it, the
        person is told to try again."""
        queued = self.queueing.submit(self._enqueue, kind, payload, context)
        try:
            job = queued.result(timeout=ENQUEUE_WAIT)
        except FutureTimeout:
            ack()
            self.pool.submit(self._after_slow_queueing, queued, context, respond, client)
            return
        except DBAPIError as error:
            log.warning("could not queue a %s: %s", kind, type(error).__name__)
            job = None
        ack()
        if job is None:
            self.pool.submit(tell_unqueued, respond)
        elif self.answer_here:
            self.pool.submit(run_claimed, self.env, job, context, respond, client)

    def _enqueue(self, kind: str, payload: dict[str, Any], context: BoltContext) -> int:
        # The row must outlive this process, not the database server: `quick` sends it in
        # one round trip and does not wait for the disk (store/db.py).
        with self.env.db.quick() as connection:
            return queue.enqueue(
                connection, kind, {**payload, "context": context_of(context)}, self.env.now()
            )

    def _after_slow_queueing(
        self, queued: Future[int], context: BoltContext, respond: Reply, client: WebClient
    ) -> None:
        try:
            job = queued.result()
        except DBAPIError as error:
            log.warning("could not queue work: %s", type(error).__name__)
            tell_unqueued(respond)
            return
        if self.answer_here:
            run_claimed(self.env, job, context, respond, client)


def tell_unqueued(respond: Reply) -> None:
    """The store could not take the work, so it cannot be done: say so at once, rather
    than wait for the store again (a silent one would keep the person waiting twice)."""
    try:
        respond(text=DB_DOWN, response_type="ephemeral", replace_original=False)
    except Exception:
        log.exception("could not tell the user the store is away")


def run_claimed(
    env: Env, job_id: int | None, context: BoltContext | None, respond: Reply | None, client: Any
) -> bool:
    """Claim a job (`job_id`, or the oldest free one) and answer it: with the live
    `context`, `respond` and `client` when given, else rebuilt from the job (`client` then
    gives a workspace's Web API client). Whether a job was claimed."""
    with env.db.transaction() as session:
        job = queue.claim(session, env.now(), job_id)
    if job is None:
        return False
    try:
        payload = job.payload
        if context is None:
            context = BoltContext(payload.get("context") or {})
            workspace = context.team_id or context.enterprise_id
            client = client(str(workspace))
        if respond is None:
            respond = Replier(payload.get("response_url") or "", client.timeout)
        ANSWERS[job.kind](env, payload, context, respond, client)
    except Exception as error:  # the answer itself replies on failure; this is the rest
        log.exception("queued %s %d failed", job.kind, job.id)
        with env.db.transaction() as session:
            again = queue.failed(session, job, repr(error), env.now(), RETRY)
        if not again:
            log.error("queued %s %d dropped after %d attempts", job.kind, job.id, job.attempts)
        return True
    with env.db.transaction() as session:
        queue.finish(session, job.id)
    return True
