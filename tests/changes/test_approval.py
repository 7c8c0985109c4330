"""Approval routing and voting: every policy mode, delegation, deadlines and rework."""

from __future__ import annotations

import attrs
import pendulum
import pytest

import clientflow
from clientflow import Actor, PermissionDenied, TransitionNotAllowed, ValidationError
from clientflow.changes import (
    EVENTS,
    ApprovalPolicy,
    ApproverGroup,
    ChangeRequest,
    Delegation,
    GroupTally,
    Impact,
    Mode,
    Money,
    OnRejection,
    Outcome,
    Priority,
    QuorumBase,
    Risk,
    Route,
    Verdict,
    apply,
    assess,
    cast_vote,
    defer,
    escalate_overdue,
    impact_summary,
    request_approval,
    request_change,
    send_back,
    submit,
)
from clientflow.core import rebuild
from clientflow.i18n import language
from tests.changes.fixtures import (
    ANNA,
    CALENDAR,
    DIRECTOR,
    DIRECTORY,
    NOW,
    OUTSIDER,
    PM1,
    PM2,
    PM3,
    POLICY,
    SPONSOR,
    H,
    assessed,
    awaiting,
    impact,
)

APPROVE, REJECT = Verdict.APPROVE, Verdict.REJECT
LATER = NOW.add(hours=2)


def one_group(
    group: ApproverGroup, on_rejection: OnRejection = OnRejection.REJECT
) -> ApprovalPolicy:
    return ApprovalPolicy(routes=(Route("only", stages=((group,),)),), on_rejection=on_rejection)


def vote(
    change: ChangeRequest, actor: Actor, verdict: Verdict = APPROVE, **kw: object
) -> ChangeRequest:
    return cast_vote(change, actor, verdict, LATER, **kw).aggregate  # type: ignore[arg-type]


class TestRouting:
    def test_small_in_scope_change_is_a_standard_change_approved_automatically(self) -> None:
        """Low risk, in scope, under the thresholds: approved at once, the rule recorded."""
        small = impact(risk=Risk.LOW, cost=800, days=1, in_scope=True)
        decision = request_approval(
            assessed(small), POLICY, directory=DIRECTORY, calendar=CALENDAR, actor=PM1, now=LATER
        )
        assert decision.aggregate.status == "approved"
        assert decision.aggregate.route == "standard"
        assert [e.event_type for e in decision.events] == ["change.approved"]
        assert decision.events[0].automatic  # type: ignore[attr-defined]

    def test_high_risk_goes_to_sponsor_then_director(self) -> None:
        """First matching rule wins: high risk routes to two sequential stages."""
        change = awaiting(impact(risk=Risk.HIGH))
        assert change.route == "high-risk"
        assert change.round is not None
        assert change.round.pending() == {"sp1", "sp2"}

    def test_everything_else_falls_through_to_the_catch_all(self) -> None:
        """A medium-risk change reaches the PM quorum rule."""
        assert awaiting().route == "normal"

    def test_no_matching_rule_is_a_validation_error(self) -> None:
        """A policy without a catch-all says so instead of approving silently."""
        low_only = ApprovalPolicy(routes=(Route("low-only", when=POLICY.routes[0].when),))
        before = assessed()
        with pytest.raises(ValidationError, match="catch-all"):
            request_approval(
                before, low_only, directory=DIRECTORY, calendar=CALENDAR, actor=PM1, now=LATER
            )

    def test_mixing_currencies_is_an_error(self) -> None:
        """A USD change against a CNY threshold is refused, not converted."""
        usd = Impact(
            schedule_days=1,
            cost=Money(10, "USD"),
            effort_hours=1,
            risk=Risk.LOW,
            in_scope=True,
            priority=Priority.MUST,
        )
        with pytest.raises(ValidationError, match="currency"):
            request_approval(
                assessed(usd), POLICY, directory=DIRECTORY, calendar=CALENDAR, actor=PM1, now=LATER
            )


