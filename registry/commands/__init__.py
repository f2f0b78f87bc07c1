"""Command-line commands grouped by capability; registry.cli registers each module's COMMANDS."""
