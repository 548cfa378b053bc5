"""The adviser's web page and HTTP API (`cnam serve`): forms and JSON in, the contract's answers out.

`service` answers questions (one rule base, the solver work serialized off the
event loop), `api` is the JSON API, `form` turns the page's form into a
candidate file and back, `page` renders the page, `app` assembles them.
The web code never imports z3: it goes through `explain` and `solve`.
"""
