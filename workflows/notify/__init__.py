"""Notifications to staff: reminders before deadlines, lateness that climbs
to the next level's supervisors, the in-app list and pluggable channels."""
