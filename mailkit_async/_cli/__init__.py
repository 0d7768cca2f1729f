"""The ``mailkit-async`` command line (also ``python -m mailkit_async``).

Commands: ``ping`` (check credentials and reachability), ``call`` (any function,
answer as JSON), ``send-mass`` (a campaign to every recipient of a CSV or NDJSON file,
through the bulk engine), ``results`` (resume results polling from a job's state
file), ``report`` (stream a raw export as NDJSON or CSV), ``functions``, ``emulator``
and ``demo``. Credentials come from ``MAILKIT_CLIENT_ID``, ``MAILKIT_CLIENT_MD5``,
``MAILKIT_BASE_URL`` and ``MAILKIT_TRANSPORT`` (flags override them). ``docs/cli.md``
is the user's guide.

Errors print one line on stderr (a traceback only with ``--debug``). Exit codes:

=====  ================================================================================
0      done; for ``send-mass`` and ``results``: every recipient accepted
1      Mailkit refused the call, its answer was unusable, or another error
2      usage: bad arguments, missing credentials, a malformed or unreadable input file
3      authentication failed: Mailkit does not accept the client_id / client_md5 pair
4      this machine's IP address is not on the account's allow-list
5      Mailkit unreachable: connection refused, DNS, TLS, timeout, a non-2xx HTTP status
6      ``send-mass`` / ``results``: some recipients were rejected, not sent, or their
       outcome is unknown (the outcomes file says which)
130    interrupted by Ctrl-C; ``send-mass`` and ``results`` still wrote what they knew
=====  ================================================================================
"""

from ._main import main

__all__ = ["main"]
