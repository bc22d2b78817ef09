"""What the stages after matching know of the rules' entities: each entity's kind, and for a
place the place it lies in (`EntityKinds`, built by `config.model.Rules.entity_kinds`)."""

from __future__ import annotations

from collections.abc import Mapping


class EntityKinds(dict[str, str]):
    """Entity id -> kind (person, place, organisation, theme, event, other), plus `within`:
    place id -> the id of the place it lies in (Benghazi -> Libya). A plain mapping of kinds
    may stand in for it anywhere (no place then lies in another). Pickles with its `within`."""

    def __init__(
        self, kinds: Mapping[str, str] | None = None, within: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(kinds or {})
        self.within: dict[str, str] = dict(within or {})


def within_of(kinds: Mapping[str, str]) -> Mapping[str, str]:
    """The `within` links of `kinds` ({} for a plain mapping)."""
    return kinds.within if isinstance(kinds, EntityKinds) else {}
