"""What the team sends a contact: a survey invitation and a thank-you note, in their language."""

from __future__ import annotations

from clientflow.core import Names, ValidationError
from clientflow.feedback.model import ContactSurveys, Feedback, Sentiment
from clientflow.i18n import Language, Templates, language

__all__ = ["survey_invitation", "thank_you_note"]


def survey_invitation(
    surveys: ContactSurveys,
    survey_id: str,
    *,
    project: str,
    link: str,
    sender: str,
    timezone: str,
    name: str | None = None,
    names: Names | None = None,
    lang: Language | None = None,
    templates: Templates | None = None,
) -> str:
    """The invitation to a survey that was sent: the link, and until when it is open in
    the contact's ``timezone`` (template ``survey_invitation.txt.j2``).

    ``name`` is how the contact is addressed (default: their name in ``names``, e.g.
    ``Rules.names()``, else the contact id); ``project`` is the project's display name.
    """  # noqa: D205
    lang = lang or language("en")
    record = next((r for r in surveys.surveys if r.id == survey_id), None)
    if record is None or record.expires_at is None:
        sent = ", ".join(r.id for r in surveys.surveys if r.expires_at is not None) or "none"
        raise ValidationError("survey_id", f"a survey sent to this contact ({sent})", got=survey_id)
    return (templates or Templates()).render(
        "survey_invitation.txt.j2",
        lang,
        contact=name or (names or Names()).person(surveys.contact),
        project=project,
        link=link,
        until=lang.instant(record.expires_at, timezone),
        sender=sender,
    )


def thank_you_note(
    feedback: Feedback,
    *,
    sender: str,
    name: str | None = None,
    names: Names | None = None,
    note: str = "",
    lang: Language | None = None,
    templates: Templates | None = None,
) -> str:
    """The thanks for positive feedback (template ``thank_you.txt.j2``); ``note`` is a
    personal line the sender adds. Other feedback is followed up, not thanked.

    The contact and the project are called by their names in ``names`` (e.g.
    ``Rules.names()``), not their ids; ``name`` overrides how the contact is addressed.
    """  # noqa: D205
    if feedback.sentiment is not Sentiment.POSITIVE:
        raise ValidationError(
            "feedback", "positive feedback (others are followed up)", got=feedback.id
        )
    return (templates or Templates()).render(
        "thank_you.txt.j2",
        lang or language("en"),
        contact=name or (names or Names()).person(feedback.contact),
        project=(names or Names()).project(feedback.project),
        note=note,
        sender=sender,
    )
