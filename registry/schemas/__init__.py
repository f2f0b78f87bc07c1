"""Marshmallow schemas shared by the API and the importers; every error message is a rule code."""
