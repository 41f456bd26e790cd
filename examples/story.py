"""The meetup story of the Marketing/PR community, in one short script.

Run it with ``python examples/story.py``. It uses only the public API:
``proforum.open`` and the methods of ``Forum``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import proforum

seoul = ZoneInfo("Asia/Seoul")
clock = proforum.ManualClock(datetime(2026, 12, 1, 10, 0, tzinfo=seoul))
forum = proforum.open("memory://", clock=clock)

operator = forum.register_member(real_name="김운영", job_function="marketing-pr")
host = forum.register_member(real_name="박성과", job_function="marketing-pr")
community = forum.create_community(
    operator.id, slug="marketing-pr", name="마케팅/PR", job_function="marketing-pr"
)
forum.join_community(host.id, community.id)
forum.assign_role(operator.id, community.id, host.id, proforum.Role.HOST)
members = []
for i in range(30):
    name = {"nickname": f"퍼포마케터{i}"} if i % 2 else {"real_name": f"김직원{i}"}
    member = forum.register_member(job_function="marketing-pr", **name)
    forum.join_community(member.id, community.id)
    members.append(member)

# 1. Announce, 2. apply.
starts = datetime(2026, 12, 10, 19, 0, tzinfo=seoul)
meetup = forum.create_meetup(
    host.id,
    community.id,
    title="리멤버에서 퍼포먼스 마케터끼리 만나요!",
    topic="퍼포먼스 마케팅, 나는 이렇게 망해봤다!",
    starts_at=starts,
    ends_at=starts + timedelta(hours=2),
    capacity=20,
    applications_open_at=clock.now(),
    applications_close_at=starts - timedelta(days=3),
)
forum.announce_meetup(host.id, meetup.id)
for member in members:
    forum.apply(member.id, meetup.id)

# 3. Draw: commit to a secret seed when applications close, then reveal it.
clock.set(starts - timedelta(days=2))
commitment = forum.close_applications(host.id, meetup.id)
draw = forum.draw(host.id, meetup.id)
assert proforum.verify_draw(forum.draw_record(host.id, meetup.id)).valid

# 4. The ZOOM link goes to the selected 20 only.
forum.set_meeting(host.id, meetup.id, options={"join_url": "https://zoom.us/j/81234567890"})
sent = forum.send_meeting_links(host.id, meetup.id)
try:
    forum.meeting_link(draw.waitlist[0], meetup.id)
except proforum.errors.LinkNotGranted as refused:
    print("waitlisted members cannot read the link:", refused.code)

# 5. D-day at 7 PM: a reminder in the morning, then check-ins; two do not come.
clock.set(starts - timedelta(hours=10))
forum.send_reminders(host.id, meetup.id)
clock.set(starts)
for member_id in draw.selected[2:]:
    forum.check_in(member_id, meetup.id)

# 6. The talk runs past the planned end.
clock.set(starts + timedelta(hours=2, minutes=40))
report = forum.end_meetup(host.id, meetup.id)

# 7. The anonymous survey.
survey = forum.create_survey(
    host.id,
    meetup.id,
    title="모임 만족도 익명 설문",
    question_ko="오늘 모임은 얼마나 만족스러우셨나요?",
    question_en="How satisfied were you with today's meetup?",
    closes_at=starts + timedelta(days=3),
)
for n, member_id in enumerate(report.attended):
    forum.answer_survey(member_id, survey.id, (5, 4, 4, 3, 4)[n % 5])
clock.set(starts + timedelta(days=3, hours=1))
result = forum.close_survey(host.id, survey.id)

# 8. The offline follow-up.
offline = datetime(2027, 1, 14, 19, 30, tzinfo=seoul)
follow_up = forum.propose_follow_up(
    host.id,
    meetup.id,
    title="퍼포먼스 마케터 오프라인 모임",
    topic="못다 한 실패담을 오프라인에서",
    starts_at=offline,
    ends_at=offline + timedelta(hours=2),
    capacity=20,
    applications_open_at=clock.now(),
    applications_close_at=offline - timedelta(days=5),
    venue="서울 중구",
)

print(
    f"commitment {commitment.digest[:16]}…: {len(draw.selected)} selected,"
    f" {len(draw.waitlist)} waitlisted, {sent} links sent"
)
print(
    f"attended {len(report.attended)}, no-shows {len(report.no_shows)},"
    f" survey mean {result.mean} from {result.responses} answers"
)
print(f"follow-up proposed: {follow_up.title} ({follow_up.format})")
