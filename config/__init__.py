"""rules.yaml: the schema as typed objects (model), and loading with located errors (loader)."""

from config.loader import file_exists, load_rules, parse_rules
from config.model import Rules

__all__ = ["Rules", "file_exists", "load_rules", "parse_rules"]
