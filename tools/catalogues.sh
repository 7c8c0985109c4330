#!/usr/bin/env bash
# Refresh the message catalogues after changing a marked text: extract the template,
# merge it into each locale's .po (new messages arrive untranslated: translate them),
# compile the .mo files that ship. tests/test_i18n.py checks all three are in step.
set -euo pipefail
cd "$(dirname "$0")/.."
I18N=src/clientflow/i18n
pybabel extract -F babel.cfg -k N_ -k ngettext:1,2 --no-location --sort-output \
  --project clientflow --copyright-holder "clientflow maintainers" -o "$I18N/clientflow.pot" . 2>/dev/null
pybabel update -D clientflow -i "$I18N/clientflow.pot" -d "$I18N/locale" \
  --ignore-obsolete --no-fuzzy-matching --ignore-pot-creation-date -w 100 2>/dev/null
pybabel compile --use-fuzzy -D clientflow -d "$I18N/locale" 2>/dev/null
# A template whose only change is its creation date is left as it was.
if [ "$(git diff --numstat -- "$I18N/clientflow.pot" | cut -f1)" = "1" ]; then
  git checkout -q -- "$I18N/clientflow.pot"
fi
git --no-pager diff --stat -- "$I18N" || true
