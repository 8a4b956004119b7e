"""`python -m quizapp`: the same commands as the `quizapp` console script."""

from .cli import main

main()
