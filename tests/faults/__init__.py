"""Fault injection: what operators and attackers do to a service, done to ratebot."""
