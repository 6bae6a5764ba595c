"""Courseware HTTP views: content files, the launcher, the runtime endpoints, the player."""
