"""A tiny shell simulator: what a container's command prints, and when it ends, in simulated
time, without running anything.

``simulate("echo hi; sleep 5; exit 3", env)`` gives ``Script(runtime=5.0, exit_code=3,
lines=((0.0, "hi"),))``. The source is tokenized with :mod:`shlex` (POSIX quoting) and run
statement by statement:

- statements are separated by ``;``, newlines, ``&&`` and ``||`` (``&&``/``||`` run the next
  statement only if the last exit code is / is not 0, as ``sh`` does);
- ``sleep N...`` (sum of N with an optional ``s``/``m``/``h``/``d`` suffix; ``sleep
  infinity`` never ends), ``echo WORDS...`` (one line; no options), ``true``, ``false``,
  ``exit [N]`` (ends the script, or only the enclosing ``sh -c``), ``VAR=value``;
- ``timeout [-s SIG] [-k DUR] DURATION CMD ARGS...``: CMD runs with a cap; if it would
  run longer it ends at the cap with exit code 124 (137 for ``-s KILL``), keeping what it
  printed before;
- ``sh -c STRING`` / ``bash -c STRING`` (also ``-lc`` and the like): STRING runs as a
  sub-script (with its own variables; the environment is inherited); its exit code is ``$?``;
- ``$?``, ``$VAR`` and ``${VAR}`` expand (shell variables, then the environment; unset:
  empty), not inside single quotes; unquoted expansions are not split into words;
- ``> file``, ``>> file``, ``&> file`` keep a statement's output out of the log (the target
  is ignored); ``2>&1`` and ``>&2`` keep it logged: a container log holds both streams;
- ``#`` comments; ``:``, ``cd DIR`` (no-ops) and ``export NAME[=value]`` (extensions, since
  startup scripts use them).

Any other command (``python train.py``, ``jupyter lab``, ``bash script.sh``) and any
statement with other shell syntax (pipes, ``&``, ``<``, subshells) runs forever (guess: a
service, or a program of unknown length): the script never ends unless a ``timeout``
caps it. Error messages (a bad ``sleep`` argument, a syntax error: exit code 2) are
logged lines, as a container log shows stderr.
"""

from __future__ import annotations

import math
import re
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

__all__ = ["Script", "simulate"]


@dataclass(frozen=True)
class Script:
    """What a command does when run, in simulated seconds from its start."""

    runtime: float | None
    """Seconds until the command ends; None: it runs until stopped."""
    exit_code: int
    """Its exit code when it ends (0 for a command that never ends)."""
    lines: tuple[tuple[float, str], ...]
    """(seconds from the start, output line), in order."""

    @classmethod
    def declared(cls, seconds: float | None, exit_code: int, lines: tuple[str, ...]) -> Script:
        """A run declared outright: ``lines`` at its start, its end after ``seconds``."""
        return cls(seconds, exit_code, tuple((0.0, line) for line in lines))


def simulate(command: str, env: Mapping[str, str]) -> Script:
    """Run ``command`` (a shell command line) in simulated time; see the module docstring."""
    process = _Process()
    try:
        code = _Shell(process, dict(env)).script(command, None)
    except _Forever:
        return Script(None, 0, tuple(process.lines))
    return Script(process.now, code, tuple(process.lines))


# -- tokens ------------------------------------------------------------------------------

