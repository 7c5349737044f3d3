"""The web portal (``specbook serve``) and the static site (``specbook build``).

Both render the same pages from the same templates; the portal adds search as you
type, review actions for signed-in reviewers and a JSON API.
"""
