"""Use cases shared by the API, the pages, the command line and the importers."""
