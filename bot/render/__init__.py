"""Results as Block Kit messages and modals: `render(result)`.

`blocks` holds the building blocks and the dispatch; every other module here is one
family's renderings, registered with `render` when imported. A family is imported by
whoever needs it, and all of them the first time `render` meets a result no imported
family shows (`blocks.load_families`), so a new family is a new module and nothing else.
"""

from bot.render.blocks import Block, Message, Modal, esc, render

__all__ = ["Block", "Message", "Modal", "esc", "render"]
