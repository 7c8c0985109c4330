"""Display names for the ids of clients, projects and people, in what people read."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

__all__ = ["Names"]


@attrs.frozen
class Names:
    """What people call clients, projects and people by id; ids stay in JSON forms.

    An id the names do not list reads as itself, so a text is never left without one.

    >>> names = Names(clients={"mingzhu": "明珠银行"})
    >>> names.client("mingzhu"), names.project("mingzhu-app")
    ('明珠银行', 'mingzhu-app')
    """

    clients: Mapping[str, str] = attrs.field(factory=dict)
    projects: Mapping[str, str] = attrs.field(factory=dict)
    people: Mapping[str, str] = attrs.field(factory=dict)

    def client(self, client_id: str) -> str:
        """The client's display name (its id if unnamed)."""
        return self.clients.get(client_id, client_id)

    def project(self, project_id: str) -> str:
        """The project's display name (its id if unnamed)."""
        return self.projects.get(project_id, project_id)

    def person(self, person_id: str) -> str:
        """The person's name (their id if unnamed)."""
        return self.people.get(person_id, person_id)
