"""A state machine over company-e-mail verification, on every backend.

Hypothesis asks for codes, types right, wrong, stale and malformed ones, and
moves the clock (to just before and exactly onto a code's expiry too), while
a model predicts every answer.  Whatever the sequence:

* nobody is verified without typing the current code before it expires;
* no challenge ever records more wrong attempts than the policy allows, and
  each wrong code counts exactly once;
* a stale code (replaced by a newer one) never verifies;
* no more codes are sent per window than the policy allows.

Each example registers a member of its own on one shared forum, so the
examples are independent without emptying the database between them.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any, ClassVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

import proforum
from forum_world import T0
from mail_support import Mailbox, mail_forum
from proforum import ManualClock
from proforum.domain.common import MemberId
from proforum.domain.employer import ChallengeState, VerificationPolicy
from proforum.errors import (
    InvalidVerificationCode,
    NoVerificationPending,
    ProforumError,
    TooManyVerificationCodes,
    VerificationCodeExpired,
    VerificationLocked,
    WrongVerificationCode,
)

POLICY = VerificationPolicy(
    code_ttl=timedelta(minutes=10),
    max_attempts=3,
    codes_per_window=3,
    window=timedelta(minutes=30),
)
TICK = timedelta(microseconds=1)


class CodeMachine(RuleBasedStateMachine):
    """One member's codes against a model of what every call must answer."""

    forum: ClassVar[proforum.Forum]
    mailbox: ClassVar[Mailbox]
    clock: ClassVar[ManualClock]
    members: ClassVar[Iterator[int]] = itertools.count()

    def __init__(self) -> None:
        super().__init__()
        n = next(self.members)
        self.member = self.forum.register_member(
            real_name=f"검증{n}", job_function="marketing-pr"
        ).id
        self.address = f"person{n}@company{n}.co.kr"
        # The model.
        self.code: str | None = None
        self.stale: list[str] = []
        self.expires_at: datetime | None = None
        self.attempts = 0
        self.state: ChallengeState | None = None
        self.window_start: datetime | None = None
        self.sent_in_window = 0
        self.verified = False

    # -- asking for a code ----------------------------------------------------

    @rule()
    def ask_for_a_code(self) -> None:
        now = self.clock.now()
        in_window = self.window_start is not None and now < self.window_start + POLICY.window
        refused = in_window and self.sent_in_window >= POLICY.codes_per_window
        try:
            sent = self.forum.start_employer_verification(
                MemberId(self.member), company="검증회사", email=self.address
            )
        except TooManyVerificationCodes:
            assert refused, "refused a code the window allows"
            return
        assert not refused, "sent more codes than the window allows"
        if in_window:
            self.sent_in_window += 1
        else:
            self.window_start, self.sent_in_window = now, 1
        if self.code is not None:
            self.stale.append(self.code)
        self.code = self.mailbox.code_for(self.address)
        self.expires_at = now + POLICY.code_ttl
        self.attempts, self.state = 0, ChallengeState.PENDING
        assert sent.expires_at == self.expires_at
        assert sent.codes_left == POLICY.codes_per_window - self.sent_in_window

    # -- typing a code ---------------------------------------------------------

    def _type(self, typed: str) -> None:
        now = self.clock.now()
        try:
            result: Any = self.forum.confirm_employer_verification(MemberId(self.member), typed)
        except ProforumError as exc:
            result = exc
        if self.state in (None, ChallengeState.USED):
            assert isinstance(result, NoVerificationPending)
        elif self.state is ChallengeState.LOCKED:
            assert isinstance(result, VerificationLocked)
        elif self.expires_at is not None and now >= self.expires_at:
            assert isinstance(result, VerificationCodeExpired)
        elif typed == self.code:
            assert isinstance(result, proforum.EmployerVerification), repr(result)
            assert (result.member_id, result.verified_at) == (self.member, now)
            self.state, self.verified = ChallengeState.USED, True
        else:
            assert isinstance(result, WrongVerificationCode), repr(result)
            self.attempts += 1
            assert result.params["attempts_left"] == POLICY.max_attempts - self.attempts
            if self.attempts == POLICY.max_attempts:
                self.state = ChallengeState.LOCKED

    @rule()
    def type_the_right_code(self) -> None:
        self._type(self.code or "000000")

    @rule(offset=st.integers(1, 10**6 - 1))
    def type_a_wrong_code(self, offset: int) -> None:
        base = int(self.code or "0")
        self._type(f"{(base + offset) % 10**6:06d}")

    @rule(pick=st.integers(0, 10))
    def type_a_replaced_code(self, pick: int) -> None:
        if self.stale:
            self._type(self.stale[pick % len(self.stale)])

    @rule(typed=st.sampled_from(["", "12345", "1234567", "12a456", "１２３４５６", "123 456"]))
    def type_something_that_is_no_code(self, typed: str) -> None:
        before = self.forum.export_data()
        try:
            self.forum.confirm_employer_verification(MemberId(self.member), typed)
        except InvalidVerificationCode:
            pass
        else:
            raise AssertionError("a malformed code was taken")
        assert self.forum.export_data() == before  # not even counted

    # -- time -----------------------------------------------------------------

    @rule(seconds=st.integers(0, 40 * 60))
    def time_passes(self, seconds: int) -> None:
        self.clock.advance(timedelta(seconds=seconds))

    @rule(early=st.booleans())
    def time_reaches_the_expiry(self, early: bool) -> None:
        if self.expires_at is not None:
            target = self.expires_at - TICK if early else self.expires_at
            if target > self.clock.now():
                self.clock.set(target)

    # -- what must always hold -----------------------------------------------

    @invariant()
    def storage_agrees_with_the_model(self) -> None:
        with self.forum.storage.unit_of_work() as uow:
            challenge = uow.challenges.get(MemberId(self.member))
            verification = uow.verifications.get(MemberId(self.member))
        assert (verification is not None) == self.verified
        if challenge is None:
            assert self.state is None
            return
        assert challenge.attempts <= POLICY.max_attempts
        assert (challenge.attempts, challenge.state) == (self.attempts, self.state)
        assert challenge.codes_in_window <= POLICY.codes_per_window
        assert challenge.expires_at == self.expires_at


def test_no_sequence_verifies_without_the_current_unexpired_code(backend_url: str) -> None:
    # Memory takes the long run; the databases a shorter one of the same machine.
    examples = 60 if backend_url == "memory://" else 12
    clock = ManualClock(T0)
    mailbox = Mailbox()
    with mail_forum(backend_url, clock, mailbox, verification=POLICY) as forum:
        CodeMachine.forum, CodeMachine.mailbox, CodeMachine.clock = forum, mailbox, clock
        run_state_machine_as_test(
            CodeMachine,
            settings=settings(
                max_examples=examples,
                stateful_step_count=25,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow],
            ),
        )
