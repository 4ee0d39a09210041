"""Reading a line at a terminal: history (up-arrow) and completion of commands with
prompt_toolkit; plain `input` when that is not installed."""

from __future__ import annotations

from collections.abc import Callable, Sequence


def terminal_ask(words: Sequence[str]) -> Callable[[str], str]:
    """A prompt that remembers what was typed this session and completes `words`."""
    try:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.completion import WordCompleter
        from prompt_toolkit.history import InMemoryHistory
    except ImportError:  # pragma: no cover - a dependency, but the console still works
        return input
    session: PromptSession[str] = PromptSession(
        history=InMemoryHistory(),
        completer=WordCompleter(list(words), sentence=True),
        complete_while_typing=False,
    )
    return lambda prompt: session.prompt(prompt)
