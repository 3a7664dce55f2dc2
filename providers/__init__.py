"""The providers' self-service portal: a provider's editors sign in, edit their own units' profiles and
answer the actions of their follow-ups; officers approve before anything is published.

Registered as a blueprint by ``jamforaren.create_app`` once it has views (see issue 7).
"""
