"""A minimal WebSocket-to-TCP relay (Python standard library only), for the
benchmarks: it answers the upgrade at once, so a WebSocket client's own cost
can be told apart from a broker's. mosquitto 2.0's libwebsockets listener
answers the upgrade only on its next 100 ms main-loop tick (about 200 ms per
handshake on an idle broker), whatever the client does.

Binary frames from the client are unmasked and written to the broker; bytes
from the broker go back as unmasked binary frames. Close and ping frames are
handled just enough for MQTT clients.
"""

import asyncio
import base64
import hashlib
import threading

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


async def _read_frame(reader):
    head = await reader.readexactly(2)
    opcode, masked, length = head[0] & 0x0F, head[1] & 0x80, head[1] & 0x7F
    if length == 126:
        length = int.from_bytes(await reader.readexactly(2), "big")
    elif length == 127:
        length = int.from_bytes(await reader.readexactly(8), "big")
    mask = await reader.readexactly(4) if masked else b"\0\0\0\0"
    data = bytearray(await reader.readexactly(length))
    for i in range(length):
        data[i] ^= mask[i % 4]
    return opcode, bytes(data)


def _frame(data, opcode=2):
    n = len(data)
    if n < 126:
        head = bytes([0x80 | opcode, n])
    elif n < 65536:
        head = bytes([0x80 | opcode, 126]) + n.to_bytes(2, "big")
    else:
        head = bytes([0x80 | opcode, 127]) + n.to_bytes(8, "big")
    return head + data


async def _serve(client_r, client_w, broker_port):
    request = await client_r.readuntil(b"\r\n\r\n")
    key = next(line.split(b":", 1)[1].strip() for line in request.split(b"\r\n")
               if line.lower().startswith(b"sec-websocket-key:"))
    accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
    client_w.write(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   b"Sec-WebSocket-Accept: " + accept + b"\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n")
    await client_w.drain()
    broker_r, broker_w = await asyncio.open_connection("127.0.0.1", broker_port)

    async def up():
        try:
            while True:
                opcode, data = await _read_frame(client_r)
                if opcode == 8:
                    break
                if opcode == 9:
                    client_w.write(_frame(data, 10))
                elif opcode in (0, 1, 2):
                    broker_w.write(data)
                    await broker_w.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        broker_w.close()

    async def down():
        try:
            while data := await broker_r.read(65536):
                client_w.write(_frame(data))
                await client_w.drain()
        except ConnectionError:
            pass
        client_w.close()

    await asyncio.gather(up(), down())


class WsRelay:
    """Listen on a free loopback port (self.port); relay to broker_port."""

    def __init__(self, broker_port):
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()

        async def start():
            server = await asyncio.start_server(lambda r, w: _serve(r, w, broker_port), "127.0.0.1", 0)
            self.port = server.sockets[0].getsockname()[1]
            ready.set()
            await server.serve_forever()

        threading.Thread(target=lambda: self.loop.run_until_complete(start()), daemon=True).start()
        ready.wait(10)
