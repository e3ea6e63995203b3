# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_mqtt_bench_global_optspecs
    string join \n help V/version
end

function __fish_mqtt_bench_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_mqtt_bench_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_mqtt_bench_using_subcommand
    set -l cmd (__fish_mqtt_bench_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c mqtt-bench -n "__fish_mqtt_bench_needs_command" -l help -d 'Print help (-h is the broker host, as in every mqttkit tool)'
complete -c mqtt-bench -n "__fish_mqtt_bench_needs_command" -s V -l version -d 'Print version'
complete -c mqtt-bench -n "__fish_mqtt_bench_needs_command" -f -a "conn" -d 'Open and hold connections; connect latency, failures, memory per connection'
complete -c mqtt-bench -n "__fish_mqtt_bench_needs_command" -f -a "pub" -d 'Publish on an open-loop schedule; PUBACK/PUBREC/PUBCOMP latency and schedule lag'
complete -c mqtt-bench -n "__fish_mqtt_bench_needs_command" -f -a "sub" -d 'Subscribe and measure what arrives (latency and loss from mqtt-bench payloads)'
complete -c mqtt-bench -n "__fish_mqtt_bench_needs_command" -f -a "pubsub" -d 'Publishers and subscribers together: end-to-end latency, loss, duplicates, order'
complete -c mqtt-bench -n "__fish_mqtt_bench_needs_command" -f -a "check" -d 'Check what a broker supports and whether it keeps MQTT\'s promises'
complete -c mqtt-bench -n "__fish_mqtt_bench_needs_command" -f -a "merge" -d 'Merge the JSON reports of several shards (--shard) into one'
complete -c mqtt-bench -n "__fish_mqtt_bench_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -s c -l clients -d 'Number of connections' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -l conn-rate -d 'Connections opened per second [default: as fast as possible]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -l ifaddr -d 'Local source addresses, given to the clients in turn (past the ~28,000 ports one address has per broker)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -l threads -d 'Threads the clients run on [default: 1; more for a generator with many cores to spare — on a small machine one thread leaves the cores to the broker and costs less per message]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -l count -d 'Messages to publish in total (pub, pubsub) or to receive (sub)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -l duration -d 'Length of the measured run (e.g. 30s, 2m) [default: 10s, unless --count]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -l warmup -d 'Time before measuring starts: its messages are checked for loss but left out of latency and rate figures [default: 0s]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -l drain -d 'After publishing ends, how long to wait for late messages before counting the missing ones as lost [default: 5s; ends early when all arrived]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -l seed -d 'Seed for everything random (payload filler, connection jitter)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -l shard -d 'Run shard I of N (0-based): a disjoint slice of client indexes, ids and topics; combine the reports with `mqtt-bench merge`' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -l json -d 'Write the JSON report to FILE (\'-\' for stdout)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -l html -d 'Write a self-contained HTML report with SVG charts to FILE' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -l assert -d 'A threshold that sets the exit code, e.g. \'p99_ms<=20\', \'loss==0\', \'rate>=9500\' (repeatable; metrics are listed in the README)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -l baseline -d 'Compare against a saved JSON report: rates may not drop and latencies may not grow by more than --tolerance' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -l tolerance -d 'Allowed regression against --baseline (e.g. 10%)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -s h -l host -d 'Broker host name or IP address [default: localhost]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -s p -l port -d 'Broker port [default: 1883; 8883 with TLS]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -s L -l url -d 'Broker URL: mqtt://[USER[:PASSWORD]@]HOST[:PORT]/TOPIC' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -l unix -d 'Connect to a unix socket instead of TCP' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -l ws-path -d 'The HTTP path of the WebSocket endpoint' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -l proxy -d 'Connect through a proxy: socks5h://[USER[:PASS]@]HOST[:PORT] or http://[USER[:PASS]@]HOST[:PORT]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -s A -d 'Bind the local end of the connection to this address' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -s i -l id -d 'Client id [default: none, the broker assigns one]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -s I -l id-prefix -d 'Client id prefix: the id becomes PREFIX followed by the process id' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -s k -l keepalive -d 'Keep-alive interval in seconds (5-65535) [default: 60]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -s V -l protocol-version -d 'MQTT protocol version: 5 (mqttv5), 311 (mqttv311) or 31 (mqttv31) [default: 311]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -s x -d 'MQTT v5 session expiry interval in seconds; -1 or ∞ means never' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -l connect-retry -d 'Keep retrying the first connection until the broker answers or DURATION has passed (e.g. 30s, 2m, 500ms)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -s u -l username -d 'User name' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -s P -l pw -d 'Password (prefer MQTT_PASSWORD, --pw-prompt or --pw-file: argv is visible in ps)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -l pw-file -d 'Read the password from the first line of FILE' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -s o -d 'Read default options from FILE instead of ~/.config/<program>' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -s D -l property -d 'MQTT v5 property: -D COMMAND NAME VALUE, or -D COMMAND user-property KEY VALUE' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -l will-topic -d 'Topic of the will message' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -l will-payload -d 'Payload of the will message [default: empty]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -l will-qos -d 'QoS of the will message (0, 1 or 2) [default: 0]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -l cafile -d 'CA certificates file (PEM)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -l capath -d 'Directory of CA certificates (PEM)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -l cert -d 'Client certificate (PEM)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -l key -d 'Client private key (PEM)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -l tls-version -d 'TLS version: tlsv1.2 or tlsv1.3' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -l tls-alpn -d 'ALPN protocol to offer' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -l keyform -d 'Key form: pem or engine' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -l tls-engine -d 'OpenSSL engine (not available with rustls)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -l tls-engine-kpass-sha1 -d 'SHA-1 of the engine key password (not available with rustls)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -l tls-keylog -d 'Write TLS session keys to FILE, for Wireshark (not available: rustls reads SSLKEYLOGFILE)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -l ciphers -d 'Cipher list' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -l psk -d 'Pre-shared key in hex (not available with rustls)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -l psk-identity -d 'Identity for --psk' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -s M -l inflight -d 'Maximum number of QoS 1 and 2 messages in flight [default: 20]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -l help -d 'Print help'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -l ws -d 'Speak MQTT over WebSockets (ws://, or wss:// with TLS)'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -l nodelay -d 'Disable Nagle\'s algorithm on the socket (TCP_NODELAY)'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -l pw-prompt -d 'Ask for the password on the terminal, without echo'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -s d -l debug -d 'Print every packet sent and received (mosquitto\'s debug lines, on stdout)'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -l quiet -d 'Do not print runtime error messages'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -l will-retain -d 'Retain the will message'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -l no-tls -d 'Ignore every TLS option (for instance ones from the defaults file)'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -l insecure -d 'Skip server certificate verification'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -l tls-use-os-certs -d 'Verify the server with the operating system\'s CA store'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand conn" -l disable-clean-session -d 'Keep the session when disconnecting (clean session / clean start off)'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -s c -l clients -d 'Number of publishers' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -s t -l topic -d 'Topic template: %i client index, %c client id, %u user name' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -l rate -d 'Aggregate messages per second over all publishers [default: as fast as the inflight window allows]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -l interval -d 'Time between messages of each publisher (e.g. 10ms, 1s)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -s s -l size -d 'Payload size in bytes (at least 28: the mqtt-bench header)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -s q -l qos -d 'Quality of service: 0, 1 or 2' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -l sparkplug-group -d 'The Sparkplug group of the edge nodes' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -l sparkplug-devices -d 'Devices per edge node (each DDATA is one device\'s, in turn)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -l conn-rate -d 'Connections opened per second [default: as fast as possible]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -l ifaddr -d 'Local source addresses, given to the clients in turn (past the ~28,000 ports one address has per broker)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -l threads -d 'Threads the clients run on [default: 1; more for a generator with many cores to spare — on a small machine one thread leaves the cores to the broker and costs less per message]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -l count -d 'Messages to publish in total (pub, pubsub) or to receive (sub)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -l duration -d 'Length of the measured run (e.g. 30s, 2m) [default: 10s, unless --count]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -l warmup -d 'Time before measuring starts: its messages are checked for loss but left out of latency and rate figures [default: 0s]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -l drain -d 'After publishing ends, how long to wait for late messages before counting the missing ones as lost [default: 5s; ends early when all arrived]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -l seed -d 'Seed for everything random (payload filler, connection jitter)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -l shard -d 'Run shard I of N (0-based): a disjoint slice of client indexes, ids and topics; combine the reports with `mqtt-bench merge`' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -l json -d 'Write the JSON report to FILE (\'-\' for stdout)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -l html -d 'Write a self-contained HTML report with SVG charts to FILE' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -l assert -d 'A threshold that sets the exit code, e.g. \'p99_ms<=20\', \'loss==0\', \'rate>=9500\' (repeatable; metrics are listed in the README)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -l baseline -d 'Compare against a saved JSON report: rates may not drop and latencies may not grow by more than --tolerance' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -l tolerance -d 'Allowed regression against --baseline (e.g. 10%)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -s h -l host -d 'Broker host name or IP address [default: localhost]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -s p -l port -d 'Broker port [default: 1883; 8883 with TLS]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -s L -l url -d 'Broker URL: mqtt://[USER[:PASSWORD]@]HOST[:PORT]/TOPIC' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -l unix -d 'Connect to a unix socket instead of TCP' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -l ws-path -d 'The HTTP path of the WebSocket endpoint' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -l proxy -d 'Connect through a proxy: socks5h://[USER[:PASS]@]HOST[:PORT] or http://[USER[:PASS]@]HOST[:PORT]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -s A -d 'Bind the local end of the connection to this address' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -s i -l id -d 'Client id [default: none, the broker assigns one]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -s I -l id-prefix -d 'Client id prefix: the id becomes PREFIX followed by the process id' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -s k -l keepalive -d 'Keep-alive interval in seconds (5-65535) [default: 60]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -s V -l protocol-version -d 'MQTT protocol version: 5 (mqttv5), 311 (mqttv311) or 31 (mqttv31) [default: 311]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -s x -d 'MQTT v5 session expiry interval in seconds; -1 or ∞ means never' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -l connect-retry -d 'Keep retrying the first connection until the broker answers or DURATION has passed (e.g. 30s, 2m, 500ms)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -s u -l username -d 'User name' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -s P -l pw -d 'Password (prefer MQTT_PASSWORD, --pw-prompt or --pw-file: argv is visible in ps)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -l pw-file -d 'Read the password from the first line of FILE' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -s o -d 'Read default options from FILE instead of ~/.config/<program>' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -s D -l property -d 'MQTT v5 property: -D COMMAND NAME VALUE, or -D COMMAND user-property KEY VALUE' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -l will-topic -d 'Topic of the will message' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -l will-payload -d 'Payload of the will message [default: empty]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -l will-qos -d 'QoS of the will message (0, 1 or 2) [default: 0]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -l cafile -d 'CA certificates file (PEM)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -l capath -d 'Directory of CA certificates (PEM)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -l cert -d 'Client certificate (PEM)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -l key -d 'Client private key (PEM)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -l tls-version -d 'TLS version: tlsv1.2 or tlsv1.3' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -l tls-alpn -d 'ALPN protocol to offer' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -l keyform -d 'Key form: pem or engine' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -l tls-engine -d 'OpenSSL engine (not available with rustls)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -l tls-engine-kpass-sha1 -d 'SHA-1 of the engine key password (not available with rustls)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -l tls-keylog -d 'Write TLS session keys to FILE, for Wireshark (not available: rustls reads SSLKEYLOGFILE)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -l ciphers -d 'Cipher list' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -l psk -d 'Pre-shared key in hex (not available with rustls)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -l psk-identity -d 'Identity for --psk' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -s M -l inflight -d 'Maximum number of QoS 1 and 2 messages in flight [default: 20]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -s r -l retain -d 'Publish with the retain flag'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -l sparkplug -d 'Each publisher is a Sparkplug B edge node: NDEATH as its will, NBIRTH and a DBIRTH per device on connecting, then DDATA (with seq and aliases) at the rate asked; a rebirth request (NCMD) is answered'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -l help -d 'Print help'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -l ws -d 'Speak MQTT over WebSockets (ws://, or wss:// with TLS)'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -l nodelay -d 'Disable Nagle\'s algorithm on the socket (TCP_NODELAY)'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -l pw-prompt -d 'Ask for the password on the terminal, without echo'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -s d -l debug -d 'Print every packet sent and received (mosquitto\'s debug lines, on stdout)'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -l quiet -d 'Do not print runtime error messages'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -l will-retain -d 'Retain the will message'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -l no-tls -d 'Ignore every TLS option (for instance ones from the defaults file)'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -l insecure -d 'Skip server certificate verification'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -l tls-use-os-certs -d 'Verify the server with the operating system\'s CA store'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pub" -l disable-clean-session -d 'Keep the session when disconnecting (clean session / clean start off)'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -s c -l clients -d 'Number of subscribers' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -s t -l topic -d 'Topic filter template (%i client index, %c client id, %u user name; $share/GROUP/... for shared subscriptions)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -s q -l qos -d 'Subscription QoS: 0, 1 or 2' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -l conn-rate -d 'Connections opened per second [default: as fast as possible]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -l ifaddr -d 'Local source addresses, given to the clients in turn (past the ~28,000 ports one address has per broker)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -l threads -d 'Threads the clients run on [default: 1; more for a generator with many cores to spare — on a small machine one thread leaves the cores to the broker and costs less per message]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -l count -d 'Messages to publish in total (pub, pubsub) or to receive (sub)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -l duration -d 'Length of the measured run (e.g. 30s, 2m) [default: 10s, unless --count]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -l warmup -d 'Time before measuring starts: its messages are checked for loss but left out of latency and rate figures [default: 0s]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -l drain -d 'After publishing ends, how long to wait for late messages before counting the missing ones as lost [default: 5s; ends early when all arrived]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -l seed -d 'Seed for everything random (payload filler, connection jitter)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -l shard -d 'Run shard I of N (0-based): a disjoint slice of client indexes, ids and topics; combine the reports with `mqtt-bench merge`' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -l json -d 'Write the JSON report to FILE (\'-\' for stdout)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -l html -d 'Write a self-contained HTML report with SVG charts to FILE' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -l assert -d 'A threshold that sets the exit code, e.g. \'p99_ms<=20\', \'loss==0\', \'rate>=9500\' (repeatable; metrics are listed in the README)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -l baseline -d 'Compare against a saved JSON report: rates may not drop and latencies may not grow by more than --tolerance' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -l tolerance -d 'Allowed regression against --baseline (e.g. 10%)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -s h -l host -d 'Broker host name or IP address [default: localhost]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -s p -l port -d 'Broker port [default: 1883; 8883 with TLS]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -s L -l url -d 'Broker URL: mqtt://[USER[:PASSWORD]@]HOST[:PORT]/TOPIC' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -l unix -d 'Connect to a unix socket instead of TCP' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -l ws-path -d 'The HTTP path of the WebSocket endpoint' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -l proxy -d 'Connect through a proxy: socks5h://[USER[:PASS]@]HOST[:PORT] or http://[USER[:PASS]@]HOST[:PORT]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -s A -d 'Bind the local end of the connection to this address' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -s i -l id -d 'Client id [default: none, the broker assigns one]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -s I -l id-prefix -d 'Client id prefix: the id becomes PREFIX followed by the process id' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -s k -l keepalive -d 'Keep-alive interval in seconds (5-65535) [default: 60]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -s V -l protocol-version -d 'MQTT protocol version: 5 (mqttv5), 311 (mqttv311) or 31 (mqttv31) [default: 311]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -s x -d 'MQTT v5 session expiry interval in seconds; -1 or ∞ means never' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -l connect-retry -d 'Keep retrying the first connection until the broker answers or DURATION has passed (e.g. 30s, 2m, 500ms)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -s u -l username -d 'User name' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -s P -l pw -d 'Password (prefer MQTT_PASSWORD, --pw-prompt or --pw-file: argv is visible in ps)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -l pw-file -d 'Read the password from the first line of FILE' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -s o -d 'Read default options from FILE instead of ~/.config/<program>' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -s D -l property -d 'MQTT v5 property: -D COMMAND NAME VALUE, or -D COMMAND user-property KEY VALUE' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -l will-topic -d 'Topic of the will message' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -l will-payload -d 'Payload of the will message [default: empty]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -l will-qos -d 'QoS of the will message (0, 1 or 2) [default: 0]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -l cafile -d 'CA certificates file (PEM)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -l capath -d 'Directory of CA certificates (PEM)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -l cert -d 'Client certificate (PEM)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -l key -d 'Client private key (PEM)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -l tls-version -d 'TLS version: tlsv1.2 or tlsv1.3' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -l tls-alpn -d 'ALPN protocol to offer' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -l keyform -d 'Key form: pem or engine' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -l tls-engine -d 'OpenSSL engine (not available with rustls)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -l tls-engine-kpass-sha1 -d 'SHA-1 of the engine key password (not available with rustls)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -l tls-keylog -d 'Write TLS session keys to FILE, for Wireshark (not available: rustls reads SSLKEYLOGFILE)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -l ciphers -d 'Cipher list' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -l psk -d 'Pre-shared key in hex (not available with rustls)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -l psk-identity -d 'Identity for --psk' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -s M -l inflight -d 'Maximum number of QoS 1 and 2 messages in flight [default: 20]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -l help -d 'Print help'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -l ws -d 'Speak MQTT over WebSockets (ws://, or wss:// with TLS)'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -l nodelay -d 'Disable Nagle\'s algorithm on the socket (TCP_NODELAY)'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -l pw-prompt -d 'Ask for the password on the terminal, without echo'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -s d -l debug -d 'Print every packet sent and received (mosquitto\'s debug lines, on stdout)'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -l quiet -d 'Do not print runtime error messages'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -l will-retain -d 'Retain the will message'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -l no-tls -d 'Ignore every TLS option (for instance ones from the defaults file)'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -l insecure -d 'Skip server certificate verification'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -l tls-use-os-certs -d 'Verify the server with the operating system\'s CA store'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand sub" -l disable-clean-session -d 'Keep the session when disconnecting (clean session / clean start off)'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -s c -l clients -d 'Number of publishers and of subscribers (each, unless set separately)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l publishers -d 'Number of publishers [default: -c]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l subscribers -d 'Number of subscribers [default: -c]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l filter -d 'Subscribers\' topic filter template [default: the topic template with every level holding %i, %c or %u replaced by +]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -s t -l topic -d 'Topic template: %i client index, %c client id, %u user name' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l rate -d 'Aggregate messages per second over all publishers [default: as fast as the inflight window allows]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l interval -d 'Time between messages of each publisher (e.g. 10ms, 1s)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -s s -l size -d 'Payload size in bytes (at least 28: the mqtt-bench header)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -s q -l qos -d 'Quality of service: 0, 1 or 2' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l sparkplug-group -d 'The Sparkplug group of the edge nodes' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l sparkplug-devices -d 'Devices per edge node (each DDATA is one device\'s, in turn)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l conn-rate -d 'Connections opened per second [default: as fast as possible]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l ifaddr -d 'Local source addresses, given to the clients in turn (past the ~28,000 ports one address has per broker)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l threads -d 'Threads the clients run on [default: 1; more for a generator with many cores to spare — on a small machine one thread leaves the cores to the broker and costs less per message]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l count -d 'Messages to publish in total (pub, pubsub) or to receive (sub)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l duration -d 'Length of the measured run (e.g. 30s, 2m) [default: 10s, unless --count]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l warmup -d 'Time before measuring starts: its messages are checked for loss but left out of latency and rate figures [default: 0s]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l drain -d 'After publishing ends, how long to wait for late messages before counting the missing ones as lost [default: 5s; ends early when all arrived]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l seed -d 'Seed for everything random (payload filler, connection jitter)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l shard -d 'Run shard I of N (0-based): a disjoint slice of client indexes, ids and topics; combine the reports with `mqtt-bench merge`' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l json -d 'Write the JSON report to FILE (\'-\' for stdout)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l html -d 'Write a self-contained HTML report with SVG charts to FILE' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l assert -d 'A threshold that sets the exit code, e.g. \'p99_ms<=20\', \'loss==0\', \'rate>=9500\' (repeatable; metrics are listed in the README)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l baseline -d 'Compare against a saved JSON report: rates may not drop and latencies may not grow by more than --tolerance' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l tolerance -d 'Allowed regression against --baseline (e.g. 10%)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -s h -l host -d 'Broker host name or IP address [default: localhost]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -s p -l port -d 'Broker port [default: 1883; 8883 with TLS]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -s L -l url -d 'Broker URL: mqtt://[USER[:PASSWORD]@]HOST[:PORT]/TOPIC' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l unix -d 'Connect to a unix socket instead of TCP' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l ws-path -d 'The HTTP path of the WebSocket endpoint' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l proxy -d 'Connect through a proxy: socks5h://[USER[:PASS]@]HOST[:PORT] or http://[USER[:PASS]@]HOST[:PORT]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -s A -d 'Bind the local end of the connection to this address' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -s i -l id -d 'Client id [default: none, the broker assigns one]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -s I -l id-prefix -d 'Client id prefix: the id becomes PREFIX followed by the process id' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -s k -l keepalive -d 'Keep-alive interval in seconds (5-65535) [default: 60]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -s V -l protocol-version -d 'MQTT protocol version: 5 (mqttv5), 311 (mqttv311) or 31 (mqttv31) [default: 311]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -s x -d 'MQTT v5 session expiry interval in seconds; -1 or ∞ means never' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l connect-retry -d 'Keep retrying the first connection until the broker answers or DURATION has passed (e.g. 30s, 2m, 500ms)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -s u -l username -d 'User name' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -s P -l pw -d 'Password (prefer MQTT_PASSWORD, --pw-prompt or --pw-file: argv is visible in ps)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l pw-file -d 'Read the password from the first line of FILE' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -s o -d 'Read default options from FILE instead of ~/.config/<program>' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -s D -l property -d 'MQTT v5 property: -D COMMAND NAME VALUE, or -D COMMAND user-property KEY VALUE' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l will-topic -d 'Topic of the will message' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l will-payload -d 'Payload of the will message [default: empty]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l will-qos -d 'QoS of the will message (0, 1 or 2) [default: 0]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l cafile -d 'CA certificates file (PEM)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l capath -d 'Directory of CA certificates (PEM)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l cert -d 'Client certificate (PEM)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l key -d 'Client private key (PEM)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l tls-version -d 'TLS version: tlsv1.2 or tlsv1.3' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l tls-alpn -d 'ALPN protocol to offer' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l keyform -d 'Key form: pem or engine' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l tls-engine -d 'OpenSSL engine (not available with rustls)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l tls-engine-kpass-sha1 -d 'SHA-1 of the engine key password (not available with rustls)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l tls-keylog -d 'Write TLS session keys to FILE, for Wireshark (not available: rustls reads SSLKEYLOGFILE)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l ciphers -d 'Cipher list' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l psk -d 'Pre-shared key in hex (not available with rustls)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l psk-identity -d 'Identity for --psk' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -s M -l inflight -d 'Maximum number of QoS 1 and 2 messages in flight [default: 20]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -s r -l retain -d 'Publish with the retain flag'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l sparkplug -d 'Each publisher is a Sparkplug B edge node: NDEATH as its will, NBIRTH and a DBIRTH per device on connecting, then DDATA (with seq and aliases) at the rate asked; a rebirth request (NCMD) is answered'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l help -d 'Print help'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l ws -d 'Speak MQTT over WebSockets (ws://, or wss:// with TLS)'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l nodelay -d 'Disable Nagle\'s algorithm on the socket (TCP_NODELAY)'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l pw-prompt -d 'Ask for the password on the terminal, without echo'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -s d -l debug -d 'Print every packet sent and received (mosquitto\'s debug lines, on stdout)'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l quiet -d 'Do not print runtime error messages'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l will-retain -d 'Retain the will message'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l no-tls -d 'Ignore every TLS option (for instance ones from the defaults file)'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l insecure -d 'Skip server certificate verification'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l tls-use-os-certs -d 'Verify the server with the operating system\'s CA store'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand pubsub" -l disable-clean-session -d 'Keep the session when disconnecting (clean session / clean start off)'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -l topic-prefix -d 'Topics the probes use live under this prefix (so a check can run on a shared broker) [default: mqtt-bench/check/RANDOM]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -l max-payload -d 'Largest payload to try, doubling from 1 KiB (e.g. 16MiB, 65536)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -l probe-timeout -d 'How long one probe may take before it counts as failed (e.g. 5s)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -l json -d 'Write the JSON report, with each item\'s evidence, to FILE (\'-\' for stdout)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -l assert -d 'An item that must hold: NAME (passes), \'!NAME\' (does not), or \'NAME OP NUMBER\' on an item\'s value, e.g. qos2_exactly_once, \'!retain\', \'max_packet_size>=1048576\' (repeatable)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -s h -l host -d 'Broker host name or IP address [default: localhost]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -s p -l port -d 'Broker port [default: 1883; 8883 with TLS]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -s L -l url -d 'Broker URL: mqtt://[USER[:PASSWORD]@]HOST[:PORT]/TOPIC' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -l unix -d 'Connect to a unix socket instead of TCP' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -l ws-path -d 'The HTTP path of the WebSocket endpoint' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -l proxy -d 'Connect through a proxy: socks5h://[USER[:PASS]@]HOST[:PORT] or http://[USER[:PASS]@]HOST[:PORT]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -s A -d 'Bind the local end of the connection to this address' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -s i -l id -d 'Client id [default: none, the broker assigns one]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -s I -l id-prefix -d 'Client id prefix: the id becomes PREFIX followed by the process id' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -s k -l keepalive -d 'Keep-alive interval in seconds (5-65535) [default: 60]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -s x -d 'MQTT v5 session expiry interval in seconds; -1 or ∞ means never' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -s M -d 'Maximum number of QoS 1 and 2 messages in flight [default: 20]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -l connect-retry -d 'Keep retrying the first connection until the broker answers or DURATION has passed (e.g. 30s, 2m, 500ms)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -s u -l username -d 'User name' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -s P -l pw -d 'Password (prefer MQTT_PASSWORD, --pw-prompt or --pw-file: argv is visible in ps)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -l pw-file -d 'Read the password from the first line of FILE' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -s o -d 'Read default options from FILE instead of ~/.config/<program>' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -s D -l property -d 'MQTT v5 property: -D COMMAND NAME VALUE, or -D COMMAND user-property KEY VALUE' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -l will-topic -d 'Topic of the will message' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -l will-payload -d 'Payload of the will message [default: empty]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -l will-qos -d 'QoS of the will message (0, 1 or 2) [default: 0]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -l cafile -d 'CA certificates file (PEM)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -l capath -d 'Directory of CA certificates (PEM)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -l cert -d 'Client certificate (PEM)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -l key -d 'Client private key (PEM)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -l tls-version -d 'TLS version: tlsv1.2 or tlsv1.3' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -l tls-alpn -d 'ALPN protocol to offer' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -l keyform -d 'Key form: pem or engine' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -l tls-engine -d 'OpenSSL engine (not available with rustls)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -l tls-engine-kpass-sha1 -d 'SHA-1 of the engine key password (not available with rustls)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -l tls-keylog -d 'Write TLS session keys to FILE, for Wireshark (not available: rustls reads SSLKEYLOGFILE)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -l ciphers -d 'Cipher list' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -l psk -d 'Pre-shared key in hex (not available with rustls)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -l psk-identity -d 'Identity for --psk' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -s V -l protocol-version -d 'The MQTT version the behaviour probes speak: 5, 311 or 31 [default: the newest the broker accepts]' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -l help -d 'Print help'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -l ws -d 'Speak MQTT over WebSockets (ws://, or wss:// with TLS)'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -s c -l disable-clean-session -d 'Keep the session when disconnecting (clean session / clean start off)'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -l nodelay -d 'Disable Nagle\'s algorithm on the socket (TCP_NODELAY)'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -l pw-prompt -d 'Ask for the password on the terminal, without echo'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -s d -l debug -d 'Print every packet sent and received (mosquitto\'s debug lines, on stdout)'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -l quiet -d 'Do not print runtime error messages'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -l will-retain -d 'Retain the will message'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -l no-tls -d 'Ignore every TLS option (for instance ones from the defaults file)'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -l insecure -d 'Skip server certificate verification'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand check" -l tls-use-os-certs -d 'Verify the server with the operating system\'s CA store'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand merge" -l json -d 'Write the JSON report to FILE (\'-\' for stdout)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand merge" -l html -d 'Write a self-contained HTML report with SVG charts to FILE' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand merge" -l assert -d 'A threshold that sets the exit code, e.g. \'p99_ms<=20\', \'loss==0\', \'rate>=9500\' (repeatable; metrics are listed in the README)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand merge" -l baseline -d 'Compare against a saved JSON report: rates may not drop and latencies may not grow by more than --tolerance' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand merge" -l tolerance -d 'Allowed regression against --baseline (e.g. 10%)' -r
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand merge" -l help -d 'Print help'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand help; and not __fish_seen_subcommand_from conn pub sub pubsub check merge help" -f -a "conn" -d 'Open and hold connections; connect latency, failures, memory per connection'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand help; and not __fish_seen_subcommand_from conn pub sub pubsub check merge help" -f -a "pub" -d 'Publish on an open-loop schedule; PUBACK/PUBREC/PUBCOMP latency and schedule lag'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand help; and not __fish_seen_subcommand_from conn pub sub pubsub check merge help" -f -a "sub" -d 'Subscribe and measure what arrives (latency and loss from mqtt-bench payloads)'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand help; and not __fish_seen_subcommand_from conn pub sub pubsub check merge help" -f -a "pubsub" -d 'Publishers and subscribers together: end-to-end latency, loss, duplicates, order'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand help; and not __fish_seen_subcommand_from conn pub sub pubsub check merge help" -f -a "check" -d 'Check what a broker supports and whether it keeps MQTT\'s promises'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand help; and not __fish_seen_subcommand_from conn pub sub pubsub check merge help" -f -a "merge" -d 'Merge the JSON reports of several shards (--shard) into one'
complete -c mqtt-bench -n "__fish_mqtt_bench_using_subcommand help; and not __fish_seen_subcommand_from conn pub sub pubsub check merge help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
