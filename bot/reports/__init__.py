"""What an incident leaves behind for people to read and paste: the postmortem (built from the timeline and
rendered by a template) and the verification charts (matplotlib, drawn off the event loop)."""
