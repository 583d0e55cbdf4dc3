"""The auth service: accounts, credentials and tokens: register, log in, refresh, log out, validate."""
