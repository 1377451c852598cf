"""The one source of format knowledge: every rule a renderer must respect and the validator checks.

The import contract, the renderers and the validator import these modules; none of them defines
a namespace, a character class, a URL limit or a language rule of its own.  A test greps ``src/``
for second copies.
"""
