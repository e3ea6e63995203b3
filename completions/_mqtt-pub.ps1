
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'mqtt-pub' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'mqtt-pub'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'mqtt-pub' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Topic to publish to')
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'Topic to publish to')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Send MESSAGE as the payload')
            [CompletionResult]::new('--message', '--message', [CompletionResultType]::ParameterName, 'Send MESSAGE as the payload')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Send the whole of FILE as the payload (binary-safe)')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'Send the whole of FILE as the payload (binary-safe)')
            [CompletionResult]::new('--replay', '--replay', [CompletionResultType]::ParameterName, 'Publish a capture (the JSON lines mqtt-sub --json writes; - for stdin) with the gaps between its "tst" times')
            [CompletionResult]::new('--speed', '--speed', [CompletionResultType]::ParameterName, '--replay this many times faster than captured (2.5, 0.5, ...), or max: as fast as confirmed delivery allows [default: 1]')
            [CompletionResult]::new('--encode', '--encode', [CompletionResultType]::ParameterName, 'Read each message as JSON text and send it encoded: sparkplug, protobuf:FILE.proto[:package.Message], json, cbor or msgpack')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Quality of service: 0, 1 or 2 [default: 0]')
            [CompletionResult]::new('--qos', '--qos', [CompletionResultType]::ParameterName, 'Quality of service: 0, 1 or 2 [default: 0]')
            [CompletionResult]::new('--repeat', '--repeat', [CompletionResultType]::ParameterName, 'Publish the message COUNT times (-m, -f, -s, -n)')
            [CompletionResult]::new('--repeat-delay', '--repeat-delay', [CompletionResultType]::ParameterName, 'Wait SECONDS (fractions allowed) after each repeated message is confirmed')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'Publish at most N messages per second, on an absolute schedule (-l, --jsonl, --repeat)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Broker host name or IP address [default: localhost]')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Broker host name or IP address [default: localhost]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Broker port [default: 1883; 8883 with TLS]')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Broker port [default: 1883; 8883 with TLS]')
            [CompletionResult]::new('-L', '-L ', [CompletionResultType]::ParameterName, 'Broker URL: mqtt://[USER[:PASSWORD]@]HOST[:PORT]/TOPIC')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Broker URL: mqtt://[USER[:PASSWORD]@]HOST[:PORT]/TOPIC')
            [CompletionResult]::new('--unix', '--unix', [CompletionResultType]::ParameterName, 'Connect to a unix socket instead of TCP')
            [CompletionResult]::new('--ws-path', '--ws-path', [CompletionResultType]::ParameterName, 'The HTTP path of the WebSocket endpoint')
            [CompletionResult]::new('--proxy', '--proxy', [CompletionResultType]::ParameterName, 'Connect through a proxy: socks5h://[USER[:PASS]@]HOST[:PORT] or http://[USER[:PASS]@]HOST[:PORT]')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Bind the local end of the connection to this address')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Client id [default: none, the broker assigns one]')
            [CompletionResult]::new('--id', '--id', [CompletionResultType]::ParameterName, 'Client id [default: none, the broker assigns one]')
            [CompletionResult]::new('-I', '-I ', [CompletionResultType]::ParameterName, 'Client id prefix: the id becomes PREFIX followed by the process id')
            [CompletionResult]::new('--id-prefix', '--id-prefix', [CompletionResultType]::ParameterName, 'Client id prefix: the id becomes PREFIX followed by the process id')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Keep-alive interval in seconds (5-65535) [default: 60]')
            [CompletionResult]::new('--keepalive', '--keepalive', [CompletionResultType]::ParameterName, 'Keep-alive interval in seconds (5-65535) [default: 60]')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'MQTT protocol version: 5 (mqttv5), 311 (mqttv311) or 31 (mqttv31) [default: 311]')
            [CompletionResult]::new('--protocol-version', '--protocol-version', [CompletionResultType]::ParameterName, 'MQTT protocol version: 5 (mqttv5), 311 (mqttv311) or 31 (mqttv31) [default: 311]')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'MQTT v5 session expiry interval in seconds; -1 or ∞ means never')
            [CompletionResult]::new('-M', '-M ', [CompletionResultType]::ParameterName, 'Maximum number of QoS 1 and 2 messages in flight [default: 20]')
            [CompletionResult]::new('--connect-retry', '--connect-retry', [CompletionResultType]::ParameterName, 'Keep retrying the first connection until the broker answers or DURATION has passed (e.g. 30s, 2m, 500ms)')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'User name')
            [CompletionResult]::new('--username', '--username', [CompletionResultType]::ParameterName, 'User name')
            [CompletionResult]::new('-P', '-P ', [CompletionResultType]::ParameterName, 'Password (prefer MQTT_PASSWORD, --pw-prompt or --pw-file: argv is visible in ps)')
            [CompletionResult]::new('--pw', '--pw', [CompletionResultType]::ParameterName, 'Password (prefer MQTT_PASSWORD, --pw-prompt or --pw-file: argv is visible in ps)')
            [CompletionResult]::new('--pw-file', '--pw-file', [CompletionResultType]::ParameterName, 'Read the password from the first line of FILE')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Read default options from FILE instead of ~/.config/<program>')
            [CompletionResult]::new('-D', '-D ', [CompletionResultType]::ParameterName, 'MQTT v5 property: -D COMMAND NAME VALUE, or -D COMMAND user-property KEY VALUE')
            [CompletionResult]::new('--property', '--property', [CompletionResultType]::ParameterName, 'MQTT v5 property: -D COMMAND NAME VALUE, or -D COMMAND user-property KEY VALUE')
            [CompletionResult]::new('--will-topic', '--will-topic', [CompletionResultType]::ParameterName, 'Topic of the will message')
            [CompletionResult]::new('--will-payload', '--will-payload', [CompletionResultType]::ParameterName, 'Payload of the will message [default: empty]')
            [CompletionResult]::new('--will-qos', '--will-qos', [CompletionResultType]::ParameterName, 'QoS of the will message (0, 1 or 2) [default: 0]')
            [CompletionResult]::new('--cafile', '--cafile', [CompletionResultType]::ParameterName, 'CA certificates file (PEM)')
            [CompletionResult]::new('--capath', '--capath', [CompletionResultType]::ParameterName, 'Directory of CA certificates (PEM)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Client private key (PEM)')
            [CompletionResult]::new('--tls-version', '--tls-version', [CompletionResultType]::ParameterName, 'TLS version: tlsv1.2 or tlsv1.3')
            [CompletionResult]::new('--tls-alpn', '--tls-alpn', [CompletionResultType]::ParameterName, 'ALPN protocol to offer')
            [CompletionResult]::new('--keyform', '--keyform', [CompletionResultType]::ParameterName, 'Key form: pem or engine')
            [CompletionResult]::new('--tls-engine', '--tls-engine', [CompletionResultType]::ParameterName, 'OpenSSL engine (not available with rustls)')
            [CompletionResult]::new('--tls-engine-kpass-sha1', '--tls-engine-kpass-sha1', [CompletionResultType]::ParameterName, 'SHA-1 of the engine key password (not available with rustls)')
            [CompletionResult]::new('--tls-keylog', '--tls-keylog', [CompletionResultType]::ParameterName, 'Write TLS session keys to FILE, for Wireshark (not available: rustls reads SSLKEYLOGFILE)')
            [CompletionResult]::new('--ciphers', '--ciphers', [CompletionResultType]::ParameterName, 'Cipher list')
            [CompletionResult]::new('--psk', '--psk', [CompletionResultType]::ParameterName, 'Pre-shared key in hex (not available with rustls)')
            [CompletionResult]::new('--psk-identity', '--psk-identity', [CompletionResultType]::ParameterName, 'Identity for --psk')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Send all of stdin as one payload (binary-safe)')
            [CompletionResult]::new('--stdin-file', '--stdin-file', [CompletionResultType]::ParameterName, 'Send all of stdin as one payload (binary-safe)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Send an empty (zero-length) payload')
            [CompletionResult]::new('--null-message', '--null-message', [CompletionResultType]::ParameterName, 'Send an empty (zero-length) payload')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Send one message per line of stdin (the ''\n'' is removed, ''\r'' kept; an empty line is an empty message)')
            [CompletionResult]::new('--stdin-line', '--stdin-line', [CompletionResultType]::ParameterName, 'Send one message per line of stdin (the ''\n'' is removed, ''\r'' kept; an empty line is an empty message)')
            [CompletionResult]::new('--jsonl', '--jsonl', [CompletionResultType]::ParameterName, 'Read one JSON object per line of stdin and publish it')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'Ask the broker to retain the message')
            [CompletionResult]::new('--retain', '--retain', [CompletionResultType]::ParameterName, 'Ask the broker to retain the message')
            [CompletionResult]::new('--ws', '--ws', [CompletionResultType]::ParameterName, 'Speak MQTT over WebSockets (ws://, or wss:// with TLS)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Keep the session when disconnecting (clean session / clean start off)')
            [CompletionResult]::new('--disable-clean-session', '--disable-clean-session', [CompletionResultType]::ParameterName, 'Keep the session when disconnecting (clean session / clean start off)')
            [CompletionResult]::new('--nodelay', '--nodelay', [CompletionResultType]::ParameterName, 'Disable Nagle''s algorithm on the socket (TCP_NODELAY)')
            [CompletionResult]::new('--pw-prompt', '--pw-prompt', [CompletionResultType]::ParameterName, 'Ask for the password on the terminal, without echo')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Print every packet sent and received (mosquitto''s debug lines, on stdout)')
            [CompletionResult]::new('--debug', '--debug', [CompletionResultType]::ParameterName, 'Print every packet sent and received (mosquitto''s debug lines, on stdout)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Do not print runtime error messages')
            [CompletionResult]::new('--will-retain', '--will-retain', [CompletionResultType]::ParameterName, 'Retain the will message')
            [CompletionResult]::new('--no-tls', '--no-tls', [CompletionResultType]::ParameterName, 'Ignore every TLS option (for instance ones from the defaults file)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Skip server certificate verification')
            [CompletionResult]::new('--tls-use-os-certs', '--tls-use-os-certs', [CompletionResultType]::ParameterName, 'Verify the server with the operating system''s CA store')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
