"""The demo portfolio: four clients, 90 days of issues, feedback, changes and meetings.

Seeded, so every run tells the same story: Lotus Bank (Shanghai) is served fast but
keeps approving changes until its scope creeps; ACME Retail (New York) and Sakura
Insurance (Tokyo) run smoothly; Northwind Logistics (London) gets slow answers, missed
status reports and falling satisfaction, and its issues escalate.
"""

from __future__ import annotations

import random
from decimal import Decimal
from functools import partial

import attrs
import pendulum

from clientflow import cadence, changes, escalation, feedback
from clientflow.core import Actor, BusinessCalendar, BusinessSpan
from clientflow.demo.simulation import Simulation
from clientflow.demo.texts import written

__all__ = ["PROFILES", "Profile", "seed"]

PM = Actor("li.wei", {"pm"})
ENGINEER = Actor("chen.jie", {"engineer"})
DIRECTOR = Actor("wang.fang", {"account-director"})


@attrs.frozen
class Profile:
    """How a client relationship behaves in the simulation."""

    client: str
    contact: str
    sponsor: str
    currency: str
    speed: float  # fraction of the SLA target the team typically needs
    reply_hours: float  # business hours to answer a client message
    miss_report: float  # chance a status report is not sent
    csat: tuple[float, float]  # mean CSAT at the start and at the end
    nps: tuple[float, float]
    issue_every_days: float
    requests: tuple[tuple[int, str, changes.Risk, bool, int, int], ...]
    # day, title, risk, in scope, schedule days, cost


PROFILES = (
    Profile(
        "lotus",
        "zhang.lan",
        "zhao.min",
        "CNY",
        0.45,
        1.5,
        0.05,
        (4.0, 4.5),
        (7.5, 8.8),
        6.0,
        (
            (5, "Fix the typo on the statement page", changes.Risk.LOW, True, 0, 0),
            (12, "Add WeChat Pay to the mobile app", changes.Risk.HIGH, False, 8, 45_000),
            (34, "Biometric login", changes.Risk.HIGH, False, 6, 38_000),
            (61, "Quarterly report export to Excel", changes.Risk.MEDIUM, False, 2, 9_000),
        ),
    ),
    Profile(
        "acme",
        "amy",
        "grace",
        "USD",
        0.55,
        2.0,
        0.05,
        (4.2, 4.3),
        (8.0, 8.2),
        8.0,
        (
            (9, "Holiday banner on the home page", changes.Risk.LOW, True, 0, 0),
            (40, "Gift cards", changes.Risk.HIGH, False, 5, 12_000),
        ),
    ),
    Profile(
        "northwind",
        "tom",
        "oliver",
        "GBP",
        1.25,
        7.0,
        0.35,
        (3.8, 2.6),
        (7.0, 4.5),
        4.5,
        (
            (20, "Track parcels by SMS", changes.Risk.MEDIUM, False, 3, 6_000),
            (55, "Replace the route optimiser", changes.Risk.CRITICAL, False, 20, 90_000),
        ),
    ),
    Profile(
        "sakura",
        "yuki",
        "kenji",
        "JPY",
        0.5,
        2.5,
        0.0,
        (4.4, 4.6),
        (8.5, 9.0),
        12.0,
        ((30, "Add a claims FAQ page", changes.Risk.LOW, True, 0, 0),),
    ),
)
"""The four clients of the demo and how each relationship behaves."""


def _working(calendar: BusinessCalendar, day: pendulum.DateTime, hour: float) -> pendulum.DateTime:
    """The first working instant at or after ``hour`` o'clock local on ``day``."""
    local = day.in_timezone(calendar.timezone).start_of("day").add(minutes=int(hour * 60))
    return calendar.next_working_time(local)


def seed(sim: Simulation, days: int, rng: random.Random, *, locale: str = "en") -> None:
    """Schedule every client's ``days`` on the simulation's workspace; what people write
    (titles, notes) is in ``locale``'s language."""  # noqa: D205, D209
    end = sim.start.add(days=days)
    for profile in PROFILES:
        _Client(sim, profile, rng, end, locale).schedule(days)


