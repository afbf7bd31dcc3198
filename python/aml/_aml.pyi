"""Types of the aml._aml extension module (ext/*.c); use the aml package."""

from typing import Dict, List, Optional, Tuple

POLICIES: Tuple[str, ...]
CRITERIA: Tuple[str, ...]
FALLBACKS: Tuple[str, ...]
FLAG_POPULATE: int
FLAG_THP: int

class AMLError(OSError):
    code: int

class AMLMemoryError(AMLError, MemoryError): ...

class Area:
    kind: str
    policy: str
    nodes: Optional[Tuple[int, ...]]
    fallback: Optional[str]
    flags: int
    @classmethod
    def _linux(cls, policy: str, nodes: Optional[str], flags: int) -> "Area": ...
    @classmethod
    def _best(cls, criterion: str, fallback: str) -> "Area": ...

class Mapping:
    address: int
    nbytes: int
    area: Area
    placed_area: Area

def map(area: Area, nbytes: int) -> Mapping: ...
def inspect(address: int, size: int) -> Tuple[int, int, int, int,
                                              Dict[int, int], Optional[str],
                                              Tuple[int, ...], bool]: ...
def page_map(address: int, size: int) -> str: ...
def check(area: Area, address: int, size: int) -> bool: ...
def migrate(area: Area, address: int, size: int,
            mapping: Optional[Mapping]) -> Tuple[int, int]: ...
def nodes() -> List[int]: ...
def live_mappings() -> int: ...
