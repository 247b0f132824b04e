"""The README's command reference agrees with the parser: every command line the README shows
names commands and flags the parser has, every command and subcommand the parser has is in the
reference table, and every flag a command offers is in its row. And every command the parser
has names a function that exists.

Both sides are read, not listed here: the README's code (inline spans and code blocks that start
with `ahtui`) and the parser built by `ahtui.cli.build_parser`, walked action by action.
"""

from __future__ import annotations

import argparse
import importlib
import re
from pathlib import Path

from ahtui.cli import build_parser

README = Path(__file__).resolve().parents[1] / "README.md"
# The reference section's intro says every command that opens a site takes these.
SHARED_FLAGS = {"--site", "--user", "--help", "-h", "--version"}
Command = tuple[str, ...]


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def options(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return {flag: a for a in parser._actions for flag in a.option_strings}


def all_commands(
    parser: argparse.ArgumentParser, path: Command = ()
) -> dict[Command, argparse.ArgumentParser]:
    """Every command path the parser accepts, the bare `ahtui` included, with its parser."""
    found = {path: parser}
    for name, sub in subcommands(parser).items():
        found.update(all_commands(sub, (*path, name)))
    return found


def command_lines(text: str) -> list[str]:
    """The README's command lines: code spans and code-block lines that run `ahtui`."""
    spans = re.findall(r"`([^`\n]+)`", text.replace("\\|", "|"))
    blocks = re.findall(r"^```\w*\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)
    lines = spans + [line.split(" #")[0] for block in blocks for line in block.splitlines()]
    # A leading VAR=value sets the environment of the command.
    wanted = re.compile(r"^(?:[A-Z_]+=\S+\s+)*ahtui(?:\s|$)")
    return [
        re.sub(r"^(?:[A-Z_]+=\S+\s+)*", "", line.strip())
        for line in lines
        if wanted.match(line.strip())
    ]


def walk(
    parser: argparse.ArgumentParser,
    path: Command,
    tokens: list[str],
    problems: list[str],
    line: str,
) -> list[tuple[Command, set[str]]]:
    """The command paths a README line names (one per alternative `a|b`), each with its flags;
    what the parser would not accept goes into `problems`."""
    subs, flags, i = subcommands(parser), set(), 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if token.startswith("-"):
            flag = token.split("=")[0]
            action = options(parser).get(flag)
            if action is None:
                problems.append(f"`{line}`: `ahtui {' '.join(path)}` has no {flag}")
            elif action.nargs != 0 and "=" not in token:
                i += 1  # its value
            flags.add(flag)
            continue
        if subs:
            names = token.split("|")
            if not all(name in subs for name in names):
                problems.append(f"`{line}`: `ahtui {' '.join(path)}` has no command {token!r}")
                return []
            return [
                found
                for name in names
                for found in walk(subs[name], (*path, name), tokens[i:], problems, line)
            ]
    return [(path, flags)]


def readme_commands() -> tuple[dict[Command, set[str]], dict[Command, set[str]], list[str]]:
    """(commands named anywhere, commands in the reference section, problems), each command
    with the flags the README names for it."""
    text = README.read_text(encoding="utf-8")
    section = re.search(r"^## Commands\n(.*?)^## ", text, flags=re.MULTILINE | re.DOTALL)
    assert section, "README.md has no `## Commands` section"
    parser, problems = build_parser(), []
    named: dict[Command, set[str]] = {}
    reference: dict[Command, set[str]] = {}
    for where, source in ((named, text), (reference, section.group(1))):
        seen = problems if where is named else []  # the section is part of the whole text
        for line in command_lines(source):
            tokens = [t.strip("[]{},.;:") for t in line.split()[1:]]
            for path, flags in walk(parser, (), [t for t in tokens if t], seen, line):
                where.setdefault(path, set()).update(flags)
    return named, reference, problems


def test_every_command_and_flag_the_readme_names_exists() -> None:
    named, _, problems = readme_commands()
    assert named, "found no `ahtui ...` command lines in README.md"
    assert problems == []


def test_every_command_is_in_the_readme_reference() -> None:
    _, reference, _ = readme_commands()
    documented = {path[:n] for path in reference for n in range(len(path) + 1)}
    missing = [" ".join(("ahtui", *p)) for p in all_commands(build_parser()) if p not in documented]
    assert missing == []


def test_every_flag_of_a_command_is_in_its_reference_row() -> None:
    _, reference, _ = readme_commands()
    missing = []
    for path, parser in all_commands(build_parser()).items():
        if subcommands(parser):
            continue  # its subcommands carry the flags
        offered = {
            flag
            for action in parser._actions
            if action.help != argparse.SUPPRESS
            for flag in action.option_strings
            if flag.startswith("--")
        }
        for flag in sorted(offered - SHARED_FLAGS - reference.get(path, set())):
            missing.append(f"ahtui {' '.join(path)} {flag}")
    assert missing == []


def test_every_command_names_a_function_that_exists() -> None:
    # The parser names each command's function by module and name (to import it only when the
    # command runs), so a misspelt name would only show when someone ran that command.
    for path, parser in all_commands(build_parser()).items():
        handler = parser.get_default("func")
        if handler is not None:
            group = importlib.import_module(f"ahtui.cli.{handler.module}")
            assert callable(getattr(group, handler.name, None)), (path, handler)
