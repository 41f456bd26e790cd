from forum_world import World


def test_world_meetup_ends_with_attendance(world: World) -> None:
    meetup = world.ended_meetup(capacity=3, absent=1)
    assert len(world.attendees(meetup)) == 2
