"""Electronic signature of conventions and their documents (PAdES, pyHanko).

The association's legal representative signs in the product after confirming a one-time code
sent by e-mail; the product applies a PAdES signature on their behalf with the platform's
certificate and keeps an evidence record. The authority's signatory then adds a second,
incremental signature with the authority's certificate. Any PDF can be verified.
"""
