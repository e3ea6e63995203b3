complete -c mqtt-sub -s t -l topic -d 'Topic filter to subscribe to (repeatable; all go in one SUBSCRIBE)' -r
complete -c mqtt-sub -s T -l filter-out -d 'Do not print messages whose topic matches FILTER (repeatable)' -r
complete -c mqtt-sub -s U -l unsubscribe -d 'Unsubscribe from FILTER after subscribing (repeatable)' -r
complete -c mqtt-sub -s q -l qos -d 'Quality of service for the subscriptions: 0, 1 or 2 [default: 0]' -r
complete -c mqtt-sub -s C -d 'Exit after COUNT messages' -r
complete -c mqtt-sub -l random-filter -d 'Print only PERCENT % of the messages, at random (0.1-100)' -r
complete -c mqtt-sub -l exec -d 'Run COMMAND (with sh -c) for each message, in order, one at a time' -r
complete -c mqtt-sub -s F -d 'Print each message with FORMAT (mosquitto\'s -F language)' -r
complete -c mqtt-sub -l decode -d 'Show each payload decoded to JSON: sparkplug, protobuf:FILE.proto[:package.Message], json, cbor or msgpack' -r
complete -c mqtt-sub -l retain-handling -d 'MQTT v5: which retained messages the broker sends on subscribing' -r
complete -c mqtt-sub -s W -d 'Give up after SECONDS without finishing: print "Timed out", exit 27' -r
complete -c mqtt-sub -s h -l host -d 'Broker host name or IP address [default: localhost]' -r
complete -c mqtt-sub -s p -l port -d 'Broker port [default: 1883; 8883 with TLS]' -r
complete -c mqtt-sub -s L -l url -d 'Broker URL: mqtt://[USER[:PASSWORD]@]HOST[:PORT]/TOPIC' -r
complete -c mqtt-sub -l unix -d 'Connect to a unix socket instead of TCP' -r
complete -c mqtt-sub -l ws-path -d 'The HTTP path of the WebSocket endpoint' -r
complete -c mqtt-sub -l proxy -d 'Connect through a proxy: socks5h://[USER[:PASS]@]HOST[:PORT] or http://[USER[:PASS]@]HOST[:PORT]' -r
complete -c mqtt-sub -s A -d 'Bind the local end of the connection to this address' -r
complete -c mqtt-sub -s i -l id -d 'Client id [default: none, the broker assigns one]' -r
complete -c mqtt-sub -s I -l id-prefix -d 'Client id prefix: the id becomes PREFIX followed by the process id' -r
complete -c mqtt-sub -s k -l keepalive -d 'Keep-alive interval in seconds (5-65535) [default: 60]' -r
complete -c mqtt-sub -s V -l protocol-version -d 'MQTT protocol version: 5 (mqttv5), 311 (mqttv311) or 31 (mqttv31) [default: 311]' -r
complete -c mqtt-sub -s x -d 'MQTT v5 session expiry interval in seconds; -1 or ∞ means never' -r
complete -c mqtt-sub -s M -d 'Maximum number of QoS 1 and 2 messages in flight [default: 20]' -r
complete -c mqtt-sub -l connect-retry -d 'Keep retrying the first connection until the broker answers or DURATION has passed (e.g. 30s, 2m, 500ms)' -r
complete -c mqtt-sub -s u -l username -d 'User name' -r
complete -c mqtt-sub -s P -l pw -d 'Password (prefer MQTT_PASSWORD, --pw-prompt or --pw-file: argv is visible in ps)' -r
complete -c mqtt-sub -l pw-file -d 'Read the password from the first line of FILE' -r
complete -c mqtt-sub -s o -d 'Read default options from FILE instead of ~/.config/<program>' -r
complete -c mqtt-sub -s D -l property -d 'MQTT v5 property: -D COMMAND NAME VALUE, or -D COMMAND user-property KEY VALUE' -r
complete -c mqtt-sub -l will-topic -d 'Topic of the will message' -r
complete -c mqtt-sub -l will-payload -d 'Payload of the will message [default: empty]' -r
complete -c mqtt-sub -l will-qos -d 'QoS of the will message (0, 1 or 2) [default: 0]' -r
complete -c mqtt-sub -l cafile -d 'CA certificates file (PEM)' -r
complete -c mqtt-sub -l capath -d 'Directory of CA certificates (PEM)' -r
complete -c mqtt-sub -l cert -d 'Client certificate (PEM)' -r
complete -c mqtt-sub -l key -d 'Client private key (PEM)' -r
complete -c mqtt-sub -l tls-version -d 'TLS version: tlsv1.2 or tlsv1.3' -r
complete -c mqtt-sub -l tls-alpn -d 'ALPN protocol to offer' -r
complete -c mqtt-sub -l keyform -d 'Key form: pem or engine' -r
complete -c mqtt-sub -l tls-engine -d 'OpenSSL engine (not available with rustls)' -r
complete -c mqtt-sub -l tls-engine-kpass-sha1 -d 'SHA-1 of the engine key password (not available with rustls)' -r
complete -c mqtt-sub -l tls-keylog -d 'Write TLS session keys to FILE, for Wireshark (not available: rustls reads SSLKEYLOGFILE)' -r
complete -c mqtt-sub -l ciphers -d 'Cipher list' -r
complete -c mqtt-sub -l psk -d 'Pre-shared key in hex (not available with rustls)' -r
complete -c mqtt-sub -l psk-identity -d 'Identity for --psk' -r
complete -c mqtt-sub -s E -d 'Exit once the subscriptions are acknowledged'
complete -c mqtt-sub -l remove-retained -d 'Clear each retained message received (publish an empty retained message)'
complete -c mqtt-sub -l retained-only -d 'Print only retained messages; exit at the first live one'
complete -c mqtt-sub -l message-rate -d 'Print the number of messages received each second instead of the messages'
complete -c mqtt-sub -s w -l watch -d 'Print each topic on a line of its own, overwritten by its next message'
complete -c mqtt-sub -s v -l verbose -d 'Print the topic before the payload: `topic payload`'
complete -c mqtt-sub -s N -d 'Do not end each message with a newline'
complete -c mqtt-sub -l pretty -d 'Indent %j and %J JSON output with tabs'
complete -c mqtt-sub -l json -d 'Print one JSON object per line, lossless for binary payloads'
complete -c mqtt-sub -s R -d 'Do not print retained messages (and, with MQTT v5, ask the broker not to send them)'
complete -c mqtt-sub -l retain-as-published -d 'MQTT v5: keep the retain flag as the publisher set it'
complete -c mqtt-sub -l help -d 'Print help'
complete -c mqtt-sub -l version -d 'Print version'
complete -c mqtt-sub -l ws -d 'Speak MQTT over WebSockets (ws://, or wss:// with TLS)'
complete -c mqtt-sub -s c -l disable-clean-session -d 'Keep the session when disconnecting (clean session / clean start off)'
complete -c mqtt-sub -l nodelay -d 'Disable Nagle\'s algorithm on the socket (TCP_NODELAY)'
complete -c mqtt-sub -l pw-prompt -d 'Ask for the password on the terminal, without echo'
complete -c mqtt-sub -s d -l debug -d 'Print every packet sent and received (mosquitto\'s debug lines, on stdout)'
complete -c mqtt-sub -l quiet -d 'Do not print runtime error messages'
complete -c mqtt-sub -l will-retain -d 'Retain the will message'
complete -c mqtt-sub -l no-tls -d 'Ignore every TLS option (for instance ones from the defaults file)'
complete -c mqtt-sub -l insecure -d 'Skip server certificate verification'
complete -c mqtt-sub -l tls-use-os-certs -d 'Verify the server with the operating system\'s CA store'
