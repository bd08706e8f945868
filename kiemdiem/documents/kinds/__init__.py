"""Every kind of document kiemdiem writes; importing this package registers them all."""

# Each module registers its kinds (oversight's also registers the periodic report's).
from kiemdiem.documents.kinds import classification, oversight, plan, reviews  # noqa: F401
from kiemdiem.documents.kinds.base import KINDS, Kind, Signer, kind_of, leaders_of

__all__ = ["KINDS", "Kind", "Signer", "kind_of", "leaders_of"]
