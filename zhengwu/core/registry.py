"""Registries through which lower modules plug into the shell without the shell naming them.

Each app registers in its ``AppConfig.ready()``; the workbench reads the registries
(Wagtail's hooks idea, kept typed and explicit).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class MenuItem:
    """An entry of the workbench navigation, shown to staff who hold ``permissions``."""

    key: str
    label: Any  # a lazy translation
    url_name: str
    order: int = 100
    permissions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Shortcut:
    """A tile on the workbench home page, shown by role permission like menu items."""

    key: str
    label: Any
    url_name: str
    description: Any = ""
    order: int = 100
    permissions: tuple[str, ...] = ()


@dataclass
class Registry:
    menu: dict[str, MenuItem] = field(default_factory=dict)
    shortcuts: dict[str, Shortcut] = field(default_factory=dict)
    # Panels on the workbench home (e.g. the to-do list the workflow engine will supply):
    # key -> callable(request) returning a context dict for template ``panel_template``.
    home_panels: dict[str, tuple[str, Callable[[Any], dict[str, Any]], int]] = field(
        default_factory=dict
    )

    def register_menu(self, item: MenuItem) -> None:
        self.menu[item.key] = item

    def register_shortcut(self, item: Shortcut) -> None:
        self.shortcuts[item.key] = item

    def register_home_panel(
        self, key: str, template: str, provider: Callable[[Any], dict[str, Any]], order: int = 100
    ) -> None:
        self.home_panels[key] = (template, provider, order)


workbench = Registry()


# --- Demo world loaders ----------------------------------------------------------------------

# (user name, password, description) of an account a loader created or ensured.
DemoCredential = tuple[str, str, str]
DemoLoader = Callable[[Any], list[DemoCredential]]


@dataclass
class DemoLoaderRegistry:
    """Loaders of the demo world (``python manage.py demo``), run in ``order``.

    A loader is ``callable(stdout) -> list[(username, password, description)]``. It must be
    idempotent: on a second run it changes nothing and writes no audit entries. The command runs
    each loader in its own transaction and prints every returned credential once.
    """

    loaders: dict[str, tuple[int, DemoLoader]] = field(default_factory=dict)

    def register(self, key: str, loader: DemoLoader, order: int = 100) -> None:
        self.loaders[key] = (order, loader)

    def ordered(self) -> list[tuple[str, DemoLoader]]:
        by_order = sorted(self.loaders.items(), key=lambda item: (item[1][0], item[0]))
        return [(key, loader) for key, (_order, loader) in by_order]


demo_loaders = DemoLoaderRegistry()
register_demo_loader = demo_loaders.register
