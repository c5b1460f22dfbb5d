"""Start a task with its first step run now, inside the caller's step (Python 3.12's eager
tasks; this is 3.11).

The stream's reader hands a frame's fills to their hedge desks and, with this, each desk's
hedge runs at once up to its first real wait - its request handed to the HTTP client - instead
of waiting for the event loop's next turn (about 0.3 ms under load, docs/PERFORMANCE.md).

The first step runs AS the new task: `asyncio.current_task()` is that task, so a timeout the
step starts (aiohttp's, asyncio.timeout) cancels it and never the caller; and it runs in the
task's own copy of the context, so a context variable it sets is the task's, as it would be
in a task started the ordinary way. The rest of the coroutine is resumed by the task as a task
resumes any coroutine: after what it waits on is done, with that outcome, cancellation passed
on.
"""
from __future__ import annotations

import asyncio
import contextvars
from asyncio import tasks as _tasks
from collections.abc import Coroutine
from typing import Any

# How a step of the coroutine ended: ("waits", what it waits on), ("returned", value) or
# ("raised", exception).
_Step = tuple[str, Any]


def start_now(coro: Coroutine, *, name: str | None = None) -> asyncio.Task:
    """A task running `coro`, whose first step has already run when this returns. Keep a
    reference to it (the loop keeps only a weak one), as with any task."""
    loop = asyncio.get_running_loop()
    context = contextvars.copy_context()
    first: list[_Step] = []
    task = loop.create_task(_carry_on(coro, first), name=name, context=context)
    caller = asyncio.current_task(loop)
    if caller is not None:
        _tasks._leave_task(loop, caller)
    _tasks._enter_task(loop, task)
    try:
        first.append(context.run(_step, coro.send, None))
    finally:
        _tasks._leave_task(loop, task)
        if caller is not None:
            _tasks._enter_task(loop, caller)
    return task


def _step(resume, value) -> _Step:
    try:
        return "waits", resume(value)
    except StopIteration as stop:
        return "returned", stop.value
    except BaseException as exc:       # the task raises it, as a task would
        return "raised", exc


async def _carry_on(coro: Coroutine, first: list[_Step]):
    """The rest of `coro` after its first step (run by start_now before this task's first)."""
    how, value = first[0]
    while how == "waits":
        if await _until_done(value):
            how, value = _step(coro.send, None)
        else:
            how, value = _step(coro.throw, asyncio.CancelledError())
    if how == "raised":
        raise value
    return value


async def _until_done(waits_on) -> bool:
    """Wait for what the coroutine waits on (None: a bare yield, the loop's next turn). False
    when this task was cancelled and what it waited on was not (the cancellation is thrown
    into the coroutine); otherwise the coroutine reads the outcome from what it waited on."""
    try:
        if waits_on is None:
            await asyncio.sleep(0)
        else:
            # Taken over, as a task takes over what a step yields (else awaiting it again
            # raises "await wasn't used with future").
            waits_on._asyncio_future_blocking = False
            await waits_on
    except asyncio.CancelledError:
        return waits_on is not None and waits_on.cancelled()
    except Exception:           # the coroutine's await reads it from the future itself
        pass
    return True
