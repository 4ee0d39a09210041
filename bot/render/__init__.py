"""Results as Block Kit messages and modals: `render(result)`.

`blocks` holds the building blocks and the dispatch; every other module here is one
family's renderings, registered with `render` when imported. They are all imported once,
below, so a new family is a new module and nothing else.
"""

import importlib
import pkgutil

from bot.render.blocks import Block, Message, Modal, esc, render

__all__ = ["Block", "Message", "Modal", "esc", "render"]

for _family in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_family.name}")
