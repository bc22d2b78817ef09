"""The runner: joins the stages into a poll cycle and the long-running service."""
