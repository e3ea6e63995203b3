
use builtin;
use str;

set edit:completion:arg-completer[mqtt-pub] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'mqtt-pub'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'mqtt-pub'= {
            cand -t 'Topic to publish to'
            cand --topic 'Topic to publish to'
            cand -m 'Send MESSAGE as the payload'
            cand --message 'Send MESSAGE as the payload'
            cand -f 'Send the whole of FILE as the payload (binary-safe)'
            cand --file 'Send the whole of FILE as the payload (binary-safe)'
            cand --replay 'Publish a capture (the JSON lines mqtt-sub --json writes; - for stdin) with the gaps between its "tst" times'
            cand --speed '--replay this many times faster than captured (2.5, 0.5, ...), or max: as fast as confirmed delivery allows [default: 1]'
            cand --encode 'Read each message as JSON text and send it encoded: sparkplug, protobuf:FILE.proto[:package.Message], json, cbor or msgpack'
            cand -q 'Quality of service: 0, 1 or 2 [default: 0]'
            cand --qos 'Quality of service: 0, 1 or 2 [default: 0]'
            cand --repeat 'Publish the message COUNT times (-m, -f, -s, -n)'
            cand --repeat-delay 'Wait SECONDS (fractions allowed) after each repeated message is confirmed'
            cand --rate 'Publish at most N messages per second, on an absolute schedule (-l, --jsonl, --repeat)'
            cand -h 'Broker host name or IP address [default: localhost]'
            cand --host 'Broker host name or IP address [default: localhost]'
            cand -p 'Broker port [default: 1883; 8883 with TLS]'
            cand --port 'Broker port [default: 1883; 8883 with TLS]'
            cand -L 'Broker URL: mqtt://[USER[:PASSWORD]@]HOST[:PORT]/TOPIC'
            cand --url 'Broker URL: mqtt://[USER[:PASSWORD]@]HOST[:PORT]/TOPIC'
            cand --unix 'Connect to a unix socket instead of TCP'
            cand --ws-path 'The HTTP path of the WebSocket endpoint'
            cand --proxy 'Connect through a proxy: socks5h://[USER[:PASS]@]HOST[:PORT] or http://[USER[:PASS]@]HOST[:PORT]'
            cand -A 'Bind the local end of the connection to this address'
            cand -i 'Client id [default: none, the broker assigns one]'
            cand --id 'Client id [default: none, the broker assigns one]'
            cand -I 'Client id prefix: the id becomes PREFIX followed by the process id'
            cand --id-prefix 'Client id prefix: the id becomes PREFIX followed by the process id'
            cand -k 'Keep-alive interval in seconds (5-65535) [default: 60]'
            cand --keepalive 'Keep-alive interval in seconds (5-65535) [default: 60]'
            cand -V 'MQTT protocol version: 5 (mqttv5), 311 (mqttv311) or 31 (mqttv31) [default: 311]'
            cand --protocol-version 'MQTT protocol version: 5 (mqttv5), 311 (mqttv311) or 31 (mqttv31) [default: 311]'
            cand -x 'MQTT v5 session expiry interval in seconds; -1 or ∞ means never'
            cand -M 'Maximum number of QoS 1 and 2 messages in flight [default: 20]'
            cand --connect-retry 'Keep retrying the first connection until the broker answers or DURATION has passed (e.g. 30s, 2m, 500ms)'
            cand -u 'User name'
            cand --username 'User name'
            cand -P 'Password (prefer MQTT_PASSWORD, --pw-prompt or --pw-file: argv is visible in ps)'
            cand --pw 'Password (prefer MQTT_PASSWORD, --pw-prompt or --pw-file: argv is visible in ps)'
            cand --pw-file 'Read the password from the first line of FILE'
            cand -o 'Read default options from FILE instead of ~/.config/<program>'
            cand -D 'MQTT v5 property: -D COMMAND NAME VALUE, or -D COMMAND user-property KEY VALUE'
            cand --property 'MQTT v5 property: -D COMMAND NAME VALUE, or -D COMMAND user-property KEY VALUE'
            cand --will-topic 'Topic of the will message'
            cand --will-payload 'Payload of the will message [default: empty]'
            cand --will-qos 'QoS of the will message (0, 1 or 2) [default: 0]'
            cand --cafile 'CA certificates file (PEM)'
            cand --capath 'Directory of CA certificates (PEM)'
            cand --cert 'Client certificate (PEM)'
            cand --key 'Client private key (PEM)'
            cand --tls-version 'TLS version: tlsv1.2 or tlsv1.3'
            cand --tls-alpn 'ALPN protocol to offer'
            cand --keyform 'Key form: pem or engine'
            cand --tls-engine 'OpenSSL engine (not available with rustls)'
            cand --tls-engine-kpass-sha1 'SHA-1 of the engine key password (not available with rustls)'
            cand --tls-keylog 'Write TLS session keys to FILE, for Wireshark (not available: rustls reads SSLKEYLOGFILE)'
            cand --ciphers 'Cipher list'
            cand --psk 'Pre-shared key in hex (not available with rustls)'
            cand --psk-identity 'Identity for --psk'
            cand -s 'Send all of stdin as one payload (binary-safe)'
            cand --stdin-file 'Send all of stdin as one payload (binary-safe)'
            cand -n 'Send an empty (zero-length) payload'
            cand --null-message 'Send an empty (zero-length) payload'
            cand -l 'Send one message per line of stdin (the ''\n'' is removed, ''\r'' kept; an empty line is an empty message)'
            cand --stdin-line 'Send one message per line of stdin (the ''\n'' is removed, ''\r'' kept; an empty line is an empty message)'
            cand --jsonl 'Read one JSON object per line of stdin and publish it'
            cand -r 'Ask the broker to retain the message'
            cand --retain 'Ask the broker to retain the message'
            cand --ws 'Speak MQTT over WebSockets (ws://, or wss:// with TLS)'
            cand -c 'Keep the session when disconnecting (clean session / clean start off)'
            cand --disable-clean-session 'Keep the session when disconnecting (clean session / clean start off)'
            cand --nodelay 'Disable Nagle''s algorithm on the socket (TCP_NODELAY)'
            cand --pw-prompt 'Ask for the password on the terminal, without echo'
            cand -d 'Print every packet sent and received (mosquitto''s debug lines, on stdout)'
            cand --debug 'Print every packet sent and received (mosquitto''s debug lines, on stdout)'
            cand --quiet 'Do not print runtime error messages'
            cand --will-retain 'Retain the will message'
            cand --no-tls 'Ignore every TLS option (for instance ones from the defaults file)'
            cand --insecure 'Skip server certificate verification'
            cand --tls-use-os-certs 'Verify the server with the operating system''s CA store'
            cand --help 'Print help'
            cand --version 'Print version'
        }
    ]
    $completions[$command]
}