_OPERATORS = sorted(
    ("&>>", "&&", "||", ">>", ">&", "&>", ";", "\n", "|", "&", ">", "<", "(", ")"),
    key=len,
    reverse=True,
)
_SEPARATORS = (";", "\n", "&&", "||")
_REDIRECTS = (">", ">>", ">&", "&>", "&>>")
_PUNCTUATION = ";&|<>()\n"
_SPECIAL = _PUNCTUATION + "$"
_INERT = {c: chr(0xE000 + ord(c)) for c in _SPECIAL}
"""Quoted or escaped special characters stand in as private-use code points until the
parser is done with them, so ``echo ';'`` prints ``;`` and ``'$x'`` does not expand."""
_FD = "\ue100"
"""Marks a file-descriptor number written right before ``>`` (``2>&1``)."""
_RESTORE = str.maketrans({v: k for k, v in _INERT.items()})
_VARIABLE = re.compile(r"\$(?:(\?)|\{(\?|[A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")
_COMMAND_OPTION = re.compile(r"-[a-z]*c[a-z]*")
"""``sh``'s ``-c`` (alone, or among other one-letter options: ``-lc``)."""
_ASSIGNMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=(.*)", re.DOTALL)


class _SyntaxError(Exception):
    pass


def _inert(c: str) -> str:
    return _INERT.get(c, c)


def _prepare(source: str) -> str:
    """Drop comments; make quoted and escaped specials inert; mark fd numbers."""
    out: list[str] = []
    quote = ""
    i = 0
    while i < len(source):
        c, after = source[i], source[i + 1 : i + 2]
        at_word_start = not out or out[-1][-1] in " \t\r" + _PUNCTUATION
        if quote == "'":
            quote = "" if c == "'" else quote
            out.append(_inert(c))
        elif c == "\\" and after == "\n" and not quote:
            i += 2  # a line continuation
            continue
        elif c == "\\" and after and quote:  # in double quotes: \$ is a literal $
            out.append(_inert(after) if after == "$" else c + _inert(after))
            i += 2
            continue
        elif c == "\\" and after:
            out.append(_inert(after) if after in _SPECIAL else c + after)
            i += 2
            continue
        elif quote == '"':
            quote = "" if c == '"' else quote
            out.append(c if c == "$" else _inert(c))
        elif c in "'\"":
            quote = c
            out.append(c)
        elif c == "#" and at_word_start:
            end = source.find("\n", i)
            i = len(source) if end < 0 else end
            continue
        elif c.isdigit() and after == ">" and at_word_start:
            out.append(_FD + c)
        else:
            out.append(c)
        i += 1
    return "".join(out)


def _tokens(source: str) -> Iterator[tuple[bool, str]]:
    """(is an operator, text) for each token of ``source``."""
    lexer = shlex.shlex(_prepare(source), posix=True, punctuation_chars=_PUNCTUATION)
    lexer.whitespace, lexer.whitespace_split, lexer.commenters = " \t\r", True, ""
    try:
        tokens = list(lexer)
    except ValueError as error:  # an unclosed quote
        raise _SyntaxError(str(error).lower()) from None
    for token in tokens:
        if token and all(c in _PUNCTUATION for c in token):
            while token:
                operator = next(op for op in _OPERATORS if token.startswith(op))
                yield True, operator
                token = token[len(operator) :]
        else:
            yield False, token


@dataclass
class _Statement:
    words: list[str] = field(default_factory=list)
    redirects: list[tuple[str, str, str]] = field(default_factory=list)
    """(fd, operator, target) in order."""
    opaque: bool = False
    """Uses syntax the simulator does not know: it runs forever."""

    def __bool__(self) -> bool:
        return bool(self.words or self.redirects or self.opaque)

    def logged(self, out: bool, err: bool) -> tuple[bool, bool]:
        """Whether stdout and stderr still reach the log after the redirects."""
        for fd, operator, target in self.redirects:
            if operator in ("&>", "&>>"):
                out = err = False
            elif operator == ">&" and target in ("1", "2"):
                logged = out if target == "1" else err
                out, err = (logged, err) if fd == "1" else (out, logged)
            elif fd == "1":
                out = False
            else:
                err = False
        return out, err