class TestModes:
    def test_quorum_completes_on_the_first_decisive_vote_and_later_votes_are_late(self) -> None:
        """Two of three PMs approve; the third vote is recorded as late and changes nothing."""
        change = vote(awaiting(), PM1)
        assert change.status == "awaiting_approval"
        change = vote(change, PM2)
        assert change.status == "approved"
        late = cast_vote(change, PM3, REJECT, LATER)
        assert late.aggregate.status == "approved"
        assert [e.event_type for e in late.events] == ["change.vote_cast"]
        assert late.aggregate.round is not None
        assert late.aggregate.round.votes[-1].late

    def test_all_mode_one_rejection_rejects_at_once(self) -> None:
        """With the default policy a single rejection ends the round."""
        change = awaiting(policy=one_group(ApproverGroup("pms", roles={"pm"}, mode=Mode.ALL)))
        change = vote(change, PM1)
        decision = cast_vote(change, PM2, REJECT, LATER)
        assert decision.aggregate.status == "rejected"
        assert decision.events[-1].rejected_by == ("pm2",)  # type: ignore[attr-defined]

    def test_all_mode_needs_everyone(self) -> None:
        """All three PMs must approve."""
        change = awaiting(policy=one_group(ApproverGroup("pms", roles={"pm"}, mode=Mode.ALL)))
        change = vote(vote(change, PM1), PM2)
        assert change.status == "awaiting_approval"
        assert vote(change, PM3).status == "approved"

    def test_wait_mode_keeps_collecting_until_the_threshold_is_out_of_reach(self) -> None:
        """Quorum 2 of 3 with 'wait': one rejection leaves it open, two reject it."""
        quorum = ApproverGroup("pms", roles={"pm"}, mode=Mode.QUORUM, quorum=2)
        policy = one_group(quorum, OnRejection.WAIT)
        change = vote(awaiting(policy=policy), PM1, REJECT)
        assert change.status == "awaiting_approval"
        change = vote(change, PM2, APPROVE)
        assert change.status == "awaiting_approval"
        assert vote(change, PM3, APPROVE).status == "approved"
        again = vote(vote(awaiting(policy=policy), PM1, REJECT), PM2, REJECT)
        assert again.status == "rejected"

    def test_percentage_rounds_up(self) -> None:
        """50 % of three approvers needs two approvals."""
        policy = one_group(ApproverGroup("pms", roles={"pm"}, mode=Mode.PERCENT, percent=50))
        change = awaiting(policy=policy)
        assert change.round is not None
        assert change.round.current[0].needed == 2
        assert vote(vote(change, PM1), PM2).status == "approved"

    def test_any_mode_first_vote_decides(self) -> None:
        """In an 'any' group the first approval approves."""
        policy = one_group(ApproverGroup("pms", roles={"pm"}, mode=Mode.ANY))
        assert vote(awaiting(policy=policy), PM3).status == "approved"
        assert vote(awaiting(policy=policy), PM3, REJECT).status == "rejected"

    def test_sequential_stages(self) -> None:
        """Stage two opens only when stage one approves; its approvers cannot vote early."""
        change = awaiting(impact(risk=Risk.HIGH))
        with pytest.raises(PermissionDenied, match="open stage"):
            vote(change, DIRECTOR)
        decision = cast_vote(change, SPONSOR, APPROVE, LATER)
        assert [e.event_type for e in decision.events] == [
            "change.vote_cast",
            "change.approval_stage_opened",
        ]
        assert decision.events[-1].approvers == ("ad1",)  # type: ignore[attr-defined]
        approved = vote(decision.aggregate, DIRECTOR)
        assert approved.status == "approved"
        assert approved.round is not None
        assert approved.round.outcome is Outcome.APPROVED

    def test_quorum_larger_than_the_eligible_approvers_is_refused(self) -> None:
        """A quorum of 4 among 3 PMs can never complete."""
        policy = one_group(ApproverGroup("pms", roles={"pm"}, mode=Mode.QUORUM, quorum=4))
        with pytest.raises(ValidationError, match="at most 3"):
            awaiting(policy=policy)

    def test_a_group_nobody_holds_is_refused(self) -> None:
        """Routing to a role nobody holds is a configuration error, found at request time."""
        policy = one_group(ApproverGroup("legal", roles={"legal"}))
        with pytest.raises(ValidationError, match=r"approvers\.legal"):
            awaiting(policy=policy)


