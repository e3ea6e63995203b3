// aedes (the Node.js MQTT broker) for mqttkit's integration tests.
//
//   node broker.mjs PORT [0|1]
//
// Listens on 127.0.0.1:PORT with aedes 0.51 (0, the default) or 1.2 (1),
// prints "listening PORT" once it accepts connections and a line per client
// event, and stops on SIGTERM or when its standard input closes (so a test
// that dies cannot leave it running).
import { createServer } from 'node:net'
import aedes0 from 'aedes'
import { Aedes } from 'aedes-1'

const port = Number(process.argv[2])
const line = process.argv[3] ?? '0'
const broker = line === '1' ? await Aedes.createBroker() : aedes0()
const log = (text) => process.stdout.write(text + '\n')
const id = (client) => (client ? client.id : '-')

broker.on('client', (c) => log(`connected ${id(c)}`))
broker.on('clientReady', (c) => log(`ready ${id(c)}`))
broker.on('clientDisconnect', (c) => log(`disconnected ${id(c)}`))
broker.on('clientError', (c, err) => log(`client error ${id(c)}: ${err.message}`))
broker.on('connectionError', (c, err) => log(`connection error ${id(c)}: ${err.message}`))
broker.on('keepaliveTimeout', (c) => log(`keepalive timeout ${id(c)}`))
broker.on('subscribe', (subs, c) => log(`subscribed ${id(c)} ${subs.map((s) => `${s.topic}@${s.qos}`).join(' ')}`))
broker.on('publish', (packet, c) => {
  if (c && packet.topic.startsWith('$SYS') === false) log(`published ${id(c)} ${packet.topic} q${packet.qos}`)
})

const server = createServer(broker.handle)
const stop = () => server.close(() => broker.close(() => process.exit(0)))
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
process.stdin.on('end', stop)
process.stdin.resume()
server.listen(port, '127.0.0.1', () => log(`listening ${port}`))
