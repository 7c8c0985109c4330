"""Text for people, in their language: gettext catalogues (Babel) and local date formats.

Catalogues live in ``clientflow/i18n/locale/<locale>/LC_MESSAGES/clientflow.po`` (and the
compiled ``.mo`` beside it, shipped in the wheel). Adding a locale needs no code: run
``pybabel init -D clientflow -i src/clientflow/i18n/clientflow.pot -d
src/clientflow/i18n/locale -l ja``, translate the ``.po``, ``pybabel compile -D clientflow
-d src/clientflow/i18n/locale``; the tests then insist every message has a translation.

>>> zh = language("zh_CN")
>>> zh.gettext("none")
'无'
>>> language("tlh")
Traceback (most recent call last):
...
clientflow.core.errors.ValidationError: locale: expected one of en, zh_CN, got 'tlh'
"""

from clientflow.i18n.language import DOMAIN, LOCALES, N_, Language, language
from clientflow.i18n.templates import TEMPLATE_FOLDER, Templates
from clientflow.i18n.words import RATING_WORDS

__all__ = [
    "DOMAIN",
    "LOCALES",
    "N_",
    "RATING_WORDS",
    "TEMPLATE_FOLDER",
    "Language",
    "Templates",
    "language",
]
