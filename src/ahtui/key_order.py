"""Keys handled in the order they were typed, however fast they arrive.

Textual hands a key to the focused widget by posting it to that widget's queue, and runs the
key's binding only when the key has bubbled back up to the app; what the binding or the widget
then asks for (moving the focus, a new screen, a form's Enter) goes through the app's queue
once more. Keys that arrive together (one SSH packet, a busy app, a pasted macro) were handed on
before the one ahead of them had been dealt with: "smi", three backspaces and "robe" in one
burst left "smir"; "ab", Tab, "cd" put "abcd" in the first field and nothing in the second;
"Ann", Enter, "Smith" gave "AnnS" and "mith"; "n" (new person) then "Ann" lost the "A"
(Textual issue #6605; its proposed fix, pull request #6631, covers a widget's own bindings
only).

`KeysInOrder` holds each key (and each paste) in a queue of its own, and hands on the next only
once the one ahead has been settled, watched by a task while the app goes on with its own
queue: each widget on the key's way up (focused widget to screen) has handled what was queued
for it, then the app (the key's bindings, the callbacks they posted), and the same again for
what that handling set off, along the way from whatever has the focus by then (a new screen's
first field). Nothing is reordered and nothing is dropped. A key that takes long to handle (a
save) makes the next one wait, as on any desktop form, for at most `LONGEST_WAIT`; a widget
whose loop has ended (a handler that raised) is not waited for.
"""

from __future__ import annotations

import asyncio
from collections import deque

from textual import events
from textual.app import App
from textual.message_pump import MessagePump

# Longest wait for the key ahead, in seconds: reached only if a handler stalls, and then the
# next key goes on as Textual would send it, late rather than never.
LONGEST_WAIT = 2.0
# Rounds of "the key's way up, then the app": the second covers what the first set off.
ROUNDS = 2


class KeysInOrder(App[None]):
    """The app's base (in place of `App`): keys and pastes are handed on one after another."""

    _keys_held: deque[events.Event] | None = None
    _settling: asyncio.Task[None] | None = None

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.Paste) and not event.is_forwarded:
            if self._keys_held is None:
                self._keys_held = deque()
            self._keys_held.append(event)
            if self._settling is None:  # nothing ahead of it: on at once
                await self._release()
            return
        await super().on_event(event)

    async def _release(self) -> None:
        self._settling = None
        held = self._keys_held
        while held and self._settling is None:
            await self._hand_on(held.popleft())

    async def _hand_on(self, event: events.Event) -> None:
        target = self.focused or self.screen
        await super().on_event(event)  # priority bindings, else handed to `target`
        # Settled even when a priority binding took it: its action may have opened a screen
        # or moved the focus (which goes through the app's queue).
        path = _path_from(target) if event.is_forwarded else ()
        self._settling = asyncio.create_task(self._settle(path))

    async def _settle(self, path: tuple[MessagePump, ...]) -> None:
        try:
            await asyncio.wait_for(self._settled(path), LONGEST_WAIT)
        except TimeoutError:
            pass
        finally:
            # The next key is handed on from the app's own queue, after what is in it now.
            if not self.call_later(self._release):
                self._settling = None  # the app is closing

    async def _settled(self, path: tuple[MessagePump, ...]) -> None:
        for _ in range(ROUNDS):
            await _drained(path)
            await _drained((self,))  # the app's turn: the key's bindings, what they posted
            try:
                now = _path_from(self.focused or self.screen)
            except Exception:  # no screen: the app is closing
                return
            path += tuple(p for p in now if p not in path)

    async def _on_exit_app(self) -> None:
        # Textual runs each class's handler in turn, so App's own runs after this one: a key
        # being settled is let go.
        if self._settling is not None:
            self._settling.cancel()


def _path_from(widget: MessagePump) -> tuple[MessagePump, ...]:
    """The widget a key was handed to and each one it bubbles through, up to its screen."""
    path: list[MessagePump] = []
    node: MessagePump | None = widget
    while node is not None and not isinstance(node, App):
        path.append(node)
        node = node._parent
    return tuple(path)


async def _drained(path: tuple[MessagePump, ...]) -> None:
    """Wait for each widget on the path, in turn, to handle what was queued for it before now:
    a key handed on up is queued before the wait for the next widget begins. One whose loop
    has ended (closed, or stopped by a handler that raised) would never answer: passed over."""
    for pump in path:
        task = pump._task  # None for an app started by App.run(), which has no task of its own
        if not pump._running or (task is not None and task.done()):
            continue
        done = asyncio.Event()
        if not pump.call_later(done.set):
            continue
        waiter = asyncio.ensure_future(done.wait())
        try:
            await asyncio.wait(
                {waiter, *([task] if task else [])}, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            waiter.cancel()