class TestVotingRules:
    def test_requester_may_not_approve_their_own_change(self) -> None:
        """The requester is never an approver, even when they hold the role."""
        requester = Actor("anna", {"pm"})
        change = awaiting()
        with pytest.raises(PermissionDenied, match="is not the requester"):
            vote(change, requester)
        assert change.round is not None
        assert "anna" not in change.round.current[0].eligible

    def test_non_approver_is_refused(self) -> None:
        """Someone outside every group cannot vote."""
        with pytest.raises(PermissionDenied, match="is an approver of this round"):
            vote(awaiting(), OUTSIDER)

    def test_second_vote_is_an_error_not_an_overwrite(self) -> None:
        """One vote per approver; the aggregate is unchanged by the refused vote."""
        change = vote(awaiting(), PM1)
        with pytest.raises(ValidationError, match="one vote per approver"):
            vote(change, PM1, REJECT)
        assert change.round is not None
        assert change.round.current[0].approvals == {"pm1"}

    def test_mandatory_comment_on_rejection(self) -> None:
        """The director must say why when rejecting."""
        change = vote(awaiting(impact(risk=Risk.HIGH)), SPONSOR)
        with pytest.raises(ValidationError, match="comment"):
            vote(change, DIRECTOR, REJECT)
        rejected = vote(change, DIRECTOR, REJECT, comment="Budget frozen until Q3")
        assert rejected.status == "rejected"

    def test_dissent_after_the_round_is_kept(self) -> None:
        """A rejection arriving after approval is recorded in the history, marked late."""
        change = vote(vote(awaiting(), PM1), PM2)
        late = vote(change, PM3, REJECT, comment="I disagree")
        assert late.status == "approved"
        assert late.round is not None
        assert [(v.principal, v.late) for v in late.round.votes] == [
            ("pm1", False),
            ("pm2", False),
            ("pm3", True),
        ]

    def test_vote_outside_a_round_is_not_allowed(self) -> None:
        """Voting on an assessed change names the state and what is allowed."""
        with pytest.raises(TransitionNotAllowed) as caught:
            vote(assessed(), PM1)
        assert caught.value.state == "assessed"
        assert "request_approval" in caught.value.allowed


def delegating(*delegations: Delegation) -> ChangeRequest:
    """A change awaiting approval under a policy that records ``delegations``."""
    return awaiting(policy=attrs.evolve(POLICY, delegations=delegations))


