"""The app's requests to the C allocator: asked for where glibc answers, harmless elsewhere."""

from __future__ import annotations

import platform
import sys

from ahtui import memory


def test_the_allocator_is_asked_for_two_arenas_where_it_can_be() -> None:
    said = memory.limit_arenas()
    if sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc":
        assert said is True
    elif not sys.platform.startswith("linux"):
        assert said is False


def test_memory_a_closed_site_freed_is_given_back_without_error() -> None:
    junk = [bytes(1000) for _ in range(50_000)]  # 50 MB freed below, in small pieces
    del junk
    memory.give_back()
