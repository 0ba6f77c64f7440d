"""ratebot's core: the domain and its services. Never imports a platform SDK or driver."""