class _Client:
    """One client's story, as workspace calls at scheduled instants."""

    def __init__(
        self,
        sim: Simulation,
        profile: Profile,
        rng: random.Random,
        end: pendulum.DateTime,
        locale: str,
    ) -> None:
        self.sim, self.profile, self.rng, self.end = sim, profile, rng, end
        self.locale = locale
        self.ws = sim.workspace
        self.rules = self.ws.rules
        self.id = profile.client
        self.project = self.rules.client(self.id).projects[0]
        self.calendar = self.rules.calendar_for(self.id)
        self.contact = Actor(profile.contact, {"client"})

    def schedule(self, days: int) -> None:
        self._plan()
        issue_day, number = self.rng.expovariate(1 / self.profile.issue_every_days), 0
        while issue_day < days:
            number += 1
            self._issue(number, self.sim.start.add(days=int(issue_day)))
            issue_day += self.rng.expovariate(1 / self.profile.issue_every_days)
        for week in range(days // 7):
            self._feedback(week, days)
        for spec in self.profile.requests:
            self._change(spec)

    # --- communication plan --------------------------------------------------------

    def _plan(self) -> None:
        plan_id = f"plan-{self.id}"
        template = self.rules.plans[self.rules.client(self.id).plan or ""]
        schedule = self.rules.schedule_for(self.id)
        plans = self.ws.plans
        self.sim.at(
            self.sim.start,
            lambda: plans.create(plan_id, by=PM, client=self.id, project=self.project),
        )
        counter = 0
        for item in template.items:
            for occurrence in schedule.between(
                item, self.calendar.timezone, self.sim.start, self.end
            ):
                if (
                    item.kind is cadence.ItemKind.STATUS_REPORT
                    and self.rng.random() < self.profile.miss_report
                ):
                    continue
                counter += 1
                sent = occurrence.at.add(minutes=self.rng.randint(0, 90))
                self._touch(plan_id, f"t{counter}", cadence.Direction.OUTBOUND, sent, item)
        day = 1
        while day < (self.end - self.sim.start).days:
            asked = _working(self.calendar, self.sim.start.add(days=day), self.rng.uniform(9, 15))
            counter += 1
            self._touch(plan_id, f"t{counter}", cadence.Direction.INBOUND, asked, None)
            hours = self.rng.uniform(0.3, 1.6) * self.profile.reply_hours
            counter += 1
            replied = self.calendar.add(asked, pendulum.duration(minutes=int(hours * 60)))
            self._touch(plan_id, f"t{counter}", cadence.Direction.OUTBOUND, replied, None)
            day += self.rng.randint(2, 4)

    def _touch(
        self,
        plan_id: str,
        touch_id: str,
        direction: cadence.Direction,
        at: pendulum.DateTime,
        item: cadence.PlanItem | None,
    ) -> None:
        touchpoint = cadence.Touchpoint(
            touch_id,
            direction,
            item.channel if item else cadence.Channel.EMAIL,
            at,
            participants=(self.profile.contact,),
            kind=item.kind if item else None,
            item_id=item.id if item else None,
            summary=item.label() if item else self.written("client question"),
        )
        plans = self.ws.plans
        self.sim.at(
            at.add(minutes=5),
            lambda: plans.record_touchpoint(plan_id, by=PM, touchpoint=touchpoint),
        )

    def written(self, text: str) -> str:
        """``text`` as the team writes it in the demo's language."""
        return written(text, self.locale)

    def issue_title(self, kind: escalation.IssueKind, number: int) -> str:
        """The issue's title: "Issue #3 in lotus-app", "问题 #3：莲花银行手机银行"."""
        if self.locale == "en":
            return f"{kind.value.title()} #{number} in {self.project}"
        project = self.rules.project_name(self.project)
        return f"{self.written(kind.value.title())} #{number}：{project}"

    # --- issues -----------------------------------------------------------------------

    def _issue(self, number: int, day: pendulum.DateTime) -> None:
        issue_id = f"{self.id[:3].upper()}-{number}"
        kind = (
            escalation.IssueKind.COMPLAINT
            if self.rng.random() < 0.08
            else escalation.IssueKind.ISSUE
        )
        priority = self.rng.choices(("P1", "P2", "P3"), weights=(1, 3, 6))[0]
        reported = _working(self.calendar, day, self.rng.uniform(9, 16))
        assert self.rules.sla is not None
        policy = self.rules.sla.select(kind, self.id, self.project)
        targets = next(t for t in policy.targets if t.priority == priority)
        cal, issues = self.calendar, self.ws.issues

        def later(
            start: pendulum.DateTime, target: BusinessSpan, share: float
        ) -> pendulum.DateTime:
            spread = self.rng.uniform(0.4, 1.3) * self.profile.speed * share
            hours = cal.span(start, target)  # the target as business time from start
            return cal.add(start, pendulum.duration(seconds=int(hours.total_seconds() * spread)))

        acknowledged = later(reported, targets.first_response, 1.0)
        proposed = later(acknowledged, targets.resolution, 0.7)
        resolved = later(acknowledged, targets.resolution, 1.0)
        if resolved <= proposed:
            resolved = proposed.add(minutes=30)
        at = self.sim.at
        at(
            reported,
            lambda: issues.report(
                issue_id,
                by=self.contact,
                kind=kind,
                client=self.id,
                project=self.project,
                title=self.issue_title(kind, number),
                priority=priority,
                owner=ENGINEER.id,
            ),
        )
        at(acknowledged, lambda: issues.acknowledge(issue_id, by=ENGINEER))
        at(acknowledged.add(minutes=10), lambda: issues.start_investigation(issue_id, by=ENGINEER))
        solution = self.written("patch deployed to staging")
        at(proposed, lambda: issues.propose_solution(issue_id, by=ENGINEER, solution=solution))
        fixed = self.written("fixed in production")
        at(resolved, lambda: issues.resolve(issue_id, by=ENGINEER, resolution=fixed))
        at(resolved.add(days=2), lambda: issues.close(issue_id, by=PM))

    # --- feedback ---------------------------------------------------------------------

    def _feedback(self, week: int, days: int) -> None:
        share = week * 7 / days
        csat_mean = self.profile.csat[0] + (self.profile.csat[1] - self.profile.csat[0]) * share
        nps_mean = self.profile.nps[0] + (self.profile.nps[1] - self.profile.nps[0]) * share
        csat = min(5, max(1, round(self.rng.gauss(csat_mean, 0.7))))
        nps = min(10, max(0, round(self.rng.gauss(nps_mean, 1.4))))
        feedback_id = f"FB-{self.id}-{week + 1}"
        received = _working(
            self.calendar, self.sim.start.add(days=week * 7 + self.rng.randint(0, 4)), 11
        )
        cal, service = self.calendar, self.ws.feedback
        triaged = cal.add(received, pendulum.duration(minutes=self.rng.randint(20, 200)))
        steps = {
            "thank": lambda: service.thank(feedback_id, by=PM, message=self.written("Thank you!")),
            "assign": lambda: service.assign(feedback_id, by=PM, owner=PM.id),
            "contact": lambda: service.record_contact(
                feedback_id, by=PM, note=self.written("called the client")
            ),
            "plan": lambda: service.plan_action(
                feedback_id, by=PM, plan=self.written("weekly demo of fixes")
            ),
            "complete": lambda: service.complete_action(feedback_id, by=PM),
            "confirm": lambda: service.confirm(feedback_id, by=PM),
            "close": lambda: service.close(feedback_id, by=PM),
        }

        def after_triage(item: feedback.Feedback) -> None:
            at = triaged
            if item.sentiment is feedback.Sentiment.POSITIVE:
                names = ["thank", "close"]
            else:
                names = ["assign", "contact", "plan", "complete", "confirm", "close"]
            for name in names:
                hours = self.rng.uniform(0.5, 6) * self.profile.speed * 2
                at = cal.add(at, pendulum.duration(minutes=int(hours * 60)))
                self.sim.at(at, steps[name])

        self.sim.at(
            received,
            lambda: service.receive(
                feedback_id,
                by=self.contact,
                client=self.id,
                project=self.project,
                contact=self.profile.contact,
                channel=feedback.Channel.SURVEY,
                text=self.written("monthly pulse survey"),
                csat=csat,
                nps=nps,
            ),
        )
        self.sim.at(triaged, lambda: service.triage(feedback_id, by=PM), then=after_triage)

    # --- change requests --------------------------------------------------------------

    def _change(self, spec: tuple[int, str, changes.Risk, bool, int, int]) -> None:
        day, title, risk, in_scope, schedule, cost = spec
        change_id = f"CR-{self.id}-{day}"
        asked = _working(self.calendar, self.sim.start.add(days=day), 10)
        impact = changes.Impact(
            schedule_days=schedule,
            cost=changes.Money(cost, self.profile.currency),
            effort_hours=Decimal(4 + 12 * schedule),
            risk=risk,
            in_scope=in_scope,
            priority=changes.Priority.SHOULD,
        )
        policy = self.rules.approval_for(self.id)
        cal, contact, service, at = self.calendar, self.contact, self.ws.changes, self.sim.at

        hour = pendulum.duration(hours=1)
        title = self.written(title)
        at(asked, lambda: service.request(change_id, by=contact, project=self.project, title=title))
        at(asked.add(minutes=5), lambda: service.submit(change_id, by=contact))
        assessed = cal.add(asked, pendulum.duration(hours=self.rng.randint(2, 8)))
        at(assessed, lambda: service.assess(change_id, by=PM, impact=impact))
        verdict = (
            changes.Verdict.REJECT if risk is changes.Risk.CRITICAL else changes.Verdict.APPROVE
        )
        comment = (
            self.written("too risky for this release") if verdict is changes.Verdict.REJECT else ""
        )

        def votes(change: changes.ChangeRequest) -> None:
            """Each stage of the chosen route votes; Northwind's sponsor answers late."""
            route = next(r for r in policy.routes if r.name == change.route)
            wait = 30 if self.id == "northwind" else self.rng.randint(2, 12)
            voted = cal.add(assessed, hour * wait)
            for stage in route.stages:
                for group in stage:
                    vote = partial(service.vote, change_id, by=self._voter(group))
                    at(voted, partial(vote, verdict=verdict, comment=comment))
                voted = cal.add(voted, hour * self.rng.randint(1, 6))
            if verdict is changes.Verdict.REJECT:
                return
            done = cal.add(voted, hour * 8 * max(impact.schedule_days, 1))
            at(done, lambda: service.implement(change_id, by=PM))
            at(done.add(days=1), lambda: service.close(change_id, by=PM))

        at(assessed.add(minutes=5), lambda: service.request_approval(change_id, by=PM), then=votes)

    def _voter(self, group: changes.ApproverGroup) -> Actor:
        if "client-sponsor" in group.roles:
            return Actor(self.profile.sponsor, {"client-sponsor"})
        role = sorted(group.roles)[0]
        return Actor(self.rules.directory[role][0], {role})
