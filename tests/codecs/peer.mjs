// An independent CBOR and MessagePack implementation for mqttkit's codec
// tests: cbor2 and @msgpack/msgpack.
//
//   node peer.mjs encode cbor|msgpack   JSON text on stdin → bytes on stdout
//   node peer.mjs decode cbor|msgpack   bytes on stdin → JSON text on stdout
import { encode as cborEncode, decode as cborDecode } from 'cbor2'
import { encode as mpEncode, decode as mpDecode } from '@msgpack/msgpack'

const [op, codec] = process.argv.slice(2)
const chunks = []
for await (const c of process.stdin) chunks.push(c)
const input = Buffer.concat(chunks)

if (op === 'encode') {
  const value = JSON.parse(input.toString('utf8'))
  const bytes = codec === 'cbor' ? cborEncode(value) : mpEncode(value)
  process.stdout.write(Buffer.from(bytes))
} else if (op === 'decode') {
  const value = codec === 'cbor' ? cborDecode(input) : mpDecode(input)
  process.stdout.write(JSON.stringify(value))
} else {
  process.stderr.write('usage: node peer.mjs encode|decode cbor|msgpack\n')
  process.exit(2)
}
