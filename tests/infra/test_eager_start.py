"""start_now: the first step runs in the caller's step, as the new task; the rest as any task."""
from __future__ import annotations

import asyncio
import contextvars

import pytest

from hedge.infra.eager_start import start_now

VAR: contextvars.ContextVar[str] = contextvars.ContextVar("VAR", default="caller's")


async def test_the_first_step_runs_before_start_now_returns_and_as_the_new_task():
    seen = []
    gate = asyncio.Event()

    async def job():
        seen.append(("first step", asyncio.current_task()))
        await gate.wait()
        seen.append(("after the wait", asyncio.current_task()))
        return 42

    caller = asyncio.current_task()
    task = start_now(job(), name="job")
    assert seen == [("first step", task)]
    assert asyncio.current_task() is caller
    gate.set()
    assert await task == 42
    assert seen[1] == ("after the wait", task)


async def test_a_context_variable_set_in_the_task_stays_the_tasks():
    async def job():
        token = VAR.set("task's")
        await asyncio.sleep(0)
        value = VAR.get()
        VAR.reset(token)                  # in the context it was set in, or this raises
        return value

    task = start_now(job())
    assert VAR.get() == "caller's"
    assert await task == "task's"


async def test_a_timeout_in_the_task_cancels_the_task_not_the_caller():
    async def job():
        async with asyncio.timeout(0.01):
            await asyncio.sleep(10)

    task = start_now(job())
    with pytest.raises(TimeoutError):
        await task
    assert not asyncio.current_task().cancelling()


async def test_cancelling_the_task_reaches_the_coroutine_at_its_wait():
    cleaned = []
    gate = asyncio.Event()

    async def job():
        try:
            await gate.wait()
        finally:
            cleaned.append(True)

    task = start_now(job())
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert cleaned == [True] and task.cancelled()


async def test_a_failure_in_the_first_step_or_later_is_the_tasks():
    async def fails_at_once():
        raise ValueError("at once")

    async def fails_later():
        await asyncio.sleep(0)
        raise KeyError("later")

    with pytest.raises(ValueError):
        await start_now(fails_at_once())
    with pytest.raises(KeyError):
        await start_now(fails_later())


async def test_an_exception_of_what_it_waited_on_is_raised_at_its_await():
    async def job():
        future = asyncio.get_running_loop().create_future()
        asyncio.get_running_loop().call_soon(future.set_exception, RuntimeError("answer"))
        try:
            await future
        except RuntimeError as exc:
            return f"caught {exc}"

    assert await start_now(job()) == "caught answer"
