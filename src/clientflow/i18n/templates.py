"""Longer client-facing texts from Jinja2 templates, in the reader's language.

clientflow ships its templates in ``clientflow/templates``; a host overrides one by
putting a file of the same name in a folder of its own and passing that folder in
``Templates(search_path=...)``: the host's folders are searched first. HTML templates
(``*.html.j2``) are autoescaped; text templates are not. Inside a template, ``_()``,
``gettext()`` and ``ngettext()`` translate into the language the text is rendered in,
and messages are extracted into the catalogue by ``pybabel extract`` like the code's.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

import attrs
import jinja2
import markupsafe

from clientflow.core import ValidationError, continued
from clientflow.i18n.language import Language, language

__all__ = ["TEMPLATE_FOLDER", "Templates"]

TEMPLATE_FOLDER = Path(__file__).resolve().parent.parent / "templates"
"""Where clientflow's own templates are (the last folder searched)."""


def _folders(value: Sequence[str | Path]) -> tuple[str, ...]:
    if isinstance(value, str | Path):
        value = [value]
    folders = tuple(str(Path(folder)) for folder in value)
    for folder in folders:
        if not Path(folder).is_dir():
            raise ValidationError("search_path", "folders that exist", got=folder)
    return folders


@attrs.frozen
class Templates:
    """Where templates are found: the host's folders (``search_path``) first, then
    clientflow's own.

    >>> from clientflow.i18n import language
    >>> Templates().render("greeting.txt.j2", language("zh_CN"), holiday="国庆节",
    ...                    client="Lotus Bank", sender="李伟").splitlines()[0]
    '尊敬的Lotus Bank各位领导、朋友：'
    """  # noqa: D205

    search_path: tuple[str, ...] = attrs.field(default=(), converter=_folders)

    def render(self, name: str, lang: Language | None = None, /, **context: object) -> str:
        """Render template ``name`` with ``context``, translated into ``lang`` (English)."""
        lang = lang or language("en")
        try:
            template = _environment(self.search_path).get_template(name)
        except jinja2.TemplateNotFound:
            raise ValidationError(
                "template", f"a template in {', '.join(self.folders)}", got=name
            ) from None
        speech = {"_": lang.gettext, "gettext": lang.gettext, "ngettext": lang.ngettext}
        return template.render({**context, **speech, "lang": lang})

    def has(self, name: str) -> bool:
        """Whether one of the folders holds template ``name`` (a broken one raises
        jinja2's error)."""  # noqa: D205, D209
        try:
            _environment(self.search_path).get_template(name)
        except jinja2.TemplateNotFound:
            return False
        return True

    @property
    def folders(self) -> tuple[str, ...]:
        """Every folder searched, in order."""
        return (*self.search_path, str(TEMPLATE_FOLDER))


CONTINUATION = "    "
"""How continuation lines of a multi-line value are indented in a rendered text."""


def _in_place(value: object) -> object:
    """Every value a template prints stays in its place: a note's second line is indented
    (:func:`~clientflow.core.continued`), so a client's text can never start a heading or
    a ``- FORGED`` item of its own in a report, an agenda or a letter. Markup (HTML
    marked safe, such as charts) is left as it is; HTML ignores the indent anyway."""  # noqa: D205, D209
    if isinstance(value, str) and not isinstance(value, markupsafe.Markup) and "\n" in value:
        return continued(value, CONTINUATION)
    return value


@functools.lru_cache(maxsize=32)
def _environment(search_path: tuple[str, ...]) -> jinja2.Environment:
    """One environment per search path, so compiled templates are kept between renders."""
    loader = jinja2.FileSystemLoader([*search_path, str(TEMPLATE_FOLDER)])
    environment = jinja2.Environment(
        loader=loader,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2")),
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_in_place,
    )
    # The i18n extension's `_` looks up `gettext` in each render's context: one shared
    # environment serves every language at once, without installing global callables.
    return environment
