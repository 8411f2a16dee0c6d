"""The patient-information guard: find what looks like PHI in a piece of text.

`phi_scan(text, settings)` is pure (no database, no Flask) so it can run anywhere: in the
message actions, in the composer's scan endpoint, in tips, in a benchmark.
"""

from physnet.phi.scan import KIND_LABELS, KINDS, Finding, describe, phi_scan
from physnet.phi.settings import POLICIES, PhiSettings, parse_phi_settings

__all__ = [
    "KINDS",
    "KIND_LABELS",
    "POLICIES",
    "Finding",
    "PhiSettings",
    "describe",
    "parse_phi_settings",
    "phi_scan",
]