def _parse(source: str) -> list[tuple[str, _Statement]]:
    """(connector, statement) pairs; the connector is ``;``, ``&&`` or ``||``."""
    statements: list[tuple[str, _Statement]] = []
    connector, current = ";", _Statement()
    tokens = _tokens(source)
    for is_operator, text in tokens:
        if not is_operator:
            if text.startswith(_FD):
                fd, (_, text) = text[1:], next(tokens, (True, ""))
                current.redirects.append((fd, text, _target(tokens, text)))
            else:
                current.words.append(text)
        elif text in _SEPARATORS:
            if not current:
                if text == "\n" or (text == ";" and connector == ";"):
                    continue  # blank lines, and a list that goes on after && or ||
                raise _SyntaxError(f"syntax error near unexpected token `{text}'")
            statements.append((connector, current))
            connector, current = (";" if text in (";", "\n") else text), _Statement()
        elif text in _REDIRECTS:
            current.redirects.append(("1", text, _target(tokens, text)))
        else:
            current.opaque = True
    if current:
        statements.append((connector, current))
    elif connector != ";":
        raise _SyntaxError("syntax error: unexpected end of file")
    return statements


def _target(tokens: Iterator[tuple[bool, str]], operator: str) -> str:
    if operator not in _REDIRECTS:
        raise _SyntaxError(f"syntax error near unexpected token `{operator}'")
    is_operator, target = next(tokens, (True, "newline"))
    if is_operator:
        raise _SyntaxError(f"syntax error near unexpected token `{target.strip() or 'newline'}'")
    return target


# -- running -----------------------------------------------------------------------------


class _Forever(Exception):
    """A command never ends and nothing caps it."""


class _Capped(Exception):
    """A ``timeout`` cap was reached."""


class _Exit(Exception):
    def __init__(self, code: int) -> None:
        self.code = code


@dataclass
class _Process:
    """What every shell of one run shares: the simulated clock and the log."""

    now: float = 0.0
    lines: list[tuple[float, str]] = field(default_factory=list)
    logged: tuple[bool, bool] = (True, True)
    """Whether stdout and stderr reach the log (redirects change it per statement)."""

    def say(self, text: str, *, err: bool = False) -> None:
        if self.logged[1 if err else 0]:
            self.lines += [(self.now, line) for line in text.split("\n")]

    def wait(self, seconds: float, cap: float | None) -> None:
        """Let ``seconds`` pass, or stop at ``cap``."""
        end = self.now + seconds
        if cap is not None and end > cap:
            self.now = cap
            raise _Capped
        if math.isinf(end):
            raise _Forever
        self.now = end


