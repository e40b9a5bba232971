"""The review pages: an article with every milestone's evidence highlighted in place,
for editors to check and correct (``pages``), and the same as standalone files
(``standalone``). ``view`` computes what a page shows; ``templates/`` and ``static/``
render it; ``security`` holds the pages' sign-in, CSRF tokens and headers."""
