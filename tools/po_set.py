"""Set translations in a locale's .po by msgid, keeping the file's layout.

    python tools/po_set.py src/clientflow/i18n/locale/zh_CN/LC_MESSAGES/clientflow.po edits.json

``edits.json`` maps each msgid to its new msgstr. Run tools/catalogues.sh afterwards to
compile the .mo files.
"""

import json
import sys

from babel.messages.pofile import read_po, write_po

path = sys.argv[1]
with open(sys.argv[2], encoding="utf-8") as given:
    edits = json.load(given)
with open(path, "rb") as f:
    cat = read_po(f, locale=path.split("/locale/")[1].split("/")[0])
for mid, text in edits.items():
    m = cat.get(mid)
    assert m is not None, mid
    m.string = tuple(text) if isinstance(text, list) else text
    m.flags.discard("fuzzy")
with open(path, "wb") as f:
    write_po(f, cat, width=100, omit_header=False)
