"""Hand-written fakes of the core's ports."""
