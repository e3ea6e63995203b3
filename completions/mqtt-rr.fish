complete -c mqtt-rr -s t -l topic -d 'Topic to send the request to' -r
complete -c mqtt-rr -s e -d 'Response topic: where the answer is expected' -r
complete -c mqtt-rr -s m -l message -d 'Send MESSAGE as the payload' -r
complete -c mqtt-rr -s f -l file -d 'Send the whole of FILE as the payload (binary-safe)' -r
complete -c mqtt-rr -s q -l qos -d 'Quality of service of the request and the response subscription [default: 0]' -r
complete -c mqtt-rr -s F -d 'Print each message with FORMAT (mosquitto\'s -F language)' -r
complete -c mqtt-rr -l decode -d 'Show each payload decoded to JSON: sparkplug, protobuf:FILE.proto[:package.Message], json, cbor or msgpack' -r
complete -c mqtt-rr -l retain-handling -d 'MQTT v5: which retained messages the broker sends on subscribing' -r
complete -c mqtt-rr -s W -d 'Give up after SECONDS without finishing: print "Timed out", exit 27' -r
complete -c mqtt-rr -s h -l host -d 'Broker host name or IP address [default: localhost]' -r
complete -c mqtt-rr -s p -l port -d 'Broker port [default: 1883; 8883 with TLS]' -r
complete -c mqtt-rr -s L -l url -d 'Broker URL: mqtt://[USER[:PASSWORD]@]HOST[:PORT]/TOPIC' -r
complete -c mqtt-rr -l unix -d 'Connect to a unix socket instead of TCP' -r
complete -c mqtt-rr -l ws-path -d 'The HTTP path of the WebSocket endpoint' -r
complete -c mqtt-rr -l proxy -d 'Connect through a proxy: socks5h://[USER[:PASS]@]HOST[:PORT] or http://[USER[:PASS]@]HOST[:PORT]' -r
complete -c mqtt-rr -s A -d 'Bind the local end of the connection to this address' -r
complete -c mqtt-rr -s i -l id -d 'Client id [default: none, the broker assigns one]' -r
complete -c mqtt-rr -s I -l id-prefix -d 'Client id prefix: the id becomes PREFIX followed by the process id' -r
complete -c mqtt-rr -s k -l keepalive -d 'Keep-alive interval in seconds (5-65535) [default: 60]' -r
complete -c mqtt-rr -s V -l protocol-version -d 'MQTT protocol version: 5 (mqttv5), 311 (mqttv311) or 31 (mqttv31) [default: 311]' -r
complete -c mqtt-rr -s x -d 'MQTT v5 session expiry interval in seconds; -1 or ∞ means never' -r
complete -c mqtt-rr -s M -d 'Maximum number of QoS 1 and 2 messages in flight [default: 20]' -r
complete -c mqtt-rr -l connect-retry -d 'Keep retrying the first connection until the broker answers or DURATION has passed (e.g. 30s, 2m, 500ms)' -r
complete -c mqtt-rr -s u -l username -d 'User name' -r
complete -c mqtt-rr -s P -l pw -d 'Password (prefer MQTT_PASSWORD, --pw-prompt or --pw-file: argv is visible in ps)' -r
complete -c mqtt-rr -l pw-file -d 'Read the password from the first line of FILE' -r
complete -c mqtt-rr -s o -d 'Read default options from FILE instead of ~/.config/<program>' -r
complete -c mqtt-rr -s D -l property -d 'MQTT v5 property: -D COMMAND NAME VALUE, or -D COMMAND user-property KEY VALUE' -r
complete -c mqtt-rr -l will-topic -d 'Topic of the will message' -r
complete -c mqtt-rr -l will-payload -d 'Payload of the will message [default: empty]' -r
complete -c mqtt-rr -l will-qos -d 'QoS of the will message (0, 1 or 2) [default: 0]' -r
complete -c mqtt-rr -l cafile -d 'CA certificates file (PEM)' -r
complete -c mqtt-rr -l capath -d 'Directory of CA certificates (PEM)' -r
complete -c mqtt-rr -l cert -d 'Client certificate (PEM)' -r
complete -c mqtt-rr -l key -d 'Client private key (PEM)' -r
complete -c mqtt-rr -l tls-version -d 'TLS version: tlsv1.2 or tlsv1.3' -r
complete -c mqtt-rr -l tls-alpn -d 'ALPN protocol to offer' -r
complete -c mqtt-rr -l keyform -d 'Key form: pem or engine' -r
complete -c mqtt-rr -l tls-engine -d 'OpenSSL engine (not available with rustls)' -r
complete -c mqtt-rr -l tls-engine-kpass-sha1 -d 'SHA-1 of the engine key password (not available with rustls)' -r
complete -c mqtt-rr -l tls-keylog -d 'Write TLS session keys to FILE, for Wireshark (not available: rustls reads SSLKEYLOGFILE)' -r
complete -c mqtt-rr -l ciphers -d 'Cipher list' -r
complete -c mqtt-rr -l psk -d 'Pre-shared key in hex (not available with rustls)' -r
complete -c mqtt-rr -l psk-identity -d 'Identity for --psk' -r
complete -c mqtt-rr -s s -l stdin-file -d 'Send all of stdin as one payload (binary-safe)'
complete -c mqtt-rr -s n -l null-message -d 'Send an empty (zero-length) payload'
complete -c mqtt-rr -l latency -d 'Print the time from sending the request to receiving the response'
complete -c mqtt-rr -s v -l verbose -d 'Print the topic before the payload: `topic payload`'
complete -c mqtt-rr -s N -d 'Do not end each message with a newline'
complete -c mqtt-rr -l pretty -d 'Indent %j and %J JSON output with tabs'
complete -c mqtt-rr -l json -d 'Print one JSON object per line, lossless for binary payloads'
complete -c mqtt-rr -s R -d 'Do not print retained messages (and, with MQTT v5, ask the broker not to send them)'
complete -c mqtt-rr -l retain-as-published -d 'MQTT v5: keep the retain flag as the publisher set it'
complete -c mqtt-rr -l help -d 'Print help'
complete -c mqtt-rr -l version -d 'Print version'
complete -c mqtt-rr -l ws -d 'Speak MQTT over WebSockets (ws://, or wss:// with TLS)'
complete -c mqtt-rr -s c -l disable-clean-session -d 'Keep the session when disconnecting (clean session / clean start off)'
complete -c mqtt-rr -l nodelay -d 'Disable Nagle\'s algorithm on the socket (TCP_NODELAY)'
complete -c mqtt-rr -l pw-prompt -d 'Ask for the password on the terminal, without echo'
complete -c mqtt-rr -s d -l debug -d 'Print every packet sent and received (mosquitto\'s debug lines, on stdout)'
complete -c mqtt-rr -l quiet -d 'Do not print runtime error messages'
complete -c mqtt-rr -l will-retain -d 'Retain the will message'
complete -c mqtt-rr -l no-tls -d 'Ignore every TLS option (for instance ones from the defaults file)'
complete -c mqtt-rr -l insecure -d 'Skip server certificate verification'
complete -c mqtt-rr -l tls-use-os-certs -d 'Verify the server with the operating system\'s CA store'