class _Shell:
    """One shell (the script, or an ``sh -c`` in it): its variables and last exit code."""

    def __init__(self, process: _Process, env: dict[str, str]) -> None:
        self.process = process
        self.env = env
        self.variables: dict[str, str] = {}
        self.status = 0

    def script(self, source: str, cap: float | None) -> int:
        """Run ``source`` to its end (or its ``exit``); its exit code."""
        try:
            statements = _parse(source)
        except _SyntaxError as error:
            self.process.say(f"sh: {error}", err=True)
            return 2
        try:
            for connector, statement in statements:
                if (connector == "&&" and self.status != 0) or (
                    connector == "||" and self.status == 0
                ):
                    continue
                self.status = self.statement(statement, cap)
        except _Exit as done:
            return done.code
        return self.status

    def statement(self, statement: _Statement, cap: float | None) -> int:
        saved = self.process.logged
        self.process.logged = statement.logged(*saved)
        try:
            if statement.opaque:
                self.process.wait(math.inf, cap)
            words = list(statement.words)
            assigned: dict[str, str] = {}
            while words and (found := _ASSIGNMENT.fullmatch(words[0])):
                assigned[found[1]] = self.expand(found[2])
                words.pop(0)
            if not words:
                self.variables.update(assigned)
                return 0
            args = [self.expand(word) for word in words]
            return self.builtin(args, {**self.env, **assigned}, cap)
        finally:
            self.process.logged = saved

    def expand(self, word: str) -> str:
        def value(found: re.Match[str]) -> str:
            name = found[1] or found[2] or found[3]
            if name == "?":
                return str(self.status)
            return self.variables.get(name, self.env.get(name, ""))

        return _VARIABLE.sub(value, word).translate(_RESTORE)

    def builtin(self, args: list[str], env: dict[str, str], cap: float | None) -> int:
        """Commands of the shell itself, else :meth:`program`."""
        name = args[0]
        if name in (":", "cd"):
            return 0
        if name == "exit":
            raise _Exit(self.exit_code(args[1:]))
        if name == "export":
            for arg in args[1:]:
                key, _, value = arg.partition("=")
                self.env[key] = value if "=" in arg else self.variables.get(key, "")
            return 0
        return self.program(args, env, cap)

    def exit_code(self, args: list[str]) -> int:
        if not args:
            return self.status
        try:
            return int(args[0]) & 0xFF
        except ValueError:
            self.process.say(f"sh: exit: Illegal number: {args[0]}", err=True)
            return 2

    def program(self, args: list[str], env: dict[str, str], cap: float | None) -> int:
        """A program (what ``timeout`` can run too): known ones simulated, others forever."""
        name, rest = args[0].rsplit("/", 1)[-1], args[1:]
        if name == "echo":
            self.process.say(" ".join(rest))
            return 0
        if name in ("true", "false"):
            return int(name == "false")
        if name == "sleep":
            seconds = [_duration(arg) for arg in rest]
            if not rest or None in seconds:
                self.process.say(f"sleep: invalid time interval {' '.join(rest)!r}", err=True)
                return 1
            self.process.wait(sum(s for s in seconds if s is not None), cap)
            return 0
        if name == "timeout":
            return self.timeout(rest, env, cap)
        if name in ("sh", "bash", "dash"):
            while rest and rest[0][:1] in ("-", "+") and not _COMMAND_OPTION.fullmatch(rest[0]):
                rest = rest[2:] if rest[0] in ("-o", "+o") else rest[1:]  # no effect here
            if rest and _COMMAND_OPTION.fullmatch(rest[0]):
                if len(rest) < 2:
                    self.process.say(f"{name}: -c: option requires an argument", err=True)
                    return 2
                return _Shell(self.process, dict(env)).script(rest[1], cap)
        if name in ("exit", "export", ":", "cd"):  # builtins, not programs timeout can run
            self.process.say(f"timeout: failed to run command '{name}'", err=True)
            return 127
        self.process.wait(math.inf, cap)
        return 0

    def timeout(self, args: list[str], env: dict[str, str], cap: float | None) -> int:
        signal = "TERM"
        while args[:1] in (["-s"], ["-k"]) and len(args) > 1:
            signal = args[1] if args[0] == "-s" else signal
            args = args[2:]
        seconds = _duration(args[0]) if args else None
        if seconds is None or len(args) < 2:
            self.process.say(f"timeout: invalid arguments {' '.join(args)!r}", err=True)
            return 125
        own = self.process.now + seconds if seconds > 0 else None  # 0: no limit
        limit = own if cap is None else cap if own is None else min(own, cap)
        try:
            return self.program(args[1:], env, limit)
        except _Capped:
            if own is None or (cap is not None and cap <= own):
                raise  # an outer timeout's cap
        return 137 if signal.upper().removeprefix("SIG") in ("KILL", "9") else 124


def _duration(text: str) -> float | None:
    """Seconds in ``sleep``/``timeout`` syntax (``90``, ``1.5m``, ``infinity``), or None."""
    lowered = text.lower()
    if lowered in ("inf", "infinity"):
        return math.inf
    factor = {"s": 1, "m": 60, "h": 3600, "d": 86400}.get(lowered[-1:])
    number = lowered[:-1] if factor else lowered
    if not re.fullmatch(r"\d+\.?\d*|\.\d+", number):
        return None
    return float(number) * (factor or 1)