class TestDelegation:
    def test_delegate_votes_for_the_delegator_and_both_are_recorded(self) -> None:
        """pm2 is away; pm9 votes in their name during the recorded delegation."""
        away = Delegation("pm2", "pm9", NOW, NOW.add(days=7))
        change = vote(vote(delegating(away), PM1), Actor("pm9"))
        assert change.status == "approved"
        assert change.round is not None
        record = change.round.votes[-1]
        assert (record.voter, record.principal) == ("pm9", "pm2")

    def test_a_delegation_the_policy_does_not_record_gives_no_vote(self) -> None:
        """A non-approver cannot vote by claiming a delegation of their own making."""
        claimed = Delegation("pm2", "mallory", NOW, NOW.add(days=7))
        with pytest.raises(PermissionDenied, match="delegation recorded in the approval policy"):
            vote(awaiting(), Actor("mallory"), delegations=[claimed])
        with pytest.raises(PermissionDenied, match="is an approver of this round"):
            vote(awaiting(), Actor("mallory"))
        recorded = Delegation("pm2", "pm9", NOW, NOW.add(days=7))
        stretched = Delegation("pm2", "pm9", NOW, NOW.add(days=70))
        with pytest.raises(PermissionDenied, match="recorded"):
            vote(delegating(recorded), Actor("pm9"), delegations=[stretched])
        assert vote(delegating(recorded), Actor("pm9"), delegations=[recorded]).round

    def test_expired_delegation_does_not_count(self) -> None:
        """Outside its period a delegation gives no right to vote."""
        past = Delegation("pm2", "pm9", NOW.subtract(days=7), NOW)
        with pytest.raises(PermissionDenied):
            vote(delegating(past), Actor("pm9"))

    def test_delegator_and_delegate_share_one_vote(self) -> None:
        """After the delegate voted, the delegator cannot vote again."""
        away = Delegation("pm2", "pm9", NOW, NOW.add(days=7))
        change = vote(delegating(away), Actor("pm9"))
        with pytest.raises(ValidationError, match="one vote"):
            vote(change, PM2)

    def test_requester_cannot_vote_as_a_delegate(self) -> None:
        """Delegation does not open a path around the four-eyes rule."""
        sneaky = Delegation("pm2", "anna", NOW, NOW.add(days=7))
        with pytest.raises(PermissionDenied, match="is not the requester"):
            vote(delegating(sneaky), ANNA)

    @pytest.mark.parametrize(
        ("fields", "problem"),
        [
            ({"start": "2026-03-02"}, "delegation period"),
            ({"end": None}, "delegation period"),
            ({"start": pendulum.naive(2026, 3, 2)}, "naive"),
            ({"delegate": "pm9 "}, "surrounding whitespace"),
            ({"delegator": 7}, "not a str"),
        ],
    )
    def test_a_malformed_delegation_is_a_validation_error(
        self, fields: dict[str, object], problem: str
    ) -> None:
        """Bad periods or ids are refused with what was wrong, never a TypeError."""
        base: dict[str, object] = {
            "delegator": "pm2",
            "delegate": "pm9",
            "start": NOW,
            "end": NOW.add(days=1),
        }
        with pytest.raises(ValidationError, match=problem):
            Delegation(**{**base, **fields})  # type: ignore[arg-type]


class TestDeadlines:
    def test_deadline_is_business_time_on_the_project_calendar(self) -> None:
        """16 working hours from Monday 11:00 Shanghai is Wednesday 11:00."""
        change = awaiting()
        assert change.next_deadline == CALENDAR.add(NOW.add(hours=1), H(hours=16))
        assert change.next_deadline == pendulum.datetime(2026, 3, 4, 11, tz="Asia/Shanghai")

    def test_escalation_fires_when_the_deadline_passes_and_repeats(self) -> None:
        """The escalation names who is told and who is still pending, then re-arms."""
        change = vote(awaiting(), PM1)
        due = change.next_deadline
        assert due is not None
        with pytest.raises(ValidationError, match="approval deadline"):
            escalate_overdue(change, CALENDAR, due.subtract(minutes=1))
        decision = escalate_overdue(change, CALENDAR, due)
        event = decision.events[0]
        assert event.actor == "system"
        assert event.notify == ("account-director",)  # type: ignore[attr-defined]
        assert event.pending == ("pm2", "pm3")  # type: ignore[attr-defined]
        assert decision.aggregate.next_deadline == CALENDAR.add(due, H(hours=8))
        assert decision.aggregate.status == "awaiting_approval"

    def test_decision_clears_the_deadline(self) -> None:
        """An approved change has no timer left."""
        assert vote(vote(awaiting(), PM1), PM2).next_deadline is None


