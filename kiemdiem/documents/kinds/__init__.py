"""Every kind of document kiemdiem writes; importing this package registers them all."""

import kiemdiem.documents.kinds.oversight  # noqa: F401 (registers its kinds, and reports')
import kiemdiem.documents.kinds.reviews  # noqa: F401 (registers its kinds)
from kiemdiem.documents.kinds import plan  # noqa: F401 (registers its kind)
from kiemdiem.documents.kinds.base import KINDS, Kind, Signer, kind_of, leaders_of

__all__ = ["KINDS", "Kind", "Signer", "kind_of", "leaders_of"]
