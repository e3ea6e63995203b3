// A Sparkplug B edge node by Eclipse Tahu's sparkplug-client, for mqttkit's
// tests: node edge.mjs mqtt://127.0.0.1:PORT GROUP EDGE
//
// On connecting it publishes NBIRTH (metrics with aliases), a device's
// DBIRTH and three DDATA that carry only aliases, then prints "born N" (N
// counts the births). A `Node Control/Rebirth` NCMD makes it do all that
// again; "stop" on stdin (or its end) publishes NDEATH and disconnects.
import sparkplugClient from 'sparkplug-client'

const [url, groupId, edgeNode] = process.argv.slice(2)
const client = sparkplugClient.newClient({
  serverUrl: url, username: '', password: '', groupId, edgeNode,
  clientId: `tahu-${edgeNode}`, version: 'spBv1.0', publishDeath: true,
})
let births = 0
let temperature = 20.5

function birth() {
  client.publishNodeBirth({
    timestamp: Date.now(),
    metrics: [
      { name: 'Node Control/Rebirth', type: 'Boolean', value: false, alias: 1 },
      { name: 'Uptime', type: 'Int64', value: 12345, alias: 2 },
    ],
  })
  client.publishDeviceBirth('pump', {
    timestamp: Date.now(),
    metrics: [
      { name: 'Temperature', type: 'Float', value: temperature, alias: 10 },
      { name: 'Offset', type: 'Int8', value: -3, alias: 11 },
      { name: 'Running', type: 'Boolean', value: true, alias: 12 },
    ],
  })
  for (let i = 0; i < 3; i++) {
    temperature += 0.5
    client.publishDeviceData('pump', {
      timestamp: Date.now(),
      metrics: [{ alias: 10, type: 'Float', value: temperature }, { alias: 11, type: 'Int8', value: -4 - i }],
    })
  }
  births += 1
  console.log(`born ${births}`)
}

client.on('birth', birth)
client.on('ncmd', (payload) => {
  const asked = (payload.metrics || []).some((m) => m.name === 'Node Control/Rebirth' && m.value === true)
  console.log(asked ? 'rebirth asked' : 'ncmd')
  if (asked) birth()
})
client.on('error', (e) => { console.error(`error ${e}`); process.exit(1) })
process.stdin.on('data', (d) => { if (d.toString().includes('stop')) stop() })
process.stdin.on('end', stop)
function stop() {
  client.stop()
  setTimeout(() => process.exit(0), 200)
}
