"""The lifecycle of a confidence poll.

A poll is recorded while its results are being entered (draft): the conference's numbers, the
cadres polled or left out (pre-retirement, appointed this year) and each one's ballots. Once
every polled cadre's ballots are in, the office finalizes it; the results then count in the
statistics and the rating. A finalized poll may be opened again to correct it, with a reason.
Results are plain rows of a draft poll (added, corrected, removed, each audited).
"""

from kiemdiem.confidence.models import ConfidencePoll, PollStatus
from kiemdiem.confidence.permissions import can_record_poll
from kiemdiem.core.lifecycle import BORN, Arrow, Lifecycle, Place

__all__ = ["POLL", "PollStatus"]


def _poll_place(poll: ConfidencePoll) -> Place:
    return Place(unit_path=poll.body_unit.path)


POLL = Lifecycle(
    name="confidence_poll",
    labels=dict(PollStatus.choices),
    place=_poll_place,
    backdate=can_record_poll,
    arrows={
        (BORN, PollStatus.DRAFT): Arrow(can=can_record_poll),
        (PollStatus.DRAFT, PollStatus.FINALIZED): Arrow(can=can_record_poll),
        (PollStatus.FINALIZED, PollStatus.DRAFT): Arrow(can=can_record_poll, reason=True),
    },
)
