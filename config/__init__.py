"""rules.yaml: the schema as typed objects (model), and loading with located errors (loader)."""

from config.loader import load_rules, parse_rules
from config.model import Rules

__all__ = ["Rules", "load_rules", "parse_rules"]