class TestReworkAndDeferral:
    def test_sent_back_change_gets_a_new_round_after_reassessment(self) -> None:
        """An approver asks for a new estimate; the next request opens round 2."""
        change = vote(awaiting(), PM1)
        with pytest.raises(PermissionDenied):
            send_back(change, OUTSIDER, "numbers look off", LATER)
        back = send_back(change, PM2, "Effort looks underestimated", LATER).aggregate
        assert back.status == "submitted"
        assert back.round is not None
        assert back.round.outcome is Outcome.SENT_BACK
        reassessed = assess(back, impact(cost=30000), PM1, LATER).aggregate
        again = request_approval(
            reassessed, POLICY, directory=DIRECTORY, calendar=CALENDAR, actor=PM1, now=LATER
        ).aggregate
        assert again.round is not None
        assert again.round.number == 2
        assert again.round.votes == ()

    def test_deferred_change_names_its_release_and_can_be_resubmitted(self) -> None:
        """Deferral keeps the change alive for a later version."""
        deferred = defer(awaiting(), "v2.1", PM1, LATER, reason="after launch").aggregate
        assert (deferred.status, deferred.release) == ("deferred", "v2.1")
        assert deferred.next_deadline is None
        with pytest.raises(ValidationError, match="release"):
            defer(assessed(), " ", PM1, LATER)
        resubmitted = submit(deferred, ANNA, LATER.add(days=30)).aggregate
        assert resubmitted.status == "submitted"
        assert resubmitted.release is None


def test_history_rebuilds_the_live_aggregate_through_json() -> None:
    """Every event of a full two-stage approval survives storage and rebuilds the same change."""
    events = []
    decision = request_change(
        "CR-9", project="apollo", title="SSO", description="", requester=ANNA, now=NOW
    )
    events += decision.events
    for step in (
        lambda c: submit(c, ANNA, NOW),
        lambda c: assess(c, impact(risk=Risk.HIGH), PM1, NOW),
        lambda c: request_approval(
            c, POLICY, directory=DIRECTORY, calendar=CALENDAR, actor=PM1, now=NOW
        ),
        lambda c: cast_vote(c, SPONSOR, APPROVE, LATER),
        lambda c: escalate_overdue(c, CALENDAR, c.next_deadline),
        lambda c: cast_vote(c, DIRECTOR, APPROVE, LATER.add(days=3)),
        lambda c: cast_vote(c, Actor("sp2", {"client-sponsor"}), REJECT, LATER.add(days=4)),
    ):
        decision = step(decision.aggregate)
        events += decision.events
    stored = [EVENTS.decode(*EVENTS.encode(event)) for event in events]
    assert stored == events
    assert rebuild(apply, stored) == decision.aggregate
    assert decision.aggregate.version == len(events)


TEAM = {"pm": ("anna", "pm2", "pm3")}  # anna requests the change and is a PM


class TestRequesterInAnApproverGroup:
    """A PM who requests a change while being one of the approving PMs (issue 15)."""

    def _round(self, group: ApproverGroup, counts: QuorumBase) -> GroupTally:
        policy = attrs.evolve(one_group(group), quorum_counts=counts)
        change = request_approval(
            assessed(), policy, directory=TEAM, actor=PM1, now=NOW.add(hours=1)
        ).aggregate
        assert change.round is not None
        return change.round.current[0]

    def test_the_round_lists_the_excluded_requester_and_why(self) -> None:
        tally = self._round(ApproverGroup("pms", roles={"pm"}, mode=Mode.ALL), QuorumBase.REMAINING)
        assert tally.eligible == {"pm2", "pm3"}
        assert tally.excluded == (("anna", "requested the change"),)
        assert tally.needed == 2  # all of the remaining two

    def test_the_quorum_may_count_the_whole_group(self) -> None:
        """2-of-3 stays 2 approvals (from the two others) instead of shrinking."""
        half = ApproverGroup("pms", roles={"pm"}, mode=Mode.PERCENT, percent=60)
        assert self._round(half, QuorumBase.REMAINING).needed == 2  # 60 % of 2, rounded up
        assert self._round(half, QuorumBase.WHOLE).needed == 2  # 60 % of 3, rounded up
        most = ApproverGroup("pms", roles={"pm"}, mode=Mode.PERCENT, percent=30)
        assert self._round(most, QuorumBase.REMAINING).needed == 1
        assert self._round(most, QuorumBase.WHOLE).needed == 1

    def test_an_unreachable_whole_group_quorum_is_refused_naming_the_requester(self) -> None:
        everyone = ApproverGroup("pms", roles={"pm"}, mode=Mode.ALL)
        with pytest.raises(ValidationError, match="anna requested the change and cannot vote"):
            self._round(everyone, QuorumBase.WHOLE)

    def test_a_requester_outside_the_group_is_not_listed(self) -> None:
        tally = self._round(ApproverGroup("pms", actors={"pm2", "pm3"}), QuorumBase.WHOLE)
        assert tally.excluded == ()


