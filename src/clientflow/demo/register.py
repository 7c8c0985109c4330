"""The demo's risk register: one story per client, scripted at fixed instants.

No random draws, so adding the register leaves the rest of the seeded story as it was.
ACME's vendor-delay risk is the one ``docs/risks.md`` follows: assessed high, mitigated,
its review missed over National Day, triggered into a P2 issue that is then resolved.
"""

from __future__ import annotations

import pendulum

from clientflow.core import Actor, Money, WorkingDays
from clientflow.demo.simulation import Simulation
from clientflow.demo.texts import written
from clientflow.risks import PlannedAction

__all__ = ["seed_risks"]

PM = Actor("li.wei", {"pm"})
ENGINEER = Actor("chen.jie", {"engineer"})
SHANGHAI = "Asia/Shanghai"


def _at(month: int, day: int, hour: int = 10) -> pendulum.DateTime:
    return pendulum.datetime(2026, month, day, hour, tz=SHANGHAI)


def seed_risks(sim: Simulation, *, locale: str = "en") -> None:
    """Schedule the four clients' risks on the simulation's workspace, written in
    ``locale``'s language."""  # noqa: D205, D209
    risks, issues, at = sim.workspace.risks, sim.workspace.issues, sim.at

    def w(text: str) -> str:
        return written(text, locale)

    def identify(risk_id: str, client: str, title: str, category: str, **story: str) -> None:
        project = sim.workspace.rules.client(client).projects[0]
        at(
            _at(9, 7),
            lambda: risks.identify(
                risk_id,
                by=PM,
                client=client,
                project=project,
                title=title,
                owner=PM.id,
                category=category,
                cause=story["cause"],
                event=story["event"],
                effect=story["effect"],
                client_visible=story.get("visible", "yes") == "yes",
            ),
        )

    identify(
        "RSK-ACME-1",
        "acme",
        w("Vendor delivers the legacy export late"),
        "vendor",
        cause=w("the vendor has one DBA on our account"),
        event=w("the legacy export slips past 30 September"),
        effect=w("push the cut-over past the client's freeze"),
    )
    at(
        _at(9, 21),
        lambda: risks.assess(
            "RSK-ACME-1",
            by=PM,
            probability=3,
            impact=4,
            likelihood="0.5",
            cost=Money("80000", "USD"),
        ),
    )
    at(
        _at(9, 21, 11),
        lambda: risks.plan_response(
            "RSK-ACME-1",
            by=PM,
            strategy="mitigate",
            actions=[
                PlannedAction(
                    "A1", w("Second DBA from the vendor's bench"), "chen.jie", WorkingDays(3)
                ),
                PlannedAction(
                    "A2", w("Dry-run the export on a replica"), "zhou.min", WorkingDays(5)
                ),
            ],
            trigger=w("export not started by 28 September"),
            contingency=w("export from our read replica"),
            residual=(2, 4),
        ),
    )
    at(_at(9, 21, 12), lambda: risks.start_monitoring("RSK-ACME-1", by=PM))
    at(_at(9, 24, 9), lambda: risks.complete_action("RSK-ACME-1", by=PM, action="A1"))
    at(
        _at(10, 9),
        lambda: risks.trigger(
            "RSK-ACME-1", by=PM, issue_id="ACME-RISK-1", note=w("the export has not started")
        ),
    )
    at(_at(10, 9, 21), lambda: issues.acknowledge("ACME-RISK-1", by=ENGINEER))
    at(
        _at(10, 12, 23),
        lambda: issues.resolve(
            "ACME-RISK-1", by=ENGINEER, resolution=w("exported from the replica")
        ),
    )
    at(_at(10, 13, 22), lambda: risks.close("RSK-ACME-1", by=PM, reason="resolved"))

    identify(
        "RSK-LOTUS-1",
        "lotus",
        w("Change requests keep widening the scope"),
        "scope",
        cause=w("the sponsor approves features without the steering group"),
        event=w("approved changes pass the 5 % creep threshold"),
        effect=w("cost the fixed price its margin"),
    )
    at(
        _at(9, 8),
        lambda: risks.assess(
            "RSK-LOTUS-1",
            by=PM,
            probability=4,
            impact=4,
            likelihood="0.7",
            cost=Money("120000", "CNY"),
        ),
    )
    at(
        _at(9, 8, 14),
        lambda: risks.plan_response(
            "RSK-LOTUS-1",
            by=PM,
            strategy="mitigate",
            actions=[
                PlannedAction(
                    "B1", w("Steering group signs off every change"), "li.wei", WorkingDays(5)
                )
            ],
            trigger=w("a change approved outside the steering group"),
        ),
    )
    at(_at(9, 8, 15), lambda: risks.start_monitoring("RSK-LOTUS-1", by=PM))
    at(_at(9, 14), lambda: risks.complete_action("RSK-LOTUS-1", by=PM, action="B1"))
    for week in range(1, 12):  # reviewed weekly, as a critical risk must be
        at(_at(9, 8, 16).add(weeks=week), lambda: risks.review("RSK-LOTUS-1", by=PM))

    identify(
        "RSK-NW-1",
        "northwind",
        w("The only routing engineer may leave"),
        "resource",
        cause=w("one engineer knows the route optimiser"),
        event=w("the engineer leaves during the rewrite"),
        effect=w("stall the optimiser replacement"),
        visible="no",
    )
    at(_at(9, 10), lambda: risks.assess("RSK-NW-1", by=PM, probability=3, impact=5))

    identify(
        "RSK-SAK-1",
        "sakura",
        w("FAQ content late from the client"),
        "client",
        cause=w("the client's legal team reviews every page"),
        event=w("the FAQ text arrives after the release date"),
        effect=w("ship the portal without its FAQ"),
    )
    at(_at(9, 9), lambda: risks.assess("RSK-SAK-1", by=PM, probability=2, impact=2))
    at(
        _at(10, 20),
        lambda: risks.close(
            "RSK-SAK-1", by=PM, reason="expired", note=w("the FAQ went live on time")
        ),
    )
