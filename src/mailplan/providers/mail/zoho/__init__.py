"""Zoho Mail provider (the organization admin API, ``/api/organization/{zoid}/...``)."""
