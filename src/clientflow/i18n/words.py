"""Words for the core's own values, as message ids (translated where they are shown)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from clientflow.core import Rating
from clientflow.i18n.language import N_

__all__ = ["RATING_WORDS"]

RATING_WORDS: Mapping[Rating, str] = MappingProxyType(
    {
        Rating.LOW: N_("low"),
        Rating.MEDIUM: N_("medium"),
        Rating.HIGH: N_("high"),
        Rating.CRITICAL: N_("critical"),
    }
)
"""Each rating as a message id: a change's risk, a risk's rating."""
