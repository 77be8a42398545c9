"""AgileTrack's stand-in for the GitHub, Jira Cloud and Trello APIs (standalone; no Django)."""