PAIR = {"pm": ("anna", "wang.fang")}  # anna requests; wang.fang is the other PM


class TestAGroupThatShrinks:
    """A two-person ``all`` group whose one member requests the change (issue 25)."""

    def _request(self, group: ApproverGroup) -> ChangeRequest:
        return request_approval(
            assessed(), one_group(group), directory=PAIR, actor=PM1, now=NOW.add(hours=1)
        ).aggregate

    def test_the_status_says_who_really_approves_and_who_was_left_out(self) -> None:
        """The route keeps working with one approver, and says so, in both languages."""
        change = self._request(ApproverGroup("pms", roles={"pm"}, mode=Mode.ALL))
        english = impact_summary(change, "Asia/Shanghai").status
        assert "pms: 1 approval needed from wang.fang; anna (requested the change) left out." in (
            english
        )
        chinese = impact_summary(change, "Asia/Shanghai", lang=language("zh_CN")).status
        assert "pms：需要 1 人批准：wang.fang；申请人 anna 已排除。" in chinese

    def test_a_minimum_of_distinct_approvers_refuses_the_route_naming_the_group(self) -> None:
        """With min_approvers = 2 the same route is refused, naming the group and the way
        out; the change stays assessed."""
        before = assessed()
        with pytest.raises(ValidationError) as refused:
            request_approval(
                before,
                one_group(ApproverGroup("pms", roles={"pm"}, mode=Mode.ALL, min_approvers=2)),
                directory=PAIR,
                actor=PM1,
                now=NOW.add(hours=1),
            )
        message = str(refused.value)
        assert refused.value.field == "approvers.pms.min_approvers"
        assert "at least 2 distinct approvers once anna" in message
        assert "delegate or a substitute" in message
        assert "got '1 (wang.fang)'" in message
        assert before.status == "assessed"

    def test_min_approvers_is_a_rules_key_checked_at_load(self) -> None:
        """It comes from the rules file, and a nonsense value is named at its key."""
        from clientflow.config import rules_from_dict  # noqa: PLC0415
        from tests.config.test_rules import demo_data  # noqa: PLC0415

        data = demo_data()
        group = data["approval"]["default"]["routes"][-1]["stages"][0][0]
        group["min_approvers"] = 2
        built = rules_from_dict(data).approval["default"].routes[-1].stages[0][0]
        assert built.min_approvers == 2
        group["min_approvers"] = 0
        with pytest.raises(clientflow.ConfigError, match=r"min_approvers"):
            rules_from_dict(data)


class TestOnlyWhatThePolicyNeeds:
    def test_actor_groups_without_a_deadline_need_no_directory_or_calendar(self) -> None:
        policy = one_group(ApproverGroup("leads", actors={"pm2"}))
        change = request_approval(assessed(), policy, actor=PM1, now=NOW.add(hours=1)).aggregate
        assert change.status == "awaiting_approval"
        assert change.next_deadline is None

    def test_roles_need_a_directory_and_a_deadline_a_calendar(self) -> None:
        with pytest.raises(ValidationError, match=r"directory: .*route 'only' names pm"):
            request_approval(
                assessed(),
                one_group(ApproverGroup("pms", roles={"pm"})),
                calendar=CALENDAR,
                actor=PM1,
                now=NOW.add(hours=1),
            )
        timed = attrs.evolve(one_group(ApproverGroup("leads", actors={"pm2"})), deadline=H(hours=8))
        with pytest.raises(ValidationError, match=r"calendar: .*has an approval deadline"):
            request_approval(assessed(), timed, actor=PM1, now=NOW.add(hours=1))
