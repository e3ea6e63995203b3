// Independent CBOR, MessagePack, Protobuf and Sparkplug B implementations
// for mqttkit's codec tests: cbor2, @msgpack/msgpack, protobufjs and
// Eclipse Tahu's sparkplug-payload.
//
//   node peer.mjs encode cbor|msgpack|sparkplug   JSON text on stdin → bytes on stdout
//   node peer.mjs decode cbor|msgpack|sparkplug   bytes on stdin → JSON text on stdout
//   node peer.mjs encode|decode protobuf FILE.proto package.Message
//
// Sparkplug's JSON is Tahu's object form ({"metrics": [{"name", "type",
// "value", ...}], "seq", ...}); decoded, its 64-bit integers are numbers
// (or text beyond 2^53) and its bytes base64.
import { encode as cborEncode, decode as cborDecode } from 'cbor2'
import { encode as mpEncode, decode as mpDecode } from '@msgpack/msgpack'
import protobuf from 'protobufjs'
import sparkplug from 'sparkplug-payload'

const tahu = sparkplug.get('spBv1.0')

// Tahu's decoded values as plain JSON: Long → number, bytes → base64.
function plain(v) {
  if (v === null || typeof v !== 'object') return v
  if (typeof v.toNumber === 'function' && 'low' in v && 'high' in v) {
    const s = v.toString()
    return Number.isSafeInteger(Number(s)) ? Number(s) : s
  }
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64')
  if (Array.isArray(v)) return v.map(plain)
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]))
}

const [op, codec, file, message] = process.argv.slice(2)
const chunks = []
for await (const c of process.stdin) chunks.push(c)
const input = Buffer.concat(chunks)

// proto3's JSON mapping: 64-bit integers and bytes as text, enums by name.
const asJson = { longs: String, enums: String, bytes: String }
if (codec === 'sparkplug') {
  if (op === 'encode') {
    process.stdout.write(Buffer.from(tahu.encodePayload(JSON.parse(input.toString('utf8')))))
  } else {
    process.stdout.write(JSON.stringify(plain(tahu.decodePayload(input))))
  }
} else if (codec === 'protobuf') {
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
