complete -c mqtt-pub -s t -l topic -d 'Topic to publish to' -r
complete -c mqtt-pub -s m -l message -d 'Send MESSAGE as the payload' -r
complete -c mqtt-pub -s f -l file -d 'Send the whole of FILE as the payload (binary-safe)' -r
complete -c mqtt-pub -l replay -d 'Publish a capture (the JSON lines mqtt-sub --json writes; - for stdin) with the gaps between its "tst" times' -r
complete -c mqtt-pub -l speed -d '--replay this many times faster than captured (2.5, 0.5, ...), or max: as fast as confirmed delivery allows [default: 1]' -r
complete -c mqtt-pub -l encode -d 'Read each message as JSON text and send it encoded: sparkplug, protobuf:FILE.proto[:package.Message], json, cbor or msgpack' -r
complete -c mqtt-pub -s q -l qos -d 'Quality of service: 0, 1 or 2 [default: 0]' -r
complete -c mqtt-pub -l repeat -d 'Publish the message COUNT times (-m, -f, -s, -n)' -r
complete -c mqtt-pub -l repeat-delay -d 'Wait SECONDS (fractions allowed) after each repeated message is confirmed' -r
complete -c mqtt-pub -l rate -d 'Publish at most N messages per second, on an absolute schedule (-l, --jsonl, --repeat)' -r
complete -c mqtt-pub -s h -l host -d 'Broker host name or IP address [default: localhost]' -r
complete -c mqtt-pub -s p -l port -d 'Broker port [default: 1883; 8883 with TLS]' -r
complete -c mqtt-pub -s L -l url -d 'Broker URL: mqtt://[USER[:PASSWORD]@]HOST[:PORT]/TOPIC' -r
complete -c mqtt-pub -l unix -d 'Connect to a unix socket instead of TCP' -r
complete -c mqtt-pub -l ws-path -d 'The HTTP path of the WebSocket endpoint' -r
complete -c mqtt-pub -l proxy -d 'Connect through a proxy: socks5h://[USER[:PASS]@]HOST[:PORT] or http://[USER[:PASS]@]HOST[:PORT]' -r
complete -c mqtt-pub -s A -d 'Bind the local end of the connection to this address' -r
complete -c mqtt-pub -s i -l id -d 'Client id [default: none, the broker assigns one]' -r
complete -c mqtt-pub -s I -l id-prefix -d 'Client id prefix: the id becomes PREFIX followed by the process id' -r
complete -c mqtt-pub -s k -l keepalive -d 'Keep-alive interval in seconds (5-65535) [default: 60]' -r
complete -c mqtt-pub -s V -l protocol-version -d 'MQTT protocol version: 5 (mqttv5), 311 (mqttv311) or 31 (mqttv31) [default: 311]' -r
complete -c mqtt-pub -s x -d 'MQTT v5 session expiry interval in seconds; -1 or ∞ means never' -r
complete -c mqtt-pub -s M -d 'Maximum number of QoS 1 and 2 messages in flight [default: 20]' -r
complete -c mqtt-pub -l connect-retry -d 'Keep retrying the first connection until the broker answers or DURATION has passed (e.g. 30s, 2m, 500ms)' -r
complete -c mqtt-pub -s u -l username -d 'User name' -r
complete -c mqtt-pub -s P -l pw -d 'Password (prefer MQTT_PASSWORD, --pw-prompt or --pw-file: argv is visible in ps)' -r
complete -c mqtt-pub -l pw-file -d 'Read the password from the first line of FILE' -r
complete -c mqtt-pub -s o -d 'Read default options from FILE instead of ~/.config/<program>' -r
complete -c mqtt-pub -s D -l property -d 'MQTT v5 property: -D COMMAND NAME VALUE, or -D COMMAND user-property KEY VALUE' -r
complete -c mqtt-pub -l will-topic -d 'Topic of the will message' -r
complete -c mqtt-pub -l will-payload -d 'Payload of the will message [default: empty]' -r
complete -c mqtt-pub -l will-qos -d 'QoS of the will message (0, 1 or 2) [default: 0]' -r
complete -c mqtt-pub -l cafile -d 'CA certificates file (PEM)' -r
complete -c mqtt-pub -l capath -d 'Directory of CA certificates (PEM)' -r
complete -c mqtt-pub -l cert -d 'Client certificate (PEM)' -r
complete -c mqtt-pub -l key -d 'Client private key (PEM)' -r
complete -c mqtt-pub -l tls-version -d 'TLS version: tlsv1.2 or tlsv1.3' -r
complete -c mqtt-pub -l tls-alpn -d 'ALPN protocol to offer' -r
complete -c mqtt-pub -l keyform -d 'Key form: pem or engine' -r
complete -c mqtt-pub -l tls-engine -d 'OpenSSL engine (not available with rustls)' -r
complete -c mqtt-pub -l tls-engine-kpass-sha1 -d 'SHA-1 of the engine key password (not available with rustls)' -r
complete -c mqtt-pub -l tls-keylog -d 'Write TLS session keys to FILE, for Wireshark (not available: rustls reads SSLKEYLOGFILE)' -r
complete -c mqtt-pub -l ciphers -d 'Cipher list' -r
complete -c mqtt-pub -l psk -d 'Pre-shared key in hex (not available with rustls)' -r
complete -c mqtt-pub -l psk-identity -d 'Identity for --psk' -r
complete -c mqtt-pub -s s -l stdin-file -d 'Send all of stdin as one payload (binary-safe)'
complete -c mqtt-pub -s n -l null-message -d 'Send an empty (zero-length) payload'
complete -c mqtt-pub -s l -l stdin-line -d 'Send one message per line of stdin (the \'\\n\' is removed, \'\\r\' kept; an empty line is an empty message)'
complete -c mqtt-pub -l jsonl -d 'Read one JSON object per line of stdin and publish it'
complete -c mqtt-pub -s r -l retain -d 'Ask the broker to retain the message'
complete -c mqtt-pub -l ws -d 'Speak MQTT over WebSockets (ws://, or wss:// with TLS)'
complete -c mqtt-pub -s c -l disable-clean-session -d 'Keep the session when disconnecting (clean session / clean start off)'
complete -c mqtt-pub -l nodelay -d 'Disable Nagle\'s algorithm on the socket (TCP_NODELAY)'
complete -c mqtt-pub -l pw-prompt -d 'Ask for the password on the terminal, without echo'
complete -c mqtt-pub -s d -l debug -d 'Print every packet sent and received (mosquitto\'s debug lines, on stdout)'
complete -c mqtt-pub -l quiet -d 'Do not print runtime error messages'
complete -c mqtt-pub -l will-retain -d 'Retain the will message'
complete -c mqtt-pub -l no-tls -d 'Ignore every TLS option (for instance ones from the defaults file)'
complete -c mqtt-pub -l insecure -d 'Skip server certificate verification'
complete -c mqtt-pub -l tls-use-os-certs -d 'Verify the server with the operating system\'s CA store'
complete -c mqtt-pub -l help -d 'Print help'
complete -c mqtt-pub -l version -d 'Print version'
