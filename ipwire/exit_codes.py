"""Exit codes of `ipwire` commands, one meaning each, so scripts and timers can tell cases apart.

Documented in README "Exit codes"; click's own usage errors keep their code 2.
"""

from __future__ import annotations

OK = 0
FAILED = 1  # an unexpected error (a bug or an environment fault); `--debug` shows the traceback
USAGE = 2  # a wrong option or argument (click's own code)
REJECTED = 3  # the command ran, but some inputs were rejected (each one named on stderr)
NOT_FOUND = 4  # a path, warehouse, article or feed that does not exist
CONFIG = 5  # configuration invalid (every problem listed at once)
BUSY = 6  # the warehouse or its catalog cannot be reached or stays locked
NOTHING = 7  # every input was rejected: nothing was read, extracted or stored
PIPE_CLOSED = 141  # stdout's reader closed the pipe early (`| head`): 128 + SIGPIPE, as Unix tools
