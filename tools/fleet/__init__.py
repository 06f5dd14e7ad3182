"""The fleet server: the computer's side of the gateway (docs/fleet.md).

Each remote unit (a gateway in client mode that calls in, or one in server mode that the
fleet server calls) becomes a local pseudo-terminal, ``<ports>/<name>``, so any serial
program talks to the remote device as if it were on a local cable.

* ``escapes``: the ``%HH`` / ``%IMEI`` / ``%CCID`` / ``%ID`` escapes of identity and
  heartbeat texts (the gateway's SMS syntax).
* ``config``: the TOML configuration, with errors that name the line.
* ``stream``: pure logic: identity matching, heartbeat stripping, the offline buffer.
* ``ptys``: one pseudo-terminal per unit, read and written from asyncio.
* ``server``: the asyncio server (listeners, outgoing connections, status, log).
* ``status``: the status table and its client.
* ``ways``: the registration hook of the ways in beside the pty: ``tcpports`` (RFC 2217
  and raw TCP per unit), ``modbus`` (Modbus TCP to RTU per unit), ``web`` (the live status
  page and ``/api/units``).
* ``guard``: who gets in (unknown peers, caps, takeovers, keys); ``lock``: one server per
  ports folder.
"""
