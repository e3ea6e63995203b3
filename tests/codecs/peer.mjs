// Independent CBOR, MessagePack and Protobuf implementations for mqttkit's
// codec tests: cbor2, @msgpack/msgpack and protobufjs.
//
//   node peer.mjs encode cbor|msgpack   JSON text on stdin → bytes on stdout
//   node peer.mjs decode cbor|msgpack   bytes on stdin → JSON text on stdout
//   node peer.mjs encode|decode protobuf FILE.proto package.Message
import { encode as cborEncode, decode as cborDecode } from 'cbor2'
import { encode as mpEncode, decode as mpDecode } from '@msgpack/msgpack'
import protobuf from 'protobufjs'

const [op, codec, file, message] = process.argv.slice(2)
const chunks = []
for await (const c of process.stdin) chunks.push(c)
const input = Buffer.concat(chunks)

// proto3's JSON mapping: 64-bit integers and bytes as text, enums by name.
const asJson = { longs: String, enums: String, bytes: String }
if (codec === 'protobuf') {
  const type = protobuf.loadSync(file).lookupType(message)
  if (op === 'encode') {
    const value = type.fromObject(JSON.parse(input.toString('utf8')))
    process.stdout.write(Buffer.from(type.encode(value).finish()))
  } else {
    process.stdout.write(JSON.stringify(type.toObject(type.decode(input), asJson)))
  }
} else if (op === 'encode') {
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
