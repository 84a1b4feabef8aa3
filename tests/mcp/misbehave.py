"""An MCP server whose tools misbehave on purpose, for the engine's MCP client tests.

Written with the official Python SDK (`mcp`, pinned in .ci/setup). Run it as
`python misbehave.py [MODE] [PORT]`; the mode may also come from MISBEHAVE_MODE:

  (none)     a normal stdio server with the tools below
  exit3      writes a few lines to stderr and exits with code 3 before speaking MCP
  garbage    writes lines that are not JSON-RPC to stdout before serving
  stubborn   ignores SIGTERM and, once stdin closes, keeps running (only SIGKILL ends it)
  http       serves streamable HTTP on 127.0.0.1:PORT at /mcp instead of stdio

Tools: echo, crash, hang, cancelled, flood, slow_echo, garbage, spawn_child, env, headers.
"""

import os
import signal
import subprocess
import sys
import time

import anyio
from mcp.server.mcpserver import Context, MCPServer

MODE = (sys.argv[1] if len(sys.argv) > 1 else os.environ.get("MISBEHAVE_MODE", "")).strip()

server = MCPServer("misbehave", log_level="WARNING")


@server.tool()
def echo(message: str) -> str:
    """Echoes the message back."""
    return f"misbehave echo: {message}"


@server.tool()
def crash(code: int = 7) -> str:
    """Exits the whole process in the middle of the call."""
    sys.stderr.write(f"misbehave: crashing on purpose with code {code}\n")
    sys.stderr.flush()
    os._exit(code)


CANCELLED = 0


@server.tool()
async def hang() -> str:
    """Never answers; counts the times it was cancelled (notifications/cancelled)."""
    global CANCELLED
    try:
        await anyio.sleep(24 * 3600)
    except anyio.get_cancelled_exc_class():
        CANCELLED += 1
        raise
    return "unreachable"


@server.tool()
def cancelled() -> int:
    """How many `hang` calls were cancelled."""
    return CANCELLED


@server.tool(structured_output=False)
def flood(mb: float = 20.0) -> str:
    """Returns `mb` megabytes of text in one block (one huge JSON-RPC line)."""
    return "x" * int(mb * 1024 * 1024)


@server.tool()
async def slow_echo(message: str, ms: int) -> str:
    """Echoes the message after `ms` milliseconds."""
    await anyio.sleep(ms / 1000)
    return f"slow echo: {message}"


@server.tool()
def garbage() -> str:
    """Writes lines that are not JSON-RPC to stdout, then answers normally."""
    os.write(1, b"this is not json\n{\"broken\": \n\x00\xff\xfe garbage bytes\n")
    return "answered after garbage"


@server.tool()
def spawn_child() -> int:
    """Starts a grandchild (`sleep`) in the server's process group and answers its pid."""
    child = subprocess.Popen(["sleep", "3600"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    return child.pid


@server.tool()
def env(name: str) -> str:
    """The value of an environment variable of the server, or `<unset>`."""
    return os.environ.get(name, "<unset>")


@server.tool()
def headers(ctx: Context) -> str:
    """The HTTP headers of this request (http mode), one `name: value` a line."""
    h = ctx.headers or {}
    return "\n".join(f"{k.lower()}: {v}" for k, v in sorted(h.items()))


def main() -> None:
    if MODE == "exit3":
        for i in range(200):
            sys.stderr.write(f"misbehave: start-up noise line {i}\n")
        sys.stderr.write("misbehave: refusing to start on purpose\n")
        sys.stderr.flush()
        sys.exit(3)
    if MODE == "garbage":
        os.write(1, b"Welcome to misbehave! (not JSON)\n[1, 2, 3\n")
    if MODE == "stubborn":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if MODE == "http":
        port = int(sys.argv[2]) if len(sys.argv) > 2 else int(os.environ["MISBEHAVE_PORT"])
        server.run("streamable-http", host="127.0.0.1", port=port, streamable_http_path="/mcp")
        return
    server.run()
    if MODE == "stubborn":
        # Stay alive without touching stdout or stderr, whose readers may be gone (a write
        # would end the process with EPIPE).
        while True:
            time.sleep(3600)


if __name__ == "__main__":
    main()
