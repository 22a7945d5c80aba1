"""Pabulib ``.pb`` files (https://pabulib.org/format): a pure reader and writer (no ORM) and the
import/export of a participatory call through the database (:mod:`.database`)."""

from .format import (
    META_RULES,
    MetaSettings,
    PabulibError,
    PabulibInstance,
    PbProject,
    PbVote,
    parse_number,
)
from .meta import meta_settings
from .reader import parse_pb
from .writer import write_meta_settings, write_pb

__all__ = [
    "META_RULES", "MetaSettings", "PabulibError", "PabulibInstance", "PbProject", "PbVote",
    "meta_settings", "parse_number", "parse_pb", "write_meta_settings", "write_pb",
]
