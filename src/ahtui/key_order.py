"""Keys handled in the order they were typed, however fast they arrive.

Textual hands a key to the focused widget by posting it to that widget's queue, and runs the
key's binding only when the key has bubbled back up to the app. Keys that arrive together (one
SSH packet, a busy app, a pasted macro) are therefore handed on before the one ahead of them has
had its binding run: "smi", three backspaces and "robe" in one burst left "smir", and "ab", Tab,
"cd" put "abcd" in the first field and nothing in the second (Textual issue #6605; its proposed
fix, pull request #6631, covers a widget's own bindings only, not Tab or the screen's).

`KeysInOrder` holds each key (and each paste) until the key before it has been handled all the
way: by the focused widget, by each widget above it, then by the app's bindings, which run there
and then instead of later from the app's queue. Nothing is reordered and nothing is dropped; a
key that takes long to handle (a save) only makes the next one wait, as on any desktop form.
"""

from __future__ import annotations

import asyncio

from textual import events
from textual.app import App
from textual.message import Message
from textual.message_pump import MessagePump

# Longest wait for the key ahead, in seconds. Handling never waits on the app's own queue, so
# this is reached only if a handler blocks for that long; then the next key goes on as Textual
# would send it, late rather than never.
LONGEST_WAIT = 2.0


class KeysInOrder(App[None]):
    """Mixed into the app (before `App`): keys are settled one after another."""

    _key_in_flight: events.Key | None = None
    _key_path: tuple[MessagePump, ...] = ()
    _key_awaited: events.Key | None = None
    _key_reached_app = False

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.Paste) and not event.is_forwarded:
            await self._settle_key_in_flight()
            await super().on_event(event)
            if isinstance(event, events.Key) and event.is_forwarded:
                self._key_in_flight = event
                self._key_path = _path_from(self.focused or self.screen)
                self._key_reached_app = False
            return
        if isinstance(event, events.Key) and event.is_forwarded:
            if getattr(event, "_ahtui_settled", False):
                return  # its bindings have run already, in turn
            if event is self._key_in_flight:
                self._key_in_flight = None
        await super().on_event(event)

    def post_message(self, message: Message) -> bool:
        if message is self._key_in_flight or message is self._key_awaited:
            self._key_reached_app = True
        return super().post_message(message)

    async def _settle_key_in_flight(self) -> None:
        key = self._key_in_flight
        if key is None:
            return
        self._key_in_flight, self._key_awaited = None, key
        try:
            await asyncio.wait_for(_drained(self._key_path), LONGEST_WAIT)
        except TimeoutError:
            return
        finally:
            self._key_awaited = None
        if self._key_reached_app:
            # What the app does when the key comes back to it (its bindings), done now, in
            # turn; the copy still queued for the app is then passed over.
            key._ahtui_settled = True  # type: ignore[attr-defined]
            await super().on_event(key)


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
    a key handed on up is queued with the next one before that one is asked."""
    for pump in path:
        done = asyncio.Event()
        if pump.call_later(done.set):
            await done.wait()
