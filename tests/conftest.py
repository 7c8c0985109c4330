"""Test-wide settings.

Hypothesis' per-example deadline is a timing assertion, and timing is not asserted in
unit tests here (benchmarks/ measures it), so it is off; CI runs more examples.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("default", deadline=None)
settings.register_profile("ci", deadline=None, max_examples=200, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") == "true" else "default")
